// Lowers a BoundQuery to a plan: one statement for the requested rows (with joins for paths and
// single-valued expands) plus one batched statement per collection-valued expand per page.
import type { Model } from '../model/model.js';
import type { EdmPrimitive, EntityTypeDef, NavigationDef } from '../model/types.js';
import type { BoundExpand, BoundOrderItem, BoundQuery, PathStep, Projection, RangeVariable } from '../odata/bind/semantic.js';
import { typeOf } from '../odata/bind/semantic.js';
import type { CompiledQuery, RowValue } from '../store/store.js';
import type { KeysetItem, PageToken } from './keyset.js';
import { pagePlan } from './page-plan.js';
import { AliasAllocator, joinCondition, lowerExpression, RowScope, type LoweringContext } from './lower-expression.js';
import type { QueryCompiler } from './query-compiler.js';
import { rowValueParam } from './row-values.js';
import { and, binary, column, or, select, TRUE, type SqlExpr } from './sql-nodes.js';
import { columns, orderNode, type Columns } from './select-list.js';
import { lowerAggregatedQuery } from './lower-apply.js';

/** Where each response field comes from in a result row. */
export type FieldLayout =
  | { readonly kind: 'value'; readonly name: string; readonly column: number; readonly type: EdmPrimitive | null }
  /** A single-valued expand: null when the `presence` column is null; aggregated groups have none and are always there. */
  | { readonly kind: 'entity'; readonly name: string; readonly presence: number | undefined; readonly entity: EntityLayout }
  /** A collection-valued expand, fetched by its own batched statement. */
  | { readonly kind: 'collection'; readonly name: string; readonly plan: ExpandPlan; readonly parentColumns: readonly number[] };

/** The fields of one entity in a row, with its type and key for `odata.metadata=full`. */
export interface EntityLayout {
  readonly typeName: string;
  /** The entity set holding entities of this type (for `@odata.id`); none for types no set exposes. */
  readonly setName: string | undefined;
  readonly keys: readonly { readonly name: string; readonly column: number; readonly type: EdmPrimitive }[];
  readonly fields: readonly FieldLayout[];
  /** Rows made by aggregation: written with `"@odata.id": null`, as ASP.NET writes dynamic results. */
  readonly transient?: boolean;
}

export interface ExpandPlan {
  /** The statement for the children of a page of parents, given each parent's join values. */
  query(parentValues: readonly (readonly RowValue[])[]): CompiledQuery;
  /** Columns of a child row holding its parent's join values. */
  readonly parentColumns: readonly number[];
  readonly entity: EntityLayout;
  /** Column with the per-parent total when `$count=true` was nested. */
  readonly countColumn: number | undefined;
}

export interface QueryPlan {
  readonly query: CompiledQuery;
  readonly entity: EntityLayout;
  /** Columns with the ordering values, for the next page's token. */
  readonly orderColumns: readonly number[];
  readonly countColumn: number | undefined;
  /** Rows this page may return; the statement asks for one more to learn whether a next page exists. */
  readonly pageRows: number;
  /** `$top` still to be honoured after this page (undefined: no `$top`). */
  readonly remainingTop: number | undefined;
  readonly returnedBefore: number;
  readonly countFromToken: number | undefined;
  /** Counts the rows on its own, for `/$count` and for an empty page that carries no count column. */
  readonly countQuery: CompiledQuery;
  /** When `query` looks only where the page probably ends: the same page with wider bounds, then none, for when it came back short. */
  readonly widerQueries: readonly CompiledQuery[];
  /** The stride the request's token carried, kept when a page does not move the leading value. */
  readonly strideBefore: bigint | undefined;
  /** The leading ordering value the page starts after (from the token). */
  readonly leadBefore: RowValue | undefined;
  /**
   * Several pages read in one statement, for the result cache: the whole ordered result of an
   * aggregation (first page only), or the next pages of a keyset walk. Absent for single entities.
   */
  readonly block: BlockQuery | undefined;
  /** The block of a walk that follows the rows after `after` (the last ordering values of a block), `stride` the lead's advance per page. */
  readonly blockAfter: ((after: readonly RowValue[], stride: bigint | undefined) => BlockQuery) | undefined;
  /** The cached block and position the request's token names. */
  readonly cached: PageToken['block'];
  readonly skip: number;
}

export interface BlockQuery {
  readonly query: CompiledQuery;
  /** The same block with wider probable-end bounds, then none, for when the bounded read came back short. */
  readonly wider: readonly CompiledQuery[];
  /** Rows the block holds at most; the statement asks for one more. */
  readonly rows: number;
  /** The whole result (skip applies inside it), rather than rows after the token's keyset. */
  readonly whole: boolean;
}

export interface PagingRequest {
  readonly pageSize: number;
  /**
   * At most how many rows of an aggregated result the first page computes for the walk to page
   * through (the result cache keeps no larger block); pages past them are read by keyset.
   * Default: unbounded.
   */
  readonly wholeResultRows?: number;
  /** The `$skiptoken` text of a next link, decoded here because its shape depends on the ordering. */
  readonly skiptoken: string | undefined;
}

