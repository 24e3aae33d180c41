// Binds expression tokens to typed nodes: resolves paths against the model (case-insensitively),
// checks operand types, inserts explicit conversions, and rewrites date-only comparisons.
import type { Model } from '../../model/model.js';
import type { EdmPrimitive, EntityTypeDef, NavigationDef } from '../../model/types.js';
import { semanticError, type Span } from '../errors.js';
import type { CallToken, ExprToken, PathToken } from '../parse/syntax.js';
import { compareDateOnly } from './date-comparison.js';
import { convertConstant, constantOf } from './constants.js';
import {
  assertNever,
  typeOf,
  type AggregatedShape,
  type BoundBinaryOperator,
  type BoundExpr,
  type CollectionSource,
  type ComputedItem,
  type RangeVariable,
} from './semantic.js';
import {
  castTargets,
  comparable,
  functionSignatures,
  implicitlyConvertible,
  isBuiltInFunction,
  isNumeric,
  operatorKindName,
  promoteNumeric,
} from './type-rules.js';

/** What names mean where an expression is bound. */
export interface BindingScope {
  readonly model: Model;
  /** `$it`: the rows the expression is evaluated against. */
  readonly implicit: RangeVariable;
  /** Lambda variables in scope, by lower-case name. */
  readonly variables: ReadonlyMap<string, RangeVariable>;
  /** `$compute`/`$apply` aliases visible here, by lower-case name. */
  readonly computed: ReadonlyMap<string, ComputedItem>;
  /** The request's `now()`, microseconds since the epoch, so one request sees one instant. */
  readonly now: bigint;
  readonly ranges: RangeAllocator;
  /** After `$apply` aggregation: names resolve to the fields of the aggregated rows only. */
  readonly shape?: AggregatedShape;
}

export class RangeAllocator {
  private next = 0;
  create(name: string, type: EntityTypeDef): RangeVariable {
    return { id: this.next++, name, type };
  }
}

export function bindExpression(token: ExprToken, scope: BindingScope): BoundExpr {
  switch (token.kind) {
    case 'literal':
      return constantOf(token);
    case 'path':
      return bindPathValue(token, scope);
    case 'count':
      return { kind: 'count', source: bindCollectionPath(token.source, scope), type: 'Edm.Int64' };
    case 'lambda': {
      const source = bindCollectionPath(token.source, scope);
      if (!token.variable) {
        return { kind: 'lambda', operator: token.operator, source, variable: scope.ranges.create('$any', source.target), predicate: undefined, type: 'Edm.Boolean' };
      }
      const variable = scope.ranges.create(token.variable.name, source.target);
      const inner: BindingScope = {
        ...scope,
        variables: new Map([...scope.variables, [token.variable.name.toLowerCase(), variable]]),
      };
      const predicate = bindExpression(token.predicate!, inner);
      requireBoolean(predicate, token.predicate!.span, `The expression of the '${token.operator}' operator must evaluate to a single boolean value.`);
      return { kind: 'lambda', operator: token.operator, source, variable, predicate, type: 'Edm.Boolean' };
    }
    case 'binary':
      return bindBinary(token.operator, bindExpression(token.left, scope), bindExpression(token.right, scope), token.operatorSpan);
    case 'unary': {
      const operand = bindExpression(token.operand, scope);
      if (token.operator === 'not') {
        requireBoolean(operand, token.operand.span, "The operand of the 'not' operator must be a boolean value.");
        return { kind: 'not', operand, type: 'Edm.Boolean' };
      }
      const type = typeOf(operand);
      if (!isNumeric(type)) throw semanticError(`The operand for the unary operator 'Negate' is of type '${type ?? 'null'}'; a numeric value is expected.`, token.span);
      if (operand.kind === 'constant' && operand.value !== null) return convertConstant(negateConstant(operand.value), type, type);
      return { kind: 'negate', operand, type };
    }
    case 'in': {
      const operand = bindPrimitive(token.left, scope);
      const operandType = typeOf(operand);
      const list = token.list.map((item) => {
        const bound = bindPrimitive(item, scope);
        const itemType = typeOf(bound);
        if (operandType === null || itemType === null) return bound;
        if (!comparable(operandType, itemType)) throw incompatible(operandType, itemType, 'In', item.span);
        return convertTo(bound, isNumeric(operandType) && isNumeric(itemType) ? promoteNumeric(operandType, itemType) : operandType);
      });
      return { kind: 'in', operand, list, type: 'Edm.Boolean' };
    }
    case 'call':
      return bindCall(token, scope);
    case 'typeName':
      throw semanticError(`A type name '${token.name}' is only allowed as an argument of cast or isof.`, token.span);
    default:
      return assertNever(token);
  }
}

