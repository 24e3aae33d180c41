// Binds $select, $expand (nested to any depth) and $compute of one level into a Projection.
import type { EntityTypeDef, PropertyDef } from '../../model/types.js';
import { semanticError, ODataError } from '../errors.js';
import type { ComputeItemToken, ExpandItemToken, NestedOptionsToken, OrderByItemToken, SelectItemToken } from '../parse/syntax.js';
import { bindExpression, bindPrimitive, pathText, requireBoolean, type BindingScope } from './expression-binder.js';
import type { BoundExpand, BoundExpr, BoundOrderItem, ComputedItem, Projection, RangeVariable } from './semantic.js';

export function bindCompute(items: readonly ComputeItemToken[], scope: BindingScope): ComputedItem[] {
  const bound: ComputedItem[] = [];
  for (const item of items) {
    const alias = item.alias.name;
    if (scope.model.property(scope.implicit.type, alias) || scope.model.navigation(scope.implicit.type, alias)) {
      throw semanticError(`The alias '${alias}' of $compute is already a property of type '${scope.implicit.type.name}'.`, item.alias.span);
    }
    if (bound.some((b) => b.alias.toLowerCase() === alias.toLowerCase())) {
      throw semanticError(`The alias '${alias}' is defined more than once in $compute.`, item.alias.span);
    }
    bound.push({ alias, expr: bindPrimitive(item.expr, scope) });
  }
  return bound;
}

export function withComputed(scope: BindingScope, computed: readonly ComputedItem[]): BindingScope {
  if (computed.length === 0) return scope;
  const map = new Map(scope.computed);
  for (const c of computed) map.set(c.alias.toLowerCase(), c);
  return { ...scope, computed: map };
}

function isConstant(expr: BoundExpr): boolean {
  return expr.kind === 'constant' || (expr.kind === 'computed' && isConstant(expr.expr));
}

export function bindOrderBy(items: readonly OrderByItemToken[], scope: BindingScope): BoundOrderItem[] {
  return items.flatMap((item) => {
    const expr = bindExpression(item.expr, scope);
    if (expr.kind === 'entityRef' || expr.kind === 'lambda') {
      throw semanticError('The $orderby expression must evaluate to a single primitive value.', item.expr.span);
    }
    // Ordering by a constant (`$orderby=1`, `null`, a cast that always fails, an alias of one)
    // orders nothing; SQL would read an integer there as a column position and refuses a NULL.
    if (isConstant(expr)) return [];
    return [{ expr, descending: item.direction === 'desc' }];
  });
}

/** Binds `$select`/`$expand` of one level; `computed` are this level's `$compute` items. */
export function bindProjection(
  select: readonly SelectItemToken[] | undefined,
  expand: readonly ExpandItemToken[] | undefined,
  computed: readonly ComputedItem[],
  scope: BindingScope,
): Projection {
  const type = scope.implicit.type;
  const expands = (expand ?? []).flatMap((item) => bindExpandItem(item, scope));
  if (!select || select.length === 0) {
    return {
      properties: type.properties,
      computed: [],
      expands,
      contextSelect: expands.length > 0 ? [] : undefined,
    };
  }
  const chosen = new Set<PropertyDef>();
  const chosenComputed: ComputedItem[] = [];
  const contextSelect: string[] = [];
  let star = false;
  for (const item of select) {
    if (item.kind === 'star') {
      star = true;
      if (!contextSelect.includes('*')) contextSelect.push('*');
      continue;
    }
    if (item.path.segments.length !== 1) {
      throw semanticError(`Selecting '${pathText(item.path)}' needs the navigation to be expanded; use $expand=${item.path.segments[0]!.name}($select=...).`, item.span);
    }
    const name = item.path.segments[0]!.name;
    const property = scope.model.property(type, name);
    if (property) {
      chosen.add(property);
      contextSelect.push(property.name);
      continue;
    }
    const alias = computed.find((c) => c.alias.toLowerCase() === name.toLowerCase());
    if (alias) {
      chosenComputed.push(alias);
      contextSelect.push(alias.alias);
      continue;
    }
    const navigation = scope.model.navigation(type, name);
    if (navigation) {
      contextSelect.push(navigation.name);
      continue;
    }
    throw semanticError(`Could not find a property named '${name}' on type '${type.name}'.`, item.path.segments[0]!.span);
  }
  return {
    properties: star ? type.properties : type.properties.filter((p) => chosen.has(p)),
    computed: chosenComputed,
    expands,
    contextSelect,
  };
}

function bindExpandItem(item: ExpandItemToken, scope: BindingScope): BoundExpand[] {
  const type = scope.implicit.type;
  const segments = item.path.segments;
  if (segments.length === 1 && segments[0]!.name === '*') {
    return type.navigations.map((navigation) =>
      bindExpandOf(navigation.name, {}, scope, item),
    );
  }
  if (segments.length !== 1) {
    const last = segments[segments.length - 1]!.name;
    if (last === '$ref' || last === '$count') {
      throw new ODataError('notImplemented', `'${pathText(item.path)}' in $expand is not supported; expand the navigation property itself.`, { span: item.span });
    }
    throw semanticError(`Expanding a path '${pathText(item.path)}' is not supported; nest the expansion: $expand=${segments[0]!.name}($expand=${segments.slice(1).map((s) => s.name).join('/')}).`, item.span);
  }
  return [bindExpandOf(segments[0]!.name, item.options, scope, item)];
}

function bindExpandOf(name: string, options: NestedOptionsToken, scope: BindingScope, item: ExpandItemToken): BoundExpand {
  const type: EntityTypeDef = scope.implicit.type;
  const navigation = scope.model.navigation(type, name);
  if (!navigation) {
    if (scope.model.property(type, name)) {
      throw semanticError(`Property '${name}' on type '${type.name}' is not a navigation property or complex property. Only navigation properties can be expanded.`, item.path.span);
    }
    throw semanticError(`Could not find a property named '${name}' on type '${type.name}'.`, item.path.span);
  }
  const target = scope.model.entityType(navigation.target);
  const range: RangeVariable = scope.ranges.create('$it', target);
  const inner: BindingScope = { ...scope, implicit: range, variables: new Map(), computed: new Map() };
  if (options.levels) {
    throw new ODataError('notImplemented', '$levels is not supported: the Monitor schema has no recursive navigation properties.', { span: options.levels.span });
  }
  const computed = options.compute ? bindCompute(options.compute.value, inner) : [];
  const scoped = withComputed(inner, computed);
  let filter;
  if (options.filter) {
    filter = bindExpression(options.filter.value, scoped);
    requireBoolean(filter, options.filter.span, 'The $filter expression must evaluate to a single boolean value.');
  }
  if (!navigation.collection && (options.top || options.skip || options.orderby || options.count)) {
    const span = (options.top ?? options.skip ?? options.orderby ?? options.count)!.span;
    throw semanticError(`Query options $orderby, $count, $skip, and $top can be applied only on collections; '${navigation.name}' is a single entity.`, span);
  }
  return {
    navigation,
    target,
    filter,
    orderby: options.orderby ? bindOrderBy(options.orderby.value, scoped) : [],
    top: options.top?.value,
    skip: options.skip?.value,
    count: options.count?.value ?? false,
    projection: bindProjection(options.select?.value, options.expand?.value, computed, scoped),
    range,
  };
}
