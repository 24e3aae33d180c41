// Binds `$apply` (OData Data Aggregation) transformation by transformation, as odata.net's
// ApplyBinder does: each step sees only what the steps before it produced. Filters, computes and
// expands on entities fold into the entity stage; aggregation starts a new row shape.
import type { EdmPrimitive } from '../../model/types.js';
import { ODataError, semanticError, type Span } from '../errors.js';
import type { AggregateItemToken, ApplyExpandToken, ApplyStepToken, PathToken } from '../parse/syntax.js';
import { bindCollectionPath, bindExpression, bindPrimitive, pathText, requireBoolean, type BindingScope } from './expression-binder.js';
import { bindCompute, bindOrderBy, withComputed } from './select-expand-binder.js';
import {
  assertNever,
  typeOf,
  type AggregatedShape,
  type ApplyClause,
  type BoundAggregate,
  type BoundApplyStep,
  type BoundExpr,
  type ComputedItem,
  type ShapeField,
} from './semantic.js';
import { isIntegral, isNumeric } from './type-rules.js';

/** Names SQL columns of aggregated stages uniquely within one query. */
class ColumnNames {
  private next = 0;
  create(): string {
    return `f${this.next++}`;
  }
}

interface ApplyState {
  scope: BindingScope;
  entityFilters: BoundExpr[];
  entityCompute: ComputedItem[];
  steps: BoundApplyStep[];
  shape: AggregatedShape | undefined;
  readonly columns: ColumnNames;
}

export interface BoundApplyResult {
  readonly clause: ApplyClause;
  /** The scope later query options ($filter, $orderby, $select, $compute) bind in. */
  readonly scope: BindingScope;
}

export function bindApply(steps: readonly ApplyStepToken[], scope: BindingScope): BoundApplyResult {
  const state: ApplyState = { scope, entityFilters: [], entityCompute: [], steps: [], shape: undefined, columns: new ColumnNames() };
  for (const step of steps) bindStep(step, state);
  return {
    clause: { entityFilters: state.entityFilters, entityCompute: state.entityCompute, steps: state.steps, shape: state.shape },
    scope: state.scope,
  };
}

/** The scope of an aggregated stage: names resolve to the shape's fields only. */
export function shapeScope(scope: BindingScope, shape: AggregatedShape): BindingScope {
  return { ...scope, variables: new Map(), computed: new Map(), shape };
}

function bindStep(step: ApplyStepToken, state: ApplyState): void {
  switch (step.kind) {
    case 'filter': {
      const predicate = bindExpression(step.expr, state.scope);
      requireBoolean(predicate, step.expr.span, 'The expression of filter() must evaluate to a single boolean value.');
      if (state.shape) state.steps.push({ kind: 'filter', predicate });
      else state.entityFilters.push(predicate);
      return;
    }
    case 'compute':
      if (!state.shape) {
        const taken = new Set(state.entityCompute.map((c) => c.alias.toLowerCase()));
        const items = bindCompute(step.items, state.scope);
        for (const [i, item] of items.entries()) {
          if (taken.has(item.alias.toLowerCase())) throw semanticError(`The alias '${item.alias}' is already defined.`, step.items[i]!.alias.span);
        }
        state.entityCompute.push(...items);
        state.scope = withComputed(state.scope, items);
        return;
      }
      bindShapeCompute(step.items.map((i) => ({ expr: i.expr, alias: i.alias.name, span: i.alias.span })), state);
      return;
    case 'expand':
      if (state.shape) throw semanticError('expand() must come before groupby() or aggregate(): aggregated rows have no navigation properties.', step.span);
      state.entityFilters.push(bindApplyExpand(step.expand, state.scope, []));
      return;
    case 'groupby':
      bindGroupBy(step.properties, step.then, state, []);
      return;
    case 'aggregate':
      finishAggregation([], step.items, state);
      return;
    case 'orderby':
      materialize(state);
      state.steps.push({ kind: 'orderby', items: bindOrderBy(step.items, state.scope) });
      return;
    case 'top':
    case 'skip':
      materialize(state);
      state.steps.push({ kind: step.kind, count: step.count });
      return;
    case 'topcount':
    case 'bottomcount':
    case 'topsum':
    case 'bottomsum':
    case 'toppercent':
    case 'bottompercent': {
      materialize(state);
      const n = bindExpression(step.n, state.scope);
      const percent = step.kind.endsWith('percent');
      if (n.kind !== 'constant' || !isNumeric(n.type) || (typeof n.value !== 'number' && typeof n.value !== 'bigint' && typeof n.value !== 'string')) {
        throw semanticError(`The first argument of ${step.kind}() must be a number literal.`, step.n.span);
      }
      const count = Number(n.value);
      if (count < 0 || (percent && count > 100) || (step.kind.endsWith('count') && !Number.isInteger(count))) {
        throw semanticError(`The first argument of ${step.kind}() is out of range: ${count}.`, step.n.span);
      }
      const expr = bindExpression(step.value, state.scope);
      if (!isNumeric(typeOf(expr))) throw semanticError(`The second argument of ${step.kind}() must be a numeric expression.`, step.value.span);
      state.steps.push({ kind: step.kind, n: count, expr });
      return;
    }
    case 'identity':
      return;
    case 'concat':
      bindConcat(step.branches, state);
      return;
    case 'search':
      throw semanticError('search() in $apply is not supported: the Monitor schema defines no searchable text. Use filter() with contains().', step.span);
    default:
      assertNever(step);
  }
}