/**
 * An operand that must be a primitive value. `$it` and navigation paths bind to entities, whose
 * type is unknown to typeOf() like null's; a function, `in`, arithmetic or `$compute` given one is refused here.
 */
export function bindPrimitive(token: ExprToken, scope: BindingScope): BoundExpr {
  const bound = bindExpression(token, scope);
  if (bound.kind === 'entityRef') throw semanticError('An entity was found where a primitive value is expected: name one of its properties.', token.span);
  return bound;
}

function negateConstant(value: NonNullable<BoundExpr & { kind: 'constant' }>['value']): typeof value {
  if (typeof value === 'number') return -value;
  if (typeof value === 'bigint') return -value;
  if (typeof value === 'string') return value.startsWith('-') ? value.slice(1) : `-${value}`;
  return value;
}

/** `null` as written: no type yet (a cast that always fails is a null of its target type, which is not Boolean). */
function isNullLiteral(expr: BoundExpr): boolean {
  return expr.kind === 'constant' && expr.value === null && expr.type === null;
}

export function requireBoolean(expr: BoundExpr, span: Span, message: string): void {
  const type = typeOf(expr);
  if (type !== 'Edm.Boolean' && !isNullLiteral(expr)) throw semanticError(message, span);
}

function incompatible(left: string, right: string, operator: string, span: Span) {
  return semanticError(
    `A binary operator with incompatible types was detected. Found operand types '${left}' and '${right}' for operator kind '${operator}'.`,
    span,
  );
}

/** Wraps an expression in a conversion to `type` unless it already has it (constants are converted in place). */
export function convertTo(expr: BoundExpr, type: EdmPrimitive): BoundExpr {
  const from = typeOf(expr);
  if (from === type || from === null) return expr;
  if (expr.kind === 'constant') return convertConstant(expr.value, from, type);
  return { kind: 'cast', operand: expr, type, lenient: false };
}

