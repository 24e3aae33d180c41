// Lowers an aggregating `$apply`: each transformation after the entity stage becomes a derived
// table (ApplyQueryOptions.ApplyTo wraps the query once per step; so do we), and the request's
// own $filter/$orderby/$top/$skip/$count and paging run on the last one.
import type { EdmPrimitive } from '../model/types.js';
import { assertNever, typeOf, type AggregatedShape, type ApplyClause, type BoundApplyStep, type BoundExpr, type BoundOrderItem, type BoundQuery, type ShapeField } from '../odata/bind/semantic.js';
import { sqlTypeOf } from './sql-types.js';
import type { KeysetItem } from './keyset.js';
import { pagePlan } from './page-plan.js';
import { AliasAllocator, lowerExpression, RowScope, type LoweringContext } from './lower-expression.js';
import { lowerPath, type EntityLayout, type FieldLayout, type LowerRequest, type QueryPlan } from './lower-query.js';
import { columns, orderNode } from './select-list.js';
import { and, binary, column, NULL, select, type FromNode, type JoinNode, type OrderNode, type SelectNode, type SqlExpr } from './sql-nodes.js';

/** Rows flowing between steps: the FROM of the next statement and what still has to be filtered. */
interface Stage {
  readonly from: FromNode;
  readonly joins: readonly JoinNode[];
  readonly scope: RowScope;
  readonly where: SqlExpr[];
  readonly shape: AggregatedShape | undefined;
  /** The ordering the last orderby()/topcount() established, for later top/skip and the result. */
  readonly order: readonly { readonly expr: SqlExpr; readonly descending: boolean; readonly type: EdmPrimitive | null }[];
  /** The request, for concat() branches that start again from its entities. */
  readonly query: BoundQuery;
}

const sqlAggregate = { sum: 'sum', min: 'min', max: 'max', average: 'avg' } as const;

/** Wraps a stage into a derived table exposing the shape's fields under their column names. */
function wrap(stage: Stage, node: SelectNode, shape: AggregatedShape, context: LoweringContext): Stage {
  const alias = context.aliases.create();
  const scope = new RowScope(context, undefined, alias);
  return {
    from: { kind: 'subquery', query: node, alias },
    joins: [],
    scope,
    where: [],
    shape,
    order: reorder(stage, alias, shape),
    query: stage.query,
  };
}

/**
 * An ordering refers to fields by column; after wrapping, the same columns of the new alias.
 * (An ordering by an expression over fields ends at the derived table that applied it.)
 */
function reorder(stage: Stage, alias: string, shape: AggregatedShape): Stage['order'] {
  return stage.order.flatMap((o) => {
    const expr = o.expr;
    if (expr.kind !== 'column') return [];
    const field = shape.fields.find((f) => f.column === expr.column);
    return field ? [{ expr: column(alias, field.column), descending: o.descending, type: o.type }] : [];
  });
}

function aliasOf(stage: Stage): string {
  return stage.from.alias;
}

/** The fields of an aggregated stage, passed through unchanged. */
function fieldList(stage: Stage) {
  return stage.shape!.fields.map((f) => ({ expr: column(aliasOf(stage), f.column), alias: f.column }));
}

function stageSelect(stage: Stage, columnsOf: { expr: SqlExpr; alias: string }[], extra: Partial<SelectNode> = {}): SelectNode {
  return select({ columns: columnsOf, from: stage.from, joins: stage.scope.joins.length > 0 ? stage.scope.joins : stage.joins, where: and(...stage.where), ...extra });
}

function stableOrder(stage: Stage): OrderNode[] {
  const nodes = stage.order.map((o) => orderNode(o.expr, o.descending));
  for (const key of stage.shape!.keys) nodes.push(orderNode(column(aliasOf(stage), key.column), false));
  return nodes;
}