/** Each branch continues from the steps so far; the result holds every branch's rows, fields united by name. */
function bindConcat(branches: readonly (readonly ApplyStepToken[])[], state: ApplyState): void {
  const bound = branches.map((sequence) => {
    const branch: ApplyState = { ...state, entityFilters: [...state.entityFilters], entityCompute: [...state.entityCompute], steps: [...state.steps] };
    for (const step of sequence) bindStep(step, branch);
    materialize(branch);
    return { entityFilters: branch.entityFilters, steps: branch.steps, shape: branch.shape! };
  });
  const byName = new Map<string, ShapeField>();
  const columnMap = new Map<string, ShapeField>();
  for (const branch of bound) {
    for (const f of branch.shape.fields) {
      const name = [...f.path, f.name].join('/').toLowerCase();
      let out = byName.get(name);
      if (!out) byName.set(name, (out = shapeField(state, f.name, f.path, f.type, f.role)));
      columnMap.set(f.column, out);
    }
  }
  const branchField = shapeField(state, '$branch', [], 'Edm.Int32', 'hidden');
  const keys = [...new Set(bound.flatMap((b) => b.shape.keys.map((k) => columnMap.get(k.column)!))), branchField];
  const output: AggregatedShape = { fields: [...byName.values(), branchField], keys };
  state.entityFilters = [];
  state.entityCompute = [];
  state.steps = [{ kind: 'concat', branches: bound, output, columnMap, branchField }];
  state.shape = output;
  state.scope = shapeScope(state.scope, output);
}

function shapeField(state: ApplyState, name: string, path: readonly string[], type: EdmPrimitive | null, role: ShapeField['role']): ShapeField {
  return { name, path, type, column: state.columns.create(), role };
}

function checkNewName(shape: AggregatedShape | undefined, fields: readonly ShapeField[], name: string, span: Span): void {
  const taken = (f: ShapeField) => f.path.length === 0 && f.name.toLowerCase() === name.toLowerCase();
  if (fields.some(taken) || shape?.fields.some(taken)) throw semanticError(`The alias '${name}' is already used in this transformation's result.`, span);
}

function bindShapeCompute(items: readonly { expr: Parameters<typeof bindExpression>[0]; alias: string; span: Span }[], state: ApplyState): void {
  const shape = state.shape!;
  const added: { expr: BoundExpr; field: ShapeField }[] = [];
  for (const item of items) {
    checkNewName(shape, added.map((a) => a.field), item.alias, item.span);
    const expr = bindPrimitive(item.expr, state.scope);
    added.push({ expr, field: shapeField(state, item.alias, [], typeOf(expr), 'computed') });
  }
  const output: AggregatedShape = { fields: [...shape.fields, ...added.map((a) => a.field)], keys: shape.keys };
  state.steps.push({ kind: 'compute', items: added, output });
  state.shape = output;
  state.scope = shapeScope(state.scope, output);
}

/** orderby/top/skip/topcount on entities: the entity rows become a shape of their properties first. */
function materialize(state: ApplyState): void {
  if (state.shape) return;
  const range = state.scope.implicit;
  const keys = range.type.properties.map((property) => ({
    expr: { kind: 'property', range, navPath: [], property, type: property.type } as BoundExpr,
    field: shapeField(state, property.name, [], property.type, 'group'),
  }));
  for (const c of state.entityCompute) keys.push({ expr: c.expr, field: shapeField(state, c.alias, [], typeOf(c.expr), 'computed') });
  const keyFields = keys.filter((k) => range.type.key.includes(k.field.name) && k.field.role === 'group').map((k) => k.field);
  const output: AggregatedShape = { fields: keys.map((k) => k.field), keys: keyFields };
  state.steps.push({ kind: 'aggregate', grouped: false, keys, aggregates: [], output });
  state.shape = output;
  state.scope = shapeScope(state.scope, output);
}