export function bindBinary(operator: BoundBinaryOperator | 'has', left: BoundExpr, right: BoundExpr, span: Span): BoundExpr {
  const leftType = typeOf(left);
  const rightType = typeOf(right);
  const kindName = operatorKindName[operator]!;
  switch (operator) {
    case 'has':
      throw semanticError("The 'has' operator needs an enumeration type; the Monitor schema sends enumerations as integers, so compare with 'eq' instead.", span);
    case 'and':
    case 'or': {
      for (const [side, t] of [[left, leftType], [right, rightType]] as const) {
        if (t !== 'Edm.Boolean' && !isNullLiteral(side)) throw incompatible(leftType ?? 'null', rightType ?? 'null', kindName, span);
      }
      return { kind: 'binary', operator, left, right, type: 'Edm.Boolean' };
    }
    case 'eq':
    case 'ne':
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      if (left.kind === 'entityRef' || right.kind === 'entityRef') {
        const other = left.kind === 'entityRef' ? right : left;
        if ((operator === 'eq' || operator === 'ne') && isNullLiteral(other)) {
          return { kind: 'binary', operator, left, right, type: 'Edm.Boolean' };
        }
        throw semanticError(`A navigation property can only be compared with null, using 'eq' or 'ne'.`, span);
      }
      if (leftType === null || rightType === null) return { kind: 'binary', operator, left, right, type: 'Edm.Boolean' };
      if (!comparable(leftType, rightType)) throw incompatible(leftType, rightType, kindName, span);
      if (leftType === 'Edm.Date' && rightType === 'Edm.DateTimeOffset') return compareDateOnly(right, flip(operator), left);
      if (leftType === 'Edm.DateTimeOffset' && rightType === 'Edm.Date') return compareDateOnly(left, operator, right);
      if (isNumeric(leftType) && isNumeric(rightType) && leftType !== rightType) {
        const common = promoteNumericForComparison(left, right);
        return { kind: 'binary', operator, left: convertTo(left, common), right: convertTo(right, common), type: 'Edm.Boolean' };
      }
      return { kind: 'binary', operator, left, right, type: 'Edm.Boolean' };
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'divby':
    case 'mod': {
      if (left.kind === 'entityRef' || right.kind === 'entityRef') throw semanticError(`An entity is not a numeric value: the operator '${kindName}' needs one of its properties.`, span);
      if (leftType === null || rightType === null) {
        const type = leftType ?? rightType;
        if (type === null || !isNumeric(type)) throw incompatible(leftType ?? 'null', rightType ?? 'null', kindName, span);
        return { kind: 'binary', operator, left, right, type };
      }
      if (!isNumeric(leftType) || !isNumeric(rightType)) throw incompatible(leftType, rightType, kindName, span);
      const common = operator === 'divby' ? fractional(promoteNumeric(leftType, rightType)) : promoteNumeric(leftType, rightType);
      return { kind: 'binary', operator, left: convertTo(left, common), right: convertTo(right, common), type: common };
    }
    default:
      return assertNever(operator);
  }
}

/**
 * A literal compared with a narrower integer column takes the column's type when it fits, so the
 * comparison stays on the bare column (and can use the engine's min/max skipping and indexes).
 */
function promoteNumericForComparison(left: BoundExpr, right: BoundExpr): EdmPrimitive {
  const l = typeOf(left)!;
  const r = typeOf(right)!;
  if (right.kind === 'constant' && fitsInteger(right.value, l)) return l;
  if (left.kind === 'constant' && fitsInteger(left.value, r)) return r;
  return promoteNumeric(l, r);
}

const integerRange: Partial<Record<EdmPrimitive, readonly [number, number]>> = {
  'Edm.Byte': [0, 255],
  'Edm.Int16': [-32768, 32767],
  'Edm.Int32': [-2147483648, 2147483647],
};

/** Whether an integer constant fits the integer type `type`. */
export function fitsInteger(value: unknown, type: EdmPrimitive): boolean {
  if (type === 'Edm.Int64') return typeof value === 'number' ? Number.isInteger(value) : typeof value === 'bigint';
  const range = integerRange[type];
  if (!range) return false;
  const n = typeof value === 'bigint' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= range[0] && n <= range[1];
}

function fractional(type: EdmPrimitive): EdmPrimitive {
  return type === 'Edm.Decimal' || type === 'Edm.Double' ? type : 'Edm.Double';
}

