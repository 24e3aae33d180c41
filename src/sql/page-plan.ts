// The paging part every query plan shares: the keyset from the token, `$top` across pages, the
// count, and the page statement (with its probable-end bound where one applies).
import type { QueryCompiler } from './query-compiler.js';
import { decodePageToken, keysetPredicate, probableEnds, type KeysetItem, type PageToken } from './keyset.js';
import type { BlockQuery, EntityLayout, PagingRequest, QueryPlan } from './lower-query.js';
import { orderNode, type Columns } from './select-list.js';
import type { RowValue } from '../store/store.js';
import { and, select, type FromNode, type JoinNode, type SelectNode, type SqlExpr } from './sql-nodes.js';

/** Rows before paging: FROM, joins and WHERE. */
export interface RowSource {
  readonly from: FromNode;
  readonly joins: readonly JoinNode[];
  readonly where: SqlExpr | undefined;
}

export interface PageRequest {
  readonly paging: PagingRequest;
  readonly compiler: () => QueryCompiler;
  readonly top: number | undefined;
  readonly skip: number | undefined;
  readonly count: boolean;
  /** False for a single entity or property: no ordering, at most one row expected. */
  readonly collection: boolean;
  readonly entity: EntityLayout;
  /** The select list so far; ordering values and the count are appended. */
  readonly columns: Columns;
  readonly keyset: readonly KeysetItem[];
  readonly rows: RowSource;
  /** The same rows for counting, built in a scope of its own so the count sees no keyset or page joins. */
  readonly counted: RowSource;
  /** Aggregated results: the first page computes the whole result once for the walk to page through. */
  readonly wholeResult: boolean;
}

/** Pages a keyset walk reads ahead in one statement (kept in the result cache for the next links). */
export const READ_AHEAD_PAGES = 10;

function countOf(source: RowSource): SelectNode {
  return select({
    columns: [{ expr: { kind: 'aggregate', fn: 'count', arg: undefined, distinct: false }, alias: 'n' }],
    from: source.from,
    joins: source.joins,
    where: source.where,
  });
}

export function pagePlan(request: PageRequest): QueryPlan {
  const { paging, keyset, columns: cols } = request;
  const orderColumns = keyset.map((k) => cols.reuse(k.expr));
  const token: PageToken | undefined = paging.skiptoken !== undefined ? decodePageToken(paging.skiptoken, keyset.map((k) => k.type)) : undefined;
  const returnedBefore = token?.returned ?? 0;
  const remainingTop = request.top !== undefined ? Math.max(0, request.top - returnedBefore) : undefined;
  const pageRows = request.collection ? Math.min(paging.pageSize, remainingTop ?? Infinity) : 2;
  const countSelect = countOf(request.counted);
  const countColumn = request.count && token?.count === undefined ? cols.add({ kind: 'scalar', query: countSelect }) : undefined;
  const pageSelect = (bound: SqlExpr | undefined, rows = pageRows, from = token) =>
    select({
      columns: cols.list,
      from: request.rows.from,
      joins: request.rows.joins,
      where: and(request.rows.where, from ? keysetPredicate(keyset, from.after) : undefined, bound),
      orderBy: request.collection ? keyset.map((k) => orderNode(k.expr, k.descending)) : [],
      limit: rows + 1,
      offset: from ? undefined : request.skip,
    });
  const compile = (node: SelectNode) => request.compiler().compile(node);
  /** The statement bounded by the nearest probable end, and the wider ones (then the unbounded one) to try when it comes back short. */
  const bounded = (pages: number, rows?: number, from = token) => {
    const ends = from ? probableEnds(keyset, from, pages) : [];
    const [first, ...wider] = [...ends, undefined].map((end) => compile(pageSelect(end, rows, from)));
    return { query: first!, wider };
  };
  const page = bounded(1);
  let block: BlockQuery | undefined;
  if (request.wholeResult) {
    // Bounded: millions of groups read whole into JS would hold memory and the event loop. Whole
    // pages only, so the walk has no short page where the block ends.
    const rows = paging.wholeResultRows === undefined ? undefined : (request.skip ?? 0) + Math.max(1, Math.floor(paging.wholeResultRows / Math.max(1, pageRows))) * Math.max(1, pageRows);
    const whole = select({
      columns: cols.list.filter((_, i) => i !== countColumn),
      from: request.rows.from,
      joins: request.rows.joins,
      where: request.rows.where,
      orderBy: keyset.map((k) => orderNode(k.expr, k.descending)),
      limit: rows === undefined ? undefined : rows + 1,
    });
    block = { query: compile(whole), wider: [], rows: rows ?? Number.MAX_SAFE_INTEGER, whole: true };
  } else if (request.collection && token) {
    // Only a walk reads ahead: a first page costs what it needs, and the second starts the blocks.
    const rows = Math.min(paging.pageSize * READ_AHEAD_PAGES, remainingTop ?? Infinity);
    block = { ...bounded(READ_AHEAD_PAGES, rows), rows, whole: false };
  }
  // The block after a block, read while the walk pages through the one before (not under `$top`, where the walk may stop sooner).
  const blockAfter =
    block !== undefined && !block.whole && remainingTop === undefined
      ? (after: readonly RowValue[], stride: bigint | undefined): BlockQuery => {
          const from: PageToken = { after, returned: 0, count: undefined, stride, block: undefined };
          const rows = paging.pageSize * READ_AHEAD_PAGES;
          return { ...bounded(READ_AHEAD_PAGES, rows, from), rows, whole: false };
        }
      : undefined;
  return {
    query: page.query,
    entity: request.entity,
    orderColumns,
    countColumn,
    pageRows,
    remainingTop,
    returnedBefore,
    countFromToken: token?.count,
    countQuery: compile(countSelect),
    widerQueries: page.wider,
    strideBefore: token?.stride,
    leadBefore: token?.after[0],
    block,
    blockAfter,
    cached: token?.block,
    skip: request.skip ?? 0,
  };
}