/** `expand(Nav, filter(...), expand(...))`: keep rows whose related entity exists and passes the filter. */
function bindApplyExpand(token: ApplyExpandToken, scope: BindingScope, prefix: readonly PathToken['segments'][number][]): BoundExpr {
  const segments = [...prefix, ...token.path.segments];
  const path: PathToken = { kind: 'path', segments, span: token.path.span };
  const target = bindExpression(path, scope);
  const and = (l: BoundExpr, r: BoundExpr): BoundExpr => ({ kind: 'binary', operator: 'and', left: l, right: r, type: 'Edm.Boolean' });
  if (target.kind === 'entityRef') {
    let predicate: BoundExpr = { kind: 'binary', operator: 'ne', left: target, right: { kind: 'constant', type: null, value: null }, type: 'Edm.Boolean' };
    if (token.filter) {
      const inner: BindingScope = { ...scope, implicit: scope.ranges.create('$it', target.type), variables: new Map(), computed: new Map() };
      // Bind the nested filter relative to the navigation, then re-root its paths at $it.
      const filter = bindExpression(token.filter, inner);
      requireBoolean(filter, token.filter.span, 'The filter of expand() must evaluate to a single boolean value.');
      predicate = and(predicate, reroot(filter, inner.implicit.id, target.range, target.navPath));
    }
    for (const nested of token.nested) predicate = and(predicate, bindApplyExpand(nested, scope, segments));
    return predicate;
  }
  const source = bindCollectionPath(path, scope);
  const variable = scope.ranges.create('$it', source.target);
  let predicate: BoundExpr | undefined;
  if (token.filter) {
    const inner: BindingScope = { ...scope, implicit: variable, variables: new Map(), computed: new Map() };
    predicate = bindExpression(token.filter, inner);
    requireBoolean(predicate, token.filter.span, 'The filter of expand() must evaluate to a single boolean value.');
  }
  if (token.nested.length > 0) throw semanticError(`Nested expand() under the collection '${source.collection.name}' is not supported.`, token.span);
  return { kind: 'lambda', operator: 'any', source, variable, predicate, type: 'Edm.Boolean' };
}

/** Moves property paths bound against a navigation target onto the outer row: `Name` under `DesktopGroup` becomes `DesktopGroup/Name`. */
function reroot(expr: BoundExpr, innerRange: number, range: Extract<BoundExpr, { kind: 'entityRef' }>['range'], navPath: Extract<BoundExpr, { kind: 'entityRef' }>['navPath']): BoundExpr {
  const again = (e: BoundExpr) => reroot(e, innerRange, range, navPath);
  switch (expr.kind) {
    case 'property':
    case 'entityRef':
      return expr.range.id === innerRange ? { ...expr, range, navPath: [...navPath, ...expr.navPath] } : expr;
    case 'binary':
      return { ...expr, left: again(expr.left), right: again(expr.right) };
    case 'not':
    case 'negate':
    case 'cast':
      return { ...expr, operand: again(expr.operand) } as BoundExpr;
    case 'in':
      return { ...expr, operand: again(expr.operand), list: expr.list.map(again) };
    case 'call':
      return { ...expr, args: expr.args.map(again) };
    case 'computed':
      return { ...expr, expr: again(expr.expr) };
    case 'lambda':
      return { ...expr, source: rerootSource(expr.source), predicate: expr.predicate && again(expr.predicate) };
    case 'count':
      return { ...expr, source: rerootSource(expr.source) };
    case 'constant':
    case 'field':
      return expr;
    default:
      return assertNever(expr);
  }
  function rerootSource<T extends { range: typeof range; navPath: typeof navPath }>(source: T): T {
    return source.range.id === innerRange ? { ...source, range, navPath: [...navPath, ...source.navPath] } : source;
  }
}

