// Runs a query plan: the page statement, then one batched statement per collection-valued
// expand per level, grouping child rows under their parents.
import type { EntityLayout, ExpandPlan, QueryPlan } from '../sql/lower-query.js';
import { ResultCache } from './result-cache.js';
import type { RowValue, Store } from './store.js';

type Row = readonly RowValue[];

export interface PageRows {
  readonly rows: readonly Row[];
  /** More rows follow this page (a next link is due). */
  readonly hasMore: boolean;
  readonly count: number | undefined;
  readonly children: ChildRows;
  /** Index of the next row in the cached whole result, when the page was served from the result cache. */
  readonly nextPosition: number | undefined;
}

/** Child rows of each collection expand, by the parent's join values. */
export type ChildRows = Map<ExpandPlan, Map<string, Row[]>>;

export function parentKey(row: Row, columns: readonly number[]): string {
  return columns.map((c) => String(row[c])).join('\u0000');
}

/** A page cut from the whole result, computed now (first page) or held in the cache (later pages). */
async function pageFromWhole(store: Store, plan: QueryPlan, cache: ResultCache): Promise<PageRows | undefined> {
  if (!plan.wholeQuery) return undefined;
  const key = ResultCache.keyOf(plan.wholeQuery);
  let whole = plan.position !== undefined ? cache.get(key) : undefined;
  if (!whole) {
    if (plan.position !== undefined || plan.returnedBefore > 0) return undefined;
    whole = (await store.query(plan.wholeQuery)).rows;
    cache.set(key, whole);
    // Too big to keep: this page is cut from it, later pages go by keyset.
    if (whole.length > cache.limits.maxRowsPerEntry) {
      const start = plan.skip;
      const rows = whole.slice(start, start + plan.pageRows);
      return finish(store, plan, rows, whole.length > start + plan.pageRows, wholeCount(plan, whole), undefined);
    }
  }
  const start = plan.position ?? plan.skip;
  const rows = whole.slice(start, start + plan.pageRows);
  return finish(store, plan, rows, whole.length > start + plan.pageRows, wholeCount(plan, whole), start + rows.length);
}

function wholeCount(plan: QueryPlan, whole: readonly Row[]): number | undefined {
  return plan.countFromToken ?? (plan.countColumn !== undefined ? whole.length : undefined);
}

/** Adds the children of collection expands to a page's rows. */
async function finish(store: Store, plan: QueryPlan, rows: readonly Row[], hasMore: boolean, count: number | undefined, nextPosition: number | undefined): Promise<PageRows> {
  const children: ChildRows = new Map();
  await fetchChildren(store, plan.entity, rows, children);
  return { rows, hasMore, count, children, nextPosition };
}

export async function runPlan(store: Store, plan: QueryPlan, cache?: ResultCache): Promise<PageRows> {
  const cached = cache ? await pageFromWhole(store, plan, cache) : undefined;
  if (cached) return cached;
  let result = await store.query(plan.query);
  if (plan.unboundedQuery && result.rows.length <= plan.pageRows) result = await store.query(plan.unboundedQuery);
  const hasMore = result.rows.length > plan.pageRows;
  const rows = hasMore ? result.rows.slice(0, plan.pageRows) : result.rows;
  let count = plan.countFromToken;
  if (count === undefined && plan.countColumn !== undefined) {
    count = rows.length > 0 ? Number(rows[0]![plan.countColumn]) : Number((await store.query(plan.countQuery)).rows[0]![0]);
  }
  return finish(store, plan, rows, hasMore, count, undefined);
}

async function fetchChildren(store: Store, entity: EntityLayout, rows: readonly Row[], children: ChildRows): Promise<void> {
  if (rows.length === 0) return;
  for (const field of entity.fields) {
    if (field.kind === 'entity') {
      await fetchChildren(store, field.entity, field.presence === undefined ? rows : rows.filter((r) => r[field.presence!] !== null), children);
    } else if (field.kind === 'collection') {
      const parents = new Map<string, Row>();
      for (const row of rows) {
        const values = field.parentColumns.map((c) => row[c]!);
        if (values.length > 0 && values.every((v) => v !== null)) parents.set(parentKey(row, field.parentColumns), values);
      }
      const byParent = new Map<string, Row[]>();
      if (parents.size > 0) {
        const result = await store.query(field.plan.query([...parents.values()]));
        for (const child of result.rows) {
          const key = parentKey(child, field.plan.parentColumns);
          let list = byParent.get(key);
          if (!list) byParent.set(key, (list = []));
          list.push(child);
        }
        await fetchChildren(store, field.plan.entity, result.rows, children);
      }
      children.set(field.plan, byParent);
    }
  }
}
