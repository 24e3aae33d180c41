// Runs a query plan: the page statement, then one batched statement per collection-valued
// expand per level, grouping child rows under their parents.
import type { EntityLayout, ExpandPlan, QueryPlan } from '../sql/lower-query.js';
import type { CachedBlock, ResultCache } from './result-cache.js';
import { strideOf } from '../sql/keyset.js';
import { cancellableBy, QueryCancelledError, type CompiledQuery, type ResultSet, type RowValue, type Store } from './store.js';

type Row = readonly RowValue[];

export interface PageRows {
  readonly rows: readonly Row[];
  /** More rows follow this page (a next link is due). */
  readonly hasMore: boolean;
  readonly count: number | undefined;
  readonly children: ChildRows;
  /** Where the next page starts in a cached block, when it is there. */
  readonly next: { readonly id: string; readonly position: number } | undefined;
}

/** The result cache, and who is asking: blocks serve only the request that made them. */
export interface CacheAccess {
  readonly cache: ResultCache;
  /** Tenant, path and options of the request (everything but the skiptoken and the page). */
  readonly signature: string;
  /** Stops waiting for a block still being read (the request's time limit, or its client gone). */
  readonly signal?: AbortSignal;
  /** The store blocks are read ahead on: not the request's (its end cancels its queries); such a read stops when the cache would have let it go. */
  readonly readAhead?: Store;
}

/** Child rows of each collection expand, by the parent's join values. */
export type ChildRows = Map<ExpandPlan, Map<string, Row[]>>;

export function parentKey(row: Row, columns: readonly number[]): string {
  return columns.map((c) => String(row[c])).join('\u0000');
}

/**
 * A page cut from a block; the next link points into the block while it has rows left, then into
 * the block read after it. `done`: the page reaches the block's end.
 */
function fromBlock(plan: QueryPlan, block: CachedBlock, id: string | undefined, start: number) {
  const rows = block.rows.slice(start, start + plan.pageRows);
  const end = start + rows.length;
  const left = end < block.rows.length;
  const next = left && id !== undefined ? { id, position: end } : !left && block.more && block.following !== undefined ? { id: block.following, position: 0 } : undefined;
  return { rows, hasMore: left || block.more, next, done: !left };
}