function bindGroupBy(properties: readonly PathToken[], then: readonly ApplyStepToken[], state: ApplyState, outerKeys: readonly { expr: BoundExpr; field: ShapeField }[]): void {
  const keys = [...outerKeys];
  for (const path of properties) {
    const expr = bindExpression(path, state.scope);
    if (expr.kind === 'entityRef') {
      throw semanticError(`Grouping by the navigation property '${pathText(path)}' needs a property path, e.g. ${pathText(path)}/Name.`, path.span);
    }
    const { name, navPath } = fieldNaming(expr, path);
    if (keys.some((k) => k.field.name === name && k.field.path.join('/') === navPath.join('/'))) continue;
    keys.push({ expr, field: shapeField(state, name, navPath, typeOf(expr), 'group') });
  }
  if (then.length === 0) {
    finishAggregation(keys, [], state);
    return;
  }
  for (const [i, child] of then.entries()) {
    const last = i === then.length - 1;
    switch (child.kind) {
      case 'aggregate':
        if (!last) throw semanticError('Inside groupby(), aggregate() must be the last transformation.', child.span);
        finishAggregation(keys, child.items, state);
        return;
      case 'groupby':
        if (!last) throw semanticError('Inside groupby(), a nested groupby() must be the last transformation.', child.span);
        bindGroupBy(child.properties, child.then, state, keys);
        return;
      case 'filter':
      case 'compute':
      case 'expand':
        // Applied to the rows of every group before they are aggregated: the same as before grouping.
        bindStep(child, state);
        if (last) finishAggregation(keys, [], state);
        break;
      default:
        throw new ODataError('notImplemented', `${child.kind}() inside groupby() is not supported; only filter, compute, expand, groupby and aggregate are.`, { span: child.span });
    }
  }
}

/** The response name of a group key: the property, nested under the navigations that lead to it. */
function fieldNaming(expr: BoundExpr, path: PathToken): { name: string; navPath: string[] } {
  if (expr.kind === 'property') return { name: expr.property.name, navPath: expr.navPath.map((n) => n.name) };
  if (expr.kind === 'field') return { name: expr.field.name, navPath: [...expr.field.path] };
  if (expr.kind === 'computed') return { name: expr.alias, navPath: [] };
  return { name: pathText(path), navPath: [] };
}

const methodNames: Record<string, string> = { sum: 'Sum', average: 'Average', min: 'Min', max: 'Max', countdistinct: 'CountDistinct' };

function aggregateType(method: BoundAggregate['method'], type: EdmPrimitive | null, what: string, span: Span): EdmPrimitive {
  const castHint = `cast it to a larger integer type first, e.g. cast(${what}, Edm.Int64)`;
  switch (method) {
    case 'count':
    case 'countdistinct':
      return 'Edm.Int64';
    case 'sum':
    case 'average':
      if (type === 'Edm.Int16' || type === 'Edm.Byte') {
        throw semanticError(`Aggregation '${methodNames[method]}' is not supported for '${what}' of type '${type}'; ${castHint}.`, span);
      }
      if (!isNumeric(type)) throw semanticError(`Aggregation '${methodNames[method]}' needs a numeric expression; '${what}' is of type '${type ?? 'null'}'.`, span);
      if (method === 'average') return type === 'Edm.Decimal' ? 'Edm.Decimal' : 'Edm.Double';
      return isIntegral(type) ? 'Edm.Int64' : type;
    case 'min':
    case 'max':
      if (type === null || type === 'Edm.Boolean') throw semanticError(`Aggregation '${methodNames[method]}' is not supported for '${what}' of type '${type ?? 'null'}'.`, span);
      return type;
    default:
      return assertNever(method);
  }
}

function finishAggregation(keys: readonly { expr: BoundExpr; field: ShapeField }[], items: readonly AggregateItemToken[], state: ApplyState): void {
  const aggregates: BoundAggregate[] = [];
  const names: ShapeField[] = [...keys.map((k) => k.field)];
  for (const item of items) {
    checkNewName(undefined, names, item.alias.name, item.alias.span);
    if (item.kind === 'count') {
      const field = shapeField(state, item.alias.name, [], 'Edm.Int64', 'aggregate');
      aggregates.push({ method: 'count', expr: undefined, field });
      names.push(field);
      continue;
    }
    const method = item.method;
    if (method !== 'sum' && method !== 'min' && method !== 'max' && method !== 'average' && method !== 'countdistinct') {
      throw new ODataError('notImplemented', `The custom aggregation method '${method}' is not supported; use sum, min, max, average or countdistinct.`, { span: item.span });
    }
    const expr = bindExpression(item.expr, state.scope);
    if (expr.kind === 'entityRef' || expr.kind === 'lambda') throw semanticError('Only primitive values can be aggregated.', item.expr.span);
    const what = item.expr.kind === 'path' ? pathText(item.expr) : 'the expression';
    const field = shapeField(state, item.alias.name, [], aggregateType(method, typeOf(expr), what, item.expr.span), 'aggregate');
    aggregates.push({ method, expr, field });
    names.push(field);
  }
  const output: AggregatedShape = { fields: names, keys: keys.map((k) => k.field) };
  state.steps.push({ kind: 'aggregate', grouped: true, keys, aggregates, output });
  state.shape = output;
  state.scope = shapeScope(state.scope, output);
}
