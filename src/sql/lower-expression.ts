// Lowers bound expressions to SQL nodes. Navigation paths become LEFT JOINs of the select that
// owns the range variable; lambdas become EXISTS subqueries. Every table reference goes through
// `RowScope.scan`, which adds the tenant predicate: tenant isolation lives here and nowhere else.
import { CUSTOMER_COLUMN, tableOf, type Model } from '../model/model.js';
import type { EdmPrimitive, EntityTypeDef, NavigationDef } from '../model/types.js';
import { assertNever, type BoundExpr, type CollectionSource, type ConstantValue, type RangeVariable } from '../odata/bind/semantic.js';
import { isIntegral } from '../odata/bind/type-rules.js';
import { sqlTimestampText, timeOfDayText } from '../edm/date-time.js';
import type { SqlValue } from '../store/store.js';
import { sqlTypeOf } from './sql-types.js';
import { and, binary, column, FALSE, NULL, select, TRUE, type JoinNode, type SelectColumn, type SelectNode, type SqlExpr } from './sql-nodes.js';


/** A constant as a bound parameter, cast to its SQL type. */
export function param(value: ConstantValue, type: EdmPrimitive | null): SqlExpr {
  if (type === null) return NULL;
  // A typed null keeps its type: PostgreSQL cannot choose among sum(...) overloads for a bare NULL.
  if (value === null) return { kind: 'cast', operand: NULL, type: sqlTypeOf[type], lenient: false };
  return { kind: 'param', value: paramValue(value, type), type: sqlTypeOf[type] };
}

function paramValue(value: Exclude<ConstantValue, null>, type: EdmPrimitive): SqlValue {
  switch (type) {
    case 'Edm.DateTimeOffset':
      return sqlTimestampText(value as bigint);
    case 'Edm.TimeOfDay':
      return timeOfDayText(value as bigint);
    case 'Edm.Duration':
      return `${value} microseconds`;
    default:
      return value;
  }
}

/** Allocates table aliases unique within one statement. */
export class AliasAllocator {
  private next = 0;
  private synthetic = 0;
  create(): string {
    return `t${this.next++}`;
  }
  /** A row variable the bound tree leaves implicit (the rows counted by `Nav/$count`); negative ids never meet the binder's. */
  syntheticRange(type: EntityTypeDef): RangeVariable {
    return { id: -1 - this.synthetic++, name: '$count', type };
  }
}

export interface LoweringContext {
  readonly model: Model;
  readonly customerId: string;
  readonly aliases: AliasAllocator;
}

/**
 * One SELECT under construction: the table alias of each range variable it introduces, and the
 * LEFT JOINs that navigation paths from those ranges need. Subqueries (lambdas, `$count`) get a
 * child scope that can still reach the ranges of enclosing scopes.
 */
export class RowScope {
  readonly joins: JoinNode[] = [];
  private readonly rangeAliases = new Map<number, string>();
  private readonly navAliases = new Map<string, string>();

  constructor(
    readonly context: LoweringContext,
    readonly parent: RowScope | undefined,
    /** The alias of the `$apply` stage whose fields `field` expressions read (aggregated rows). */
    readonly stageAlias?: string,
  ) {}

  /** The tenant predicate for a table alias; every scan and join carries it. */
  tenant(alias: string): SqlExpr {
    return binary('=', column(alias, CUSTOMER_COLUMN), { kind: 'param', value: this.context.customerId, type: 'VARCHAR' });
  }

  table(type: EntityTypeDef): string {
    return tableOf(this.context.model, type.name);
  }

  bindRange(range: RangeVariable, alias: string): void {
    this.rangeAliases.set(range.id, alias);
  }

  private owner(range: RangeVariable): RowScope {
    for (let s: RowScope | undefined = this; s; s = s.parent) if (s.rangeAliases.has(range.id)) return s;
    throw new Error(`range ${range.name}#${range.id} is not in scope`);
  }