/** Resolves when `done` does, or rejects with QueryCancelledError when the signal aborts first. */
function waitFor(done: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return done;
  if (signal.aborted) return Promise.reject(new QueryCancelledError(signal.reason));
  return new Promise((resolve, reject) => {
    const abort = () => reject(new QueryCancelledError(signal.reason));
    signal.addEventListener('abort', abort, { once: true });
    void done.then(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}

/**
 * Starts reading the block after `block` (kept as `id`), so that the walk goes on into it without
 * waiting for a statement at the block's end; returns the block to page from (naming the one that
 * follows, once there is one). A failed read leaves the walk to its keyset.
 */
function readFollowing(plan: QueryPlan, access: CacheAccess, id: string | undefined, block: CachedBlock): CachedBlock {
  const engine = access.readAhead;
  if (engine === undefined || !engine.readsAheadInBackground || id === undefined || plan.blockAfter === undefined || !block.more || block.following !== undefined || block.rows.length === 0) return block;
  const first = block.rows[0]!;
  const last = block.rows[block.rows.length - 1]!;
  const lead = plan.orderColumns[0]!;
  const advance = strideOf(first[lead], last[lead]);
  const pages = BigInt(Math.max(1, Math.round(block.rows.length / Math.max(1, plan.pageRows))));
  const query = plan.blockAfter(plan.orderColumns.map((c) => last[c]!), advance === undefined ? undefined : advance / pages);
  const following = access.cache.reserve(access.signature);
  const followed = access.cache.follow(id, following);
  if (followed === undefined) {
    access.cache.abandon(following);
    return block;
  }
  untilEnough(cancellableBy(engine, AbortSignal.timeout(access.cache.limits.ttlMs)), query.query, query.wider, query.rows).then(
    (result) => {
      const more = result.rows.length > query.rows;
      access.cache.fill(following, { signature: access.signature, rows: more ? result.rows.slice(0, query.rows) : result.rows, more });
    },
    () => access.cache.abandon(following),
  );
  return followed;
}

/** Reads a block of pages (or the whole aggregated result) in one statement and caches it. */
async function readBlock(store: Store, plan: QueryPlan, access: CacheAccess): Promise<PageRows | undefined> {
  // The block the token names may still be being read ahead.
  if (plan.cached) await waitFor(access.cache.settled(plan.cached.id), access.signal);
  const cached = plan.cached ? access.cache.get(plan.cached.id, access.signature) : undefined;
  if (cached && plan.cached!.position < cached.rows.length) {
    const page = fromBlock(plan, readFollowing(plan, access, plan.cached!.id, cached), plan.cached!.id, plan.cached!.position);
    if (page.done) access.cache.release(plan.cached!.id);
    return finish(store, plan, page.rows, page.hasMore, plan.countFromToken, page.next);
  }
  const blockQuery = plan.block;
  // A whole result is computed on the first page only, and a link whose block is gone (expired,
  // or read to its end and released) gets its one page by keyset: only a walk reads ahead.
  if (!blockQuery || plan.cached !== undefined || (blockQuery.whole && plan.returnedBefore > 0)) return undefined;
  const result = await untilEnough(store, blockQuery.query, blockQuery.wider, blockQuery.rows);
  const more = result.rows.length > blockQuery.rows;
  const block: CachedBlock = { signature: access.signature, rows: more ? result.rows.slice(0, blockQuery.rows) : result.rows, more };
  const start = blockQuery.whole ? plan.skip : 0;
  // Kept only when later pages will read it.
  const id = start + plan.pageRows < block.rows.length ? access.cache.put(block) : undefined;
  const page = fromBlock(plan, blockQuery.whole ? block : readFollowing(plan, access, id, block), id, start);
  // A whole result counts itself, unless it was cut at its bound.
  const count =
    blockQuery.whole && plan.countFromToken === undefined && plan.countColumn !== undefined
      ? more
        ? Number((await store.query(plan.countQuery)).rows[0]![0])
        : block.rows.length
      : await countOf(store, plan, block.rows);
  return finish(store, plan, page.rows, page.hasMore, count, page.next);
}

/** `@odata.count`: carried by the token, else read from the count column of the rows, else counted on its own (no rows). */
async function countOf(store: Store, plan: QueryPlan, rows: readonly Row[]): Promise<number | undefined> {
  if (plan.countFromToken !== undefined || plan.countColumn === undefined) return plan.countFromToken;
  if (rows.length > 0) return Number(rows[0]![plan.countColumn]);
  return Number((await store.query(plan.countQuery)).rows[0]![0]);
}

/** Runs `query`, then each wider one while the rows came back short of `rows` plus the one that tells whether more follow. */
async function untilEnough(store: Store, query: CompiledQuery, wider: readonly CompiledQuery[], rows: number): Promise<ResultSet> {
  let result = await store.query(query);
  for (const next of wider) {
    if (result.rows.length > rows) break;
    result = await store.query(next);
  }
  return result;
}

/** Adds the children of collection expands to a page's rows. */
async function finish(store: Store, plan: QueryPlan, rows: readonly Row[], hasMore: boolean, count: number | undefined, next: PageRows['next']): Promise<PageRows> {
  const children: ChildRows = new Map();
  await fetchChildren(store, plan.entity, rows, children);
  return { rows, hasMore, count, children, next };
}

export async function runPlan(store: Store, plan: QueryPlan, access?: CacheAccess): Promise<PageRows> {
  const fromCache = access ? await readBlock(store, plan, access) : undefined;
  if (fromCache) return fromCache;
  const result = await untilEnough(store, plan.query, plan.widerQueries, plan.pageRows);
  const hasMore = result.rows.length > plan.pageRows;
  const rows = hasMore ? result.rows.slice(0, plan.pageRows) : result.rows;
  return finish(store, plan, rows, hasMore, await countOf(store, plan, rows), undefined);
}

/**
 * How many of `rows`, from the first, fit in `budget` entities with everything their expands write
 * (an expanded entity counts each time it is written, as the JSON repeats it); 0 when the first row
 * alone does not. Each list of children is counted once, however often it is written.
 */
export function rowsWithin(budget: number, rows: readonly Row[], entity: EntityLayout, children: ChildRows): number {
  const listSizes = new Map<readonly Row[], number>();
  const size = (row: Row, layout: EntityLayout): number => {
    let n = 1;
    for (const field of layout.fields) {
      if (field.kind === 'entity') {
        if (field.presence === undefined || row[field.presence] !== null) n += size(row, field.entity);
      } else if (field.kind === 'collection') {
        const list = children.get(field.plan)?.get(parentKey(row, field.parentColumns));
        if (!list) continue;
        let total = listSizes.get(list);
        if (total === undefined) listSizes.set(list, (total = list.reduce((sum, child) => sum + size(child, field.plan.entity), 0)));
        n += total;
      }
    }
    return n;
  };
  let written = 0;
  for (let i = 0; i < rows.length; i++) {
    written += size(rows[i]!, entity);
    if (written > budget) return i;
  }
  return rows.length;
}

/** The first `count` rows of a page; the rest follow by its next link (into the same block while it is kept). */
export function firstRows(page: PageRows, count: number): PageRows {
  const dropped = page.rows.length - count;
  return { ...page, rows: page.rows.slice(0, count), hasMore: true, next: page.next && { id: page.next.id, position: page.next.position - dropped } };
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