function flip(operator: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'): 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' {
  const flipped = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' } as const;
  return flipped[operator];
}

// ---------------------------------------------------------------------------------------------
// Paths

interface ResolvedPath {
  readonly range: RangeVariable;
  readonly navPath: readonly NavigationDef[];
  readonly type: EntityTypeDef;
  /** Index of the first segment not yet consumed. */
  readonly rest: number;
}

/** Resolves the leading range variable (`$it`, a lambda variable, or the implicit one). */
function startOfPath(path: PathToken, scope: BindingScope): { range: RangeVariable; index: number } {
  const first = path.segments[0]!.name;
  const lower = first.toLowerCase();
  if (lower === '$it' || lower === '$this') return { range: scope.implicit, index: 1 };
  const variable = scope.variables.get(lower);
  if (variable) return { range: variable, index: 1 };
  return { range: scope.implicit, index: 0 };
}

/** Follows single-valued navigations; stops at the first segment that is not one. */
function walkNavigations(path: PathToken, scope: BindingScope): ResolvedPath {
  const { range, index } = startOfPath(path, scope);
  const navPath: NavigationDef[] = [];
  let type = range.type;
  let i = index;
  for (; i < path.segments.length; i++) {
    const nav = scope.model.navigation(type, path.segments[i]!.name);
    if (!nav || nav.collection) break;
    navPath.push(nav);
    type = scope.model.entityType(nav.target);
  }
  return { range, navPath, type, rest: i };
}

function notFound(name: string, type: EntityTypeDef, span: Span) {
  return semanticError(`Could not find a property named '${name}' on type '${type.name}'.`, span);
}

function bindShapeField(path: PathToken, shape: AggregatedShape): BoundExpr {
  const wanted = path.segments.map((s) => s.name.toLowerCase()).join('/');
  const field = shape.fields.find((f) => [...f.path, f.name].join('/').toLowerCase() === wanted);
  if (!field) {
    const available = shape.fields.map((f) => [...f.path, f.name].join('/')).join(', ');
    throw semanticError(`Could not find a property named '${pathText(path)}' on the aggregated result; it has: ${available}.`, path.span);
  }
  return { kind: 'field', field, type: field.type };
}

function bindPathValue(path: PathToken, scope: BindingScope): BoundExpr {
  if (scope.shape) return bindShapeField(path, scope.shape);
  if (path.segments.length === 1) {
    const alias = scope.computed.get(path.segments[0]!.name.toLowerCase());
    if (alias && !scope.model.property(scope.implicit.type, alias.alias)) {
      return { kind: 'computed', alias: alias.alias, expr: alias.expr, type: typeOf(alias.expr) };
    }
  }
  const resolved = walkNavigations(path, scope);
  const { range, navPath, type, rest } = resolved;
  if (rest === path.segments.length) return { kind: 'entityRef', range, navPath, type };
  const segment = path.segments[rest]!;
  const property = scope.model.property(type, segment.name);
  if (property) {
    if (rest !== path.segments.length - 1) {
      throw semanticError(`The property '${property.name}' of type '${property.type}' has no member '${path.segments[rest + 1]!.name}'.`, path.segments[rest + 1]!.span);
    }
    return { kind: 'property', range, navPath, property, type: property.type };
  }
  const nav = scope.model.navigation(type, segment.name);
  if (nav?.collection) {
    throw semanticError(
      `The navigation property '${nav.name}' is a collection; use it with any(), all() or $count, not as a single value.`,
      segment.span,
    );
  }
  throw notFound(segment.name, type, segment.span);
}

export function bindCollectionPath(path: PathToken, scope: BindingScope): CollectionSource {
  if (scope.shape) throw semanticError(`'${pathText(path)}' is not available after aggregation: aggregated rows have no navigation properties.`, path.span);
  const { range, navPath, type, rest } = walkNavigations(path, scope);
  const segment = path.segments[rest];
  if (!segment) throw semanticError(`The path '${pathText(path)}' does not end in a collection navigation property.`, path.span);
  const nav = scope.model.navigation(type, segment.name);
  if (!nav) {
    if (scope.model.property(type, segment.name)) {
      throw semanticError(`'${segment.name}' is not a collection-valued navigation property of type '${type.name}'.`, segment.span);
    }
    throw notFound(segment.name, type, segment.span);
  }
  if (rest !== path.segments.length - 1) {
    throw semanticError(`The navigation property '${nav.name}' is a collection and cannot be followed by '${path.segments[rest + 1]!.name}'.`, path.segments[rest + 1]!.span);
  }
  return { range, navPath, collection: nav, target: scope.model.entityType(nav.target) };
}

export function pathText(path: PathToken): string {
  return path.segments.map((s) => s.name).join('/');
}

// ---------------------------------------------------------------------------------------------
// Functions, cast and isof

function bindCall(token: CallToken, scope: BindingScope): BoundExpr {
  const name = token.name.toLowerCase();
  if (name === 'cast') return bindCast(token, scope);
  if (name === 'isof') return bindIsOf(token, scope);
  if (!isBuiltInFunction(name)) {
    throw semanticError(
      `An unknown function with name '${token.name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
      token.nameSpan,
    );
  }
  const args = token.args.map((a) => bindPrimitive(a, scope));
  const types = args.map(typeOf);
  const signatures = functionSignatures[name];
  const match = signatures.find((s) => s.params.length === args.length && s.params.every((p, i) => implicitlyConvertible(types[i]!, p)));
  if (!match) {
    const considered = signatures.map((s) => `${name}(${s.params.map((p) => `${p} Nullable=true`).join(', ')})`).join('; ');
    throw semanticError(
      `No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${considered}.`,
      token.span,
    );
  }
  if (name === 'now') return { kind: 'constant', type: 'Edm.DateTimeOffset', value: scope.now };
  return { kind: 'call', fn: name, args: args.map((a, i) => convertTo(a, match.params[i]!)), type: match.returns };
}

function typeArgument(token: CallToken): { name: EdmPrimitive; operand: ExprToken | undefined } {
  const last = token.args[token.args.length - 1];
  if (token.args.length < 1 || token.args.length > 2 || last?.kind !== 'typeName') {
    throw semanticError(`The '${token.name}' function takes an optional expression and a type name, e.g. ${token.name}(Prop, Edm.Int64).`, token.span);
  }
  if (!castTargets.has(last.name)) {
    throw semanticError(`The type '${last.name}' is not a primitive type supported by ${token.name.toLowerCase()}; entity and complex type casts are not supported.`, last.span);
  }
  return { name: last.name as EdmPrimitive, operand: token.args.length === 2 ? token.args[0] : undefined };
}

function bindCast(token: CallToken, scope: BindingScope): BoundExpr {
  const { name, operand } = typeArgument(token);
  if (!operand) throw semanticError(`Casting the entity itself to '${name}' is not supported; cast a property: cast(Prop, ${name}).`, token.span);
  const bound = bindExpression(operand, scope);
  if (bound.kind === 'entityRef') throw semanticError('Only primitive values can be cast.', operand.span);
  const from = typeOf(bound);
  if (from === name) return bound;
  if (bound.kind === 'constant' && (from === null || canFold(from, name))) return convertConstant(bound.value, from, name);
  // A cast that fails is null (OData 4.0 part 2, 5.1.1.10.1); one between types with no conversion
  // always fails (ASP.NET's Expression.Convert has none either), so it is null without asking the engine.
  if (from !== null && !convertible(from, name)) return { kind: 'constant', type: name, value: null };
  return { kind: 'cast', operand: bound, type: name, lenient: true };
}

/** Casts with a conversion: between numbers, to and from text, and between the date and time types. */
function convertible(from: EdmPrimitive, to: EdmPrimitive): boolean {
  if (from === 'Edm.String' || to === 'Edm.String') return true;
  if (isNumeric(from) && isNumeric(to)) return true;
  if (from === 'Edm.DateTimeOffset') return to === 'Edm.Date' || to === 'Edm.TimeOfDay';
  return from === 'Edm.Date' && to === 'Edm.DateTimeOffset';
}

function canFold(from: EdmPrimitive, to: EdmPrimitive): boolean {
  return (isNumeric(from) && isNumeric(to)) || (from === 'Edm.Date' && to === 'Edm.DateTimeOffset');
}

function bindIsOf(token: CallToken, scope: BindingScope): BoundExpr {
  const { name, operand } = typeArgument(token);
  if (!operand) return { kind: 'constant', type: 'Edm.Boolean', value: false };
  const bound = bindExpression(operand, scope);
  return { kind: 'constant', type: 'Edm.Boolean', value: typeOf(bound) === name };
}