  /** The alias of the row reached from `range` through single-valued `navPath`, joining as needed. */
  aliasOf(range: RangeVariable, navPath: readonly NavigationDef[]): string {
    const owner = this.owner(range);
    let alias = owner.rangeAliases.get(range.id)!;
    let key = String(range.id);
    for (const nav of navPath) {
      key += `/${nav.name}`;
      const target = this.context.model.entityType(nav.target);
      let next = owner.navAliases.get(key);
      if (!next) {
        next = this.context.aliases.create();
        owner.navAliases.set(key, next);
        owner.joins.push({
          type: 'LEFT',
          from: { kind: 'table', table: owner.table(target), alias: next },
          on: and(joinCondition(nav, alias, next), owner.tenant(next))!,
        });
      }
      alias = next;
    }
    return alias;
  }
}

/** `child.target = parent.local` for each pair of the navigation; FALSE when the schema gives no pair. */
export function joinCondition(nav: NavigationDef, parentAlias: string, childAlias: string): SqlExpr {
  if (!nav.on || nav.on.length === 0) return FALSE;
  return and(...nav.on.map((p) => binary('=', column(childAlias, p.target), column(parentAlias, p.local))))!;
}

function isNullConstant(expr: BoundExpr): boolean {
  return expr.kind === 'constant' && expr.value === null;
}

const comparisonOperator = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

export function lowerExpression(expr: BoundExpr, scope: RowScope): SqlExpr {
  switch (expr.kind) {
    case 'constant':
      return param(expr.value, expr.type);
    case 'property':
      return column(scope.aliasOf(expr.range, expr.navPath), expr.property.name);
    case 'computed':
      return lowerExpression(expr.expr, scope);
    case 'entityRef': {
      const alias = scope.aliasOf(expr.range, expr.navPath);
      return column(alias, expr.type.key[0]!);
    }
    case 'binary':
      return lowerBinary(expr, scope);
    case 'not':
      // Two-valued logic as in C#: a comparison with null is false, so its negation is true.
      return { kind: 'not', operand: { kind: 'call', fn: 'coalesce', args: [lowerExpression(expr.operand, scope), FALSE] } };
    case 'negate':
      return { kind: 'negate', operand: lowerExpression(expr.operand, scope) };
    case 'in':
      return { kind: 'in', operand: lowerExpression(expr.operand, scope), list: expr.list.map((e) => lowerExpression(e, scope)) };
    case 'call':
      return lowerCall(expr, scope);
    case 'cast':
      return { kind: 'cast', operand: lowerExpression(expr.operand, scope), type: sqlTypeOf[expr.type], lenient: expr.lenient };
    case 'lambda': {
      const exists = (predicate: (sub: RowScope) => SqlExpr | undefined): SqlExpr => ({
        kind: 'exists',
        query: correlatedSelect(expr.source, scope, expr.variable, { expr: TRUE, alias: 'x' }, predicate),
      });
      if (expr.operator === 'any') return exists((sub) => expr.predicate && lowerExpression(expr.predicate, sub));
      // all: no related row violates the predicate (a null predicate counts as false, as in C#).
      return { kind: 'not', operand: exists((sub) => ({ kind: 'not', operand: { kind: 'call', fn: 'coalesce', args: [expr.predicate ? lowerExpression(expr.predicate, sub) : TRUE, FALSE] } })) };
    }
    case 'field':
      if (!scope.stageAlias) throw new Error(`field ${expr.field.name} outside an aggregated stage`);
      return column(scope.stageAlias, expr.field.column);
    case 'count': {
      const counted = { expr: { kind: 'aggregate', fn: 'count', arg: undefined, distinct: false } as SqlExpr, alias: 'n' };
      return { kind: 'scalar', query: correlatedSelect(expr.source, scope, scope.context.aliases.syntheticRange(expr.source.target), counted, () => undefined) };
    }
    default:
      return assertNever(expr);
  }
}