function applyStep(step: BoundApplyStep, stage: Stage, context: LoweringContext): Stage {
  switch (step.kind) {
    case 'aggregate': {
      const keyExprs = step.keys.map((k) => lowerExpression(k.expr, stage.scope));
      const list = [
        ...step.keys.map((k, i) => ({ expr: keyExprs[i]!, alias: k.field.column })),
        ...step.aggregates.map((a) => ({ expr: aggregateSql(a.method, a.expr ? lowerExpression(a.expr, stage.scope) : undefined, a.field.type), alias: a.field.column })),
      ];
      const node = stageSelect(stage, list, {
        groupBy: step.grouped ? keyExprs : [],
        // ASP.NET groups aggregate() alone into nothing when there are no rows: `"value": []`.
        having: step.grouped && step.keys.length === 0 ? binary('>', { kind: 'aggregate', fn: 'count', arg: undefined, distinct: false }, { kind: 'param', value: 0, type: 'BIGINT' }) : undefined,
      });
      return wrap({ ...stage, order: [] }, node, step.output, context);
    }
    case 'filter':
      return { ...stage, where: [...stage.where, lowerExpression(step.predicate, stage.scope)] };
    case 'compute': {
      const previous = fieldList(stage).filter((c) => step.output.fields.some((f) => f.column === c.alias));
      const list = [...previous, ...step.items.map((i) => ({ expr: lowerExpression(i.expr, stage.scope), alias: i.field.column }))];
      return wrap(stage, stageSelect(stage, list), step.output, context);
    }
    case 'orderby':
      return { ...stage, order: orderOf(step.items, stage) };
    case 'top':
    case 'skip': {
      const node = stageSelect(stage, fieldList(stage), {
        orderBy: stableOrder(stage),
        limit: step.kind === 'top' ? step.count : undefined,
        offset: step.kind === 'skip' ? step.count : undefined,
      });
      return wrap(stage, node, stage.shape!, context);
    }
    case 'topcount':
    case 'bottomcount': {
      const descending = step.kind === 'topcount';
      const withOrder: Stage = { ...stage, order: [{ expr: lowerExpression(step.expr, stage.scope), descending, type: typeOf(step.expr) }] };
      const node = stageSelect(withOrder, fieldList(stage), { orderBy: stableOrder(withOrder), limit: step.n });
      return wrap(withOrder, node, stage.shape!, context);
    }
    case 'topsum':
    case 'bottomsum':
    case 'toppercent':
    case 'bottompercent': {
      // Rows by the value, largest first (smallest for bottom*), while the running total before a row is under the bound.
      const descending = step.kind.startsWith('top');
      const value = lowerExpression(step.expr, stage.scope);
      const withOrder: Stage = { ...stage, order: [{ expr: value, descending, type: typeOf(step.expr) }] };
      const running: SqlExpr = { kind: 'window', fn: 'sum', arg: value, partitionBy: [], orderBy: stableOrder(withOrder) };
      const inner = stageSelect(withOrder, [
        ...fieldList(stage),
        { expr: running, alias: '_running' },
        { expr: value, alias: '_value' },
        { expr: { kind: 'window', fn: 'sum', arg: value, partitionBy: [], orderBy: [] }, alias: '_total' },
      ]);
      const alias = context.aliases.create();
      const before = binary('-', column(alias, '_running'), column(alias, '_value'));
      const bound: SqlExpr = step.kind.endsWith('sum')
        ? { kind: 'param', value: step.n, type: 'DOUBLE' }
        : binary('*', column(alias, '_total'), { kind: 'param', value: step.n / 100, type: 'DOUBLE' });
      const node = select({
        columns: stage.shape!.fields.map((f) => ({ expr: column(alias, f.column), alias: f.column })),
        from: { kind: 'subquery', query: inner, alias },
        where: binary('<', before, bound),
      });
      return wrap({ ...withOrder, order: [] }, node, stage.shape!, context);
    }
    case 'concat': {
      const queries = step.branches.map((branch, index) => {
        const last = runPipeline(branch.entityFilters, branch.steps, stage.query, context);
        const own = new Map(branch.shape.fields.map((f) => [step.columnMap.get(f.column)!.column, f]));
        const list = step.output.fields.map((out) => {
          if (out === step.branchField) return { expr: { kind: 'param', value: index, type: 'INTEGER' } as SqlExpr, alias: out.column };
          const mine = own.get(out.column);
          const value: SqlExpr = mine
            ? column(aliasOf(last), mine.column)
            : out.type ? { kind: 'cast', operand: NULL, type: sqlTypeOf[out.type], lenient: false } : NULL;
          return { expr: value, alias: out.column };
        });
        return stageSelect(last, list);
      });
      const alias = context.aliases.create();
      return { from: { kind: 'union', queries, alias }, joins: [], scope: new RowScope(context, undefined, alias), where: [], shape: step.output, order: [], query: stage.query };
    }
    default:
      return assertNever(step);
  }
}

/** Runs transformations from the entities of the request's path: the entity stage, then each step. */
function runPipeline(entityFilters: readonly BoundExpr[], steps: readonly BoundApplyStep[], query: BoundQuery, context: LoweringContext): Stage {
  const entityScope = new RowScope(context, undefined);
  const path = lowerPath(query.path, entityScope, query.range);
  let stage: Stage = {
    from: { kind: 'table', table: path.table, alias: path.alias },
    joins: [],
    scope: entityScope,
    where: [path.where!, ...entityFilters.map((f) => lowerExpression(f, entityScope))],
    shape: undefined,
    order: [],
    query,
  };
  for (const step of steps) stage = applyStep(step, stage, context);
  return stage;
}