/** Rows addressed by the resource path: the last step's table, with earlier steps as EXISTS filters. */
export function lowerPath(steps: readonly PathStep[], scope: RowScope, range: RangeVariable): { table: string; alias: string; where: SqlExpr | undefined } {
  let table = '';
  let alias = '';
  let where: SqlExpr | undefined;
  for (const step of steps) {
    switch (step.kind) {
      case 'set':
        table = scope.table(step.type);
        alias = scope.context.aliases.create();
        where = scope.tenant(alias);
        break;
      case 'key':
        where = and(where, ...step.values.map((v) => binary('=', column(alias, v.property.name), lowerExpression(v.value, scope))));
        break;
      case 'navigate': {
        const childAlias = scope.context.aliases.create();
        const parent = select({ columns: [{ expr: TRUE, alias: 'x' }], from: { kind: 'table', table, alias }, where: and(where, joinCondition(step.navigation, alias, childAlias)) });
        table = scope.table(step.target);
        alias = childAlias;
        where = and(scope.tenant(alias), { kind: 'exists', query: parent });
        break;
      }
    }
  }
  scope.bindRange(range, alias);
  return { table, alias, where };
}

/** The stable ordering: requested items, then the entity set's order columns not already there. */
function orderItems(query: { orderby: readonly BoundOrderItem[]; range: RangeVariable }, model: Model, type: EntityTypeDef): BoundOrderItem[] {
  const items = [...query.orderby];
  const setOrder = model.setOfType(type.name)?.order ?? type.key;
  for (const name of setOrder) {
    const property = model.property(type, name)!;
    const present = items.some((i) => i.expr.kind === 'property' && i.expr.navPath.length === 0 && i.expr.range === query.range && i.expr.property === property);
    if (!present) items.push({ expr: { kind: 'property', range: query.range, navPath: [], property, type: property.type }, descending: false });
  }
  return items;
}


/** Adds the fields of one level (properties, computed values, expands) to the select list. */
function addLevel(projection: Projection, range: RangeVariable, scope: RowScope, cols: Columns, compiler: () => QueryCompiler): EntityLayout {
  const alias = scope.aliasOf(range, []);
  const model = scope.context.model;
  const layout: FieldLayout[] = [];
  for (const property of projection.properties) {
    layout.push({ kind: 'value', name: property.name, column: cols.add(column(alias, property.name)), type: property.type });
  }
  for (const c of projection.computed) {
    layout.push({ kind: 'value', name: c.alias, column: cols.add(lowerExpression(c.expr, scope)), type: typeOf(c.expr) });
  }
  for (const expand of projection.expands) {
    if (!expand.navigation.collection) {
      const childAlias = scope.aliasOf(range, [expand.navigation]);
      scope.bindRange(expand.range, childAlias);
      const key = column(childAlias, expand.target.key[0]!);
      const presence = expand.filter
        ? cols.add({ kind: 'case', whens: [{ when: lowerExpression(expand.filter, scope), then: key }], otherwise: { kind: 'keyword', keyword: 'NULL' } })
        : cols.add(key);
      layout.push({ kind: 'entity', name: expand.navigation.name, presence, entity: addLevel(expand.projection, expand.range, scope, cols, compiler) });
    } else {
      const parentColumns = (expand.navigation.on ?? []).map((p) => cols.add(column(alias, p.local)));
      layout.push({ kind: 'collection', name: expand.navigation.name, plan: planExpand(expand, range.type, scope.context, compiler), parentColumns });
    }
  }
  return entityLayout(model, range.type, alias, layout, cols);
}

/** Key columns reuse selected ones; unselected keys are read too, for `@odata.id` in full metadata. */
function entityLayout(model: Model, type: EntityTypeDef, alias: string, fields: FieldLayout[], cols: Columns): EntityLayout {
  const keys = type.key.map((name) => {
    const property = model.property(type, name)!;
    const selected = fields.find((f) => f.kind === 'value' && f.name === property.name);
    const columnIndex = selected?.kind === 'value' ? selected.column : cols.add(column(alias, property.name));
    return { name: property.name, column: columnIndex, type: property.type };
  });
  return { typeName: type.name, setName: model.setOfType(type.name)?.name, keys, fields };
}