/**
 * A subquery over the rows of a collection navigation, correlated with the outer row. `where` is
 * lowered in the subquery's own scope, so navigation paths from the related rows join there.
 */
function correlatedSelect(source: CollectionSource, scope: RowScope, variable: RangeVariable, selected: SelectColumn, where: (sub: RowScope) => SqlExpr | undefined): SelectNode {
  const parentAlias = scope.aliasOf(source.range, source.navPath);
  const sub = new RowScope(scope.context, scope);
  const alias = scope.context.aliases.create();
  sub.bindRange(variable, alias);
  const correlated = and(joinCondition(source.collection, parentAlias, alias), sub.tenant(alias));
  return select({ columns: [selected], from: { kind: 'table', table: sub.table(source.target), alias }, joins: sub.joins, where: and(correlated, where(sub)) });
}

function nullable(expr: BoundExpr): boolean {
  if (expr.kind === 'constant') return expr.value === null;
  if (expr.kind === 'property') return expr.property.nullable || expr.navPath.length > 0;
  return true;
}

function lowerBinary(expr: BoundExpr & { kind: 'binary' }, scope: RowScope): SqlExpr {
  const { operator, left, right } = expr;
  switch (operator) {
    case 'and':
      return binary('AND', lowerExpression(left, scope), lowerExpression(right, scope));
    case 'or':
      return binary('OR', lowerExpression(left, scope), lowerExpression(right, scope));
    case 'eq':
    case 'ne': {
      if (isNullConstant(left) || isNullConstant(right)) {
        const other = isNullConstant(left) ? right : left;
        if (isNullConstant(other)) return operator === 'eq' ? TRUE : FALSE;
        return { kind: 'isNull', operand: lowerExpression(other, scope), negated: operator === 'ne' };
      }
      const l = lowerExpression(left, scope);
      const r = lowerExpression(right, scope);
      // C# null semantics: null == null is true and null != 'x' is true.
      const eitherNullable = nullable(left) || nullable(right);
      if (operator === 'eq') return binary(nullable(left) && nullable(right) ? 'IS NOT DISTINCT FROM' : '=', l, r);
      return binary(eitherNullable ? 'IS DISTINCT FROM' : '<>', l, r);
    }
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      return binary(comparisonOperator[operator], lowerExpression(left, scope), lowerExpression(right, scope));
    case 'add':
      return binary('+', lowerExpression(left, scope), lowerExpression(right, scope));
    case 'sub':
      return binary('-', lowerExpression(left, scope), lowerExpression(right, scope));
    case 'mul':
      return binary('*', lowerExpression(left, scope), lowerExpression(right, scope));
    case 'div':
      if (isIntegral(expr.type)) return { kind: 'intDivide', left: lowerExpression(left, scope), right: lowerExpression(right, scope) };
      return binary('/', lowerExpression(left, scope), lowerExpression(right, scope));
    case 'divby':
      return binary('/', lowerExpression(left, scope), lowerExpression(right, scope));
    case 'mod': {
      const [l, r] = [lowerExpression(left, scope), lowerExpression(right, scope)];
      // PostgreSQL has no % on double precision; C#'s (and DuckDB's) remainder is a - b * trunc(a / b).
      if (expr.type === 'Edm.Double') return binary('-', l, binary('*', r, { kind: 'call', fn: 'trunc', args: [binary('/', l, r)] }));
      return binary('%', l, r);
    }
    default:
      return assertNever(operator);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const lower = (e: SqlExpr): SqlExpr => ({ kind: 'call', fn: 'lower', args: [e] });

/** `contains`/`startswith`/`endswith` are case-insensitive, as on the reference's SQL Server collation. */
function lowerStringMatch(fn: 'contains' | 'startswith' | 'endswith', subject: BoundExpr, needle: BoundExpr, scope: RowScope): SqlExpr {
  const haystack = lower(lowerExpression(subject, scope));
  if (needle.kind === 'constant' && typeof needle.value === 'string') {
    const text = escapeLike(needle.value.toLowerCase());
    const pattern = fn === 'contains' ? `%${text}%` : fn === 'startswith' ? `${text}%` : `%${text}`;
    return binary('LIKE', haystack, { kind: 'param', value: pattern, type: 'VARCHAR' });
  }
  const n = lower(lowerExpression(needle, scope));
  const position: SqlExpr = { kind: 'call', fn: 'strpos', args: [haystack, n] };
  if (fn === 'contains') return binary('>', position, { kind: 'param', value: 0, type: 'INTEGER' });
  if (fn === 'startswith') return binary('=', position, { kind: 'param', value: 1, type: 'INTEGER' });
  return binary('=', { kind: 'call', fn: 'right', args: [haystack, { kind: 'call', fn: 'length', args: [n] }] }, n);
}

function lowerCall(expr: BoundExpr & { kind: 'call' }, scope: RowScope): SqlExpr {
  const args = expr.args;
  const arg = (i: number) => lowerExpression(args[i]!, scope);
  const int = (n: number): SqlExpr => ({ kind: 'param', value: n, type: 'INTEGER' });
  switch (expr.fn) {
    case 'contains':
    case 'startswith':
    case 'endswith':
      return lowerStringMatch(expr.fn, args[0]!, args[1]!, scope);
    case 'length':
      return { kind: 'cast', operand: { kind: 'call', fn: 'length', args: [arg(0)] }, type: 'INTEGER', lenient: false };
    case 'indexof':
      return binary('-', { kind: 'cast', operand: { kind: 'call', fn: 'strpos', args: [lower(arg(0)), lower(arg(1))] }, type: 'INTEGER', lenient: false }, int(1));
    case 'substring': {
      const from = binary('+', arg(1), int(1));
      return { kind: 'call', fn: 'substring', args: args.length === 3 ? [arg(0), from, arg(2)] : [arg(0), from] };
    }
    case 'tolower':
      return { kind: 'call', fn: 'lower', args: [arg(0)] };
    case 'toupper':
      return { kind: 'call', fn: 'upper', args: [arg(0)] };
    case 'trim':
      return { kind: 'call', fn: 'trim', args: [arg(0)] };
    case 'concat':
      return { kind: 'call', fn: 'concat', args: [arg(0), arg(1)] };
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'minute':
    case 'second':
      return { kind: 'extract', part: expr.fn, operand: arg(0) };
    case 'fractionalseconds':
      return binary('/', { kind: 'cast', operand: binary('%', { kind: 'extract', part: 'microsecond', operand: arg(0) }, int(1_000_000)), type: 'DOUBLE', lenient: false }, { kind: 'param', value: 1_000_000, type: 'DOUBLE' });
    case 'date':
      return { kind: 'cast', operand: arg(0), type: 'DATE', lenient: false };
    case 'time':
      return { kind: 'cast', operand: arg(0), type: 'TIME', lenient: false };
    case 'totaloffsetminutes':
      // Every stored instant is UTC.
      return { kind: 'case', whens: [{ when: { kind: 'isNull', operand: arg(0), negated: false }, then: NULL }], otherwise: int(0) };
    case 'now':
      throw new Error('now() is folded to a constant by the binder');
    case 'maxdatetime':
      return { kind: 'param', value: '9999-12-31 23:59:59.999999', type: 'TIMESTAMP' };
    case 'mindatetime':
      return { kind: 'param', value: '0001-01-01 00:00:00', type: 'TIMESTAMP' };
    case 'round':
      return { kind: 'call', fn: 'round', args: [arg(0)] };
    case 'floor':
      return { kind: 'call', fn: 'floor', args: [arg(0)] };
    case 'ceiling':
      return { kind: 'call', fn: 'ceil', args: [arg(0)] };
    default:
      return assertNever(expr.fn);
  }
}