function aggregateSql(method: 'sum' | 'min' | 'max' | 'average' | 'countdistinct' | 'count', arg: SqlExpr | undefined, type: EdmPrimitive | null): SqlExpr {
  switch (method) {
    case 'count':
      return { kind: 'aggregate', fn: 'count', arg: undefined, distinct: false };
    case 'countdistinct':
      return { kind: 'aggregate', fn: 'count', arg, distinct: true };
    case 'average':
      // An average of integers is fractional (C# Average over int is double).
      return { kind: 'aggregate', fn: 'avg', arg: arg && { kind: 'cast', operand: arg, type: 'DOUBLE', lenient: false }, distinct: false };
    case 'sum':
      // Integer sums are Int64 (engines widen to 128 bits); keep the declared type.
      return type === 'Edm.Int64' ? { kind: 'cast', operand: { kind: 'aggregate', fn: 'sum', arg, distinct: false }, type: 'BIGINT', lenient: false } : { kind: 'aggregate', fn: sqlAggregate.sum, arg, distinct: false };
    case 'min':
    case 'max':
      // PostgreSQL has no min/max of uuid; the canonical text orders as the value does (on both engines).
      if (type === 'Edm.Guid' && arg) return { kind: 'cast', operand: { kind: 'aggregate', fn: sqlAggregate[method], arg: { kind: 'cast', operand: arg, type: 'VARCHAR', lenient: false }, distinct: false }, type: 'UUID', lenient: false };
      return { kind: 'aggregate', fn: sqlAggregate[method], arg, distinct: false };
    default:
      return assertNever(method);
  }
}

function orderOf(items: readonly BoundOrderItem[], stage: Stage): Stage['order'] {
  return items.map((o) => ({ expr: lowerExpression(o.expr, stage.scope), descending: o.descending, type: typeOf(o.expr) }));
}

/** Nests fields under their navigation paths, as transient objects (`"@odata.id": null`). */
function aggregatedLayout(fields: readonly ShapeField[], columnOf: (f: ShapeField) => number, depth = 0): EntityLayout {
  const out: FieldLayout[] = [];
  const nestedNames: string[] = [];
  for (const f of fields) {
    if (f.path.length > depth) {
      const name = f.path[depth]!;
      if (!nestedNames.includes(name)) nestedNames.push(name);
    } else {
      out.push({ kind: 'value', name: f.name, column: columnOf(f), type: f.type });
    }
  }
  for (const name of nestedNames) {
    const inner = fields.filter((f) => f.path.length > depth && f.path[depth] === name);
    out.push({ kind: 'entity', name, presence: undefined, entity: aggregatedLayout(inner, columnOf, depth + 1) });
  }
  return { typeName: '', setName: undefined, keys: [], fields: out, transient: true };
}

export function lowerAggregatedQuery(request: LowerRequest, clause: ApplyClause): QueryPlan {
  const { model, query, paging } = request;
  const context: LoweringContext = { model, customerId: request.customerId, aliases: new AliasAllocator() };
  const stage = runPipeline(clause.entityFilters, clause.steps, query, context);
  const alias = aliasOf(stage);
  const where = [...stage.where];
  if (query.filter) where.push(lowerExpression(query.filter, stage.scope));

  const cols = columns();
  const fieldColumns = new Map<string, number>();
  for (const f of query.fields ?? []) fieldColumns.set(f.column, cols.add(column(alias, f.column)));
  const entity = aggregatedLayout(query.fields ?? [], (f) => fieldColumns.get(f.column)!);

  const requested: KeysetItem[] = query.orderby.map((o: BoundOrderItem) => ({ expr: lowerExpression(o.expr, stage.scope), descending: o.descending, type: typeOf(o.expr) }));
  const keyset: KeysetItem[] = [...requested, ...stage.order.map((o) => ({ expr: o.expr, descending: o.descending, type: o.type }))];
  for (const key of stage.shape!.keys) keyset.push({ expr: column(alias, key.column), descending: false, type: key.type });
  const rows = { from: stage.from, joins: stage.scope.joins, where: and(...where) };
  // Derived tables carry no outer joins, so the count may read the same source.
  return pagePlan({ paging, compiler: request.compiler, top: query.top, skip: query.skip, count: query.count, collection: true, entity, columns: cols, keyset, rows, counted: rows, wholeResult: true });
}