function planExpand(expand: BoundExpand, parentType: EntityTypeDef, outer: LoweringContext, compiler: () => QueryCompiler): ExpandPlan {
  const nav: NavigationDef = expand.navigation;
  const pairs = nav.on ?? [];
  const model = outer.model;
  const build = (parentValues: readonly (readonly RowValue[])[]) => {
    const context: LoweringContext = { model, customerId: outer.customerId, aliases: new AliasAllocator() };
    const scope = new RowScope(context, undefined);
    const alias = context.aliases.create();
    scope.bindRange(expand.range, alias);
    const cols = columns();
    const parentCols = pairs.map((p) => cols.add(column(alias, p.target)));
    const entity = addLevel(expand.projection, expand.range, scope, cols, compiler);
    const localTypes = pairs.map((p) => model.property(parentType, p.local)!.type);
    const matches: SqlExpr =
      pairs.length === 0 || parentValues.length === 0
        ? { kind: 'keyword', keyword: 'FALSE' }
        : pairs.length === 1
          ? { kind: 'in', operand: column(alias, pairs[0]!.target), list: parentValues.map((v) => rowValueParam(v[0]!, localTypes[0]!)) }
          : or(...parentValues.map((v) => and(...pairs.map((p, i) => binary('=', column(alias, p.target), rowValueParam(v[i]!, localTypes[i]!))))!));
    const filter = expand.filter ? lowerExpression(expand.filter, scope) : undefined;
    const order = orderItems({ orderby: expand.orderby, range: expand.range }, model, expand.target).map((o) => orderNode(lowerExpression(o.expr, scope), o.descending));
    const partition = parentCols.map((i) => cols.list[i]!.expr);
    const countColumn = expand.count ? cols.add({ kind: 'window', fn: 'count', partitionBy: partition, orderBy: [] }) : undefined;
    const where = and(scope.tenant(alias), matches, filter);
    const paged = expand.top !== undefined || (expand.skip ?? 0) > 0;
    let node;
    if (!paged) {
      node = select({ columns: cols.list, from: { kind: 'table', table: scope.table(expand.target), alias }, joins: scope.joins, where, orderBy: [...partition.map((e) => orderNode(e, false)), ...order] });
    } else {
      const rn = cols.add({ kind: 'window', fn: 'row_number', partitionBy: partition, orderBy: order });
      const inner = select({ columns: cols.list, from: { kind: 'table', table: scope.table(expand.target), alias }, joins: scope.joins, where });
      const skip = expand.skip ?? 0;
      const rnRef = column('p', cols.list[rn]!.alias);
      const window = and(
        binary('>', rnRef, { kind: 'param', value: skip, type: 'BIGINT' }),
        expand.top !== undefined ? binary('<=', rnRef, { kind: 'param', value: skip + expand.top, type: 'BIGINT' }) : undefined,
      );
      node = select({
        columns: cols.list.map((c) => ({ expr: column('p', c.alias), alias: c.alias })),
        from: { kind: 'subquery', query: inner, alias: 'p' },
        where: window,
        orderBy: [...parentCols.map((i) => orderNode(column('p', cols.list[i]!.alias), false)), orderNode(rnRef, false)],
      });
    }
    return { node, parentCols, entity, countColumn };
  };
  // The layout does not depend on the parent values: build once without values to learn it.
  const shape = build([]);
  return {
    query: (parentValues) => compiler().compile(build(parentValues).node),
    parentColumns: shape.parentCols,
    entity: shape.entity,
    countColumn: shape.countColumn,
  };
}

export interface LowerRequest {
  readonly model: Model;
  readonly customerId: string;
  readonly query: BoundQuery;
  readonly paging: PagingRequest;
  readonly compiler: () => QueryCompiler;
}

/** The filtered rows of the request before paging: FROM, joins and WHERE (without the keyset). */
function baseSelect(request: LowerRequest, scope: RowScope) {
  const { query } = request;
  const path = lowerPath(query.path, scope, query.range);
  const filter = query.filter ? lowerExpression(query.filter, scope) : undefined;
  const applied = (query.apply?.entityFilters ?? []).map((f) => lowerExpression(f, scope));
  return { path, where: and(path.where, ...applied, filter) };
}

export function lowerQuery(request: LowerRequest): QueryPlan {
  const { model, query, paging } = request;
  if (query.apply?.shape) return lowerAggregatedQuery(request, query.apply);
  const context: LoweringContext = { model, customerId: request.customerId, aliases: new AliasAllocator() };
  const scope = new RowScope(context, undefined);
  const { path, where } = baseSelect(request, scope);
  const cols = columns();
  const entity: EntityLayout =
    query.kind === 'property' || query.kind === 'rawValue'
      ? { typeName: query.type.name, setName: query.set?.name, keys: [], fields: [{ kind: 'value', name: query.property!.name, column: cols.add(column(path.alias, query.property!.name)), type: query.property!.type }] }
      : addLevel(query.projection, query.range, scope, cols, request.compiler);

  const order = orderItems(query, model, query.type);
  const keyset: KeysetItem[] = order.map((o) => ({ expr: lowerExpression(o.expr, scope), descending: o.descending, type: typeOf(o.expr) }));
  const countScope = new RowScope({ model, customerId: request.customerId, aliases: new AliasAllocator() }, undefined);
  const counted = baseSelect(request, countScope);
  return pagePlan({
    paging,
    compiler: request.compiler,
    top: query.top,
    skip: query.skip,
    count: query.count,
    collection: query.kind === 'collection',
    entity,
    columns: cols,
    keyset,
    rows: { from: { kind: 'table', table: path.table, alias: path.alias }, joins: scope.joins, where },
    counted: { from: { kind: 'table', table: counted.path.table, alias: counted.path.alias }, joins: countScope.joins, where: counted.where },
    wholeResult: false,
  });
}
