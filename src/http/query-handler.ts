// One OData GET: parse -> bind -> sql -> store -> format. No business logic of its own.
import type { Model } from '../model/model.js';
import { bindQuery } from '../odata/bind/query-binder.js';
import { ODataError } from '../odata/errors.js';
import { contextUrl } from '../odata/format/context-url.js';
import type { AllocateBody } from '../odata/format/json-output.js';
import { jsonValue, rawValueText, writeCollection, writeEntity, type JsonOptions } from '../odata/format/json-writer.js';
import { parseQueryString, parseResourcePath, percentDecode } from '../odata/parse/index.js';
import { DEFAULT_QUERY_LIMITS, validateQuery, type QueryLimits } from '../odata/validate/index.js';
import { encodePageToken, openPageToken, sealPageToken, strideOf } from '../sql/keyset.js';
import { lowerQuery, type EntityLayout } from '../sql/lower-query.js';
import type { QueryCompiler } from '../sql/query-compiler.js';
import type { ResultCache } from '../store/result-cache.js';
import { firstRows, rowsWithin, runPlan, type PageRows } from '../store/run-plan.js';
import { cancellableBy, type Store } from '../store/store.js';
import { negotiateJson, preferredPageSize } from './negotiation.js';

export const MAX_PAGE_SIZE = 1000;

/** The `$skiptoken` option, spelled with `$` or `%24`, in any case. */
const SKIPTOKEN = /^(%24|\$)?skiptoken=/i;

export interface QueryRequest {
  readonly model: Model;
  readonly store: Store;
  readonly compiler: () => QueryCompiler;
  readonly customerId: string;
  /** Absolute URL of the service root, e.g. `http://host/monitorodata`. */
  readonly serviceRoot: string;
  /** Path after the service root, still percent-encoded. */
  readonly path: string;
  /** Query string without `?`, still percent-encoded. */
  readonly rawQuery: string;
  readonly accept: string | undefined;
  readonly prefer: string | undefined;
  readonly now: Date;
  /** Blocks of results (pages read ahead, whole aggregations), kept briefly for the walk that pages through them. */
  readonly cache: ResultCache;
  /** Cancels the request's work in the engine (its time limit, or the client going away). */
  readonly signal?: AbortSignal;
  /** What one request may ask for; DEFAULT_QUERY_LIMITS when absent. */
  readonly limits?: QueryLimits;
  /** Memory for the response body (fresh when absent). */
  readonly allocate?: AllocateBody;
}

export interface QueryResponse {
  readonly status: number;
  readonly contentType: 'json' | 'text';
  readonly json: JsonOptions | undefined;
  readonly body: string | Buffer;
  readonly headers: Record<string, string>;
  /** The request the next link names (path and query string below the same service root). */
  readonly next?: { readonly path: string; readonly rawQuery: string };
}

/** The request's query string with `$skiptoken` replaced: every other option is repeated as the client sent it. */
function nextQuery(rawQuery: string, token: string): string {
  const kept = optionsBesidesSkiptoken(rawQuery);
  kept.push(`$skiptoken=${token}`);
  return kept.join('&');
}

/** The request's query options as sent, but its `$skiptoken`. */
function optionsBesidesSkiptoken(rawQuery: string): string[] {
  return rawQuery.split('&').filter((p) => p.length > 0 && !SKIPTOKEN.test(p));
}

/** The request carries a `$skiptoken`: it follows a next link. */
export function followsNextLink(rawQuery: string): boolean {
  return rawQuery.split('&').some((p) => SKIPTOKEN.test(p));
}

/** Who may read a cached block: the same tenant, path, options (but the skiptoken) and preferences. */
function signatureOf(request: QueryRequest): string {
  return JSON.stringify([request.customerId, request.path, optionsBesidesSkiptoken(request.rawQuery), request.prefer ?? '']);
}

/** A query component as the parser reads it (clients may re-encode a next link: `%20`, `+`, `%27`), or as sent when it does not decode. */
function decoded(component: string, plusAsSpace: boolean): string {
  try {
    return percentDecode(component, { plusAsSpace });
  } catch {
    return component;
  }
}

/**
 * What a `$skiptoken` is sealed to: the tenant, the path and the options but the skiptoken (decoded,
 * in any order). Another customer's token, or one of another query, is refused with a 400.
 */
function tokenScope(request: QueryRequest): string {
  const options = optionsBesidesSkiptoken(request.rawQuery).map((p) => decoded(p, true)).sort();
  return JSON.stringify([request.customerId, decoded(request.path, false), options]);
}

/** The page with as many rows as its expansions leave room for (the next link goes on from there); a 400 when not even one fits. */
function withinBudget(page: PageRows, entity: EntityLayout, limits: QueryLimits): PageRows {
  const fit = rowsWithin(limits.maxExpandedEntities, page.rows, entity, page.children);
  if (fit === page.rows.length) return page;
  if (fit === 0) {
    throw new ODataError('semantic', `One entity with its $expand would write more than ${limits.maxExpandedEntities} entities: limit the expanded collections with $top or $filter inside $expand.`, { target: '$expand' });
  }
  return firstRows(page, fit);
}

export async function handleQuery(request: QueryRequest): Promise<QueryResponse> {
  const store = request.signal ? cancellableBy(request.store, request.signal) : request.store;
  const options = parseQueryString(request.rawQuery);
  const path = parseResourcePath(request.path);
  validateQuery(options, request.limits ?? DEFAULT_QUERY_LIMITS);
  const json = negotiateJson(options.format?.value, request.accept);
  const query = bindQuery({ model: request.model, path, options, now: BigInt(request.now.getTime()) * 1000n });
  const preferred = preferredPageSize(request.prefer, MAX_PAGE_SIZE);
  const plan = lowerQuery({
    model: request.model,
    customerId: request.customerId,
    query,
    paging: {
      pageSize: preferred ?? MAX_PAGE_SIZE,
      skiptoken: options.skiptoken && openPageToken(options.skiptoken.value, tokenScope(request)),
      wholeResultRows: request.cache.limits.maxRowsPerEntry,
    },
    compiler: request.compiler,
  });
  const headers: Record<string, string> = {};
  if (preferred !== undefined) headers['Preference-Applied'] = `odata.maxpagesize=${preferred}`;

  if (query.kind === 'count') {
    const result = await store.query(plan.countQuery);
    return { status: 200, contentType: 'text', json: undefined, body: String(result.rows[0]![0]), headers };
  }
  const page = withinBudget(await runPlan(store, plan, { cache: request.cache, signature: signatureOf(request), signal: request.signal, readAhead: request.store }), plan.entity, request.limits ?? DEFAULT_QUERY_LIMITS);
  const context = contextUrl(request.serviceRoot, query);
  if (query.kind === 'collection') {
    let next: QueryResponse['next'];
    const returned = plan.returnedBefore + page.rows.length;
    const topLeft = plan.remainingTop === undefined ? Infinity : plan.remainingTop - page.rows.length;
    if (page.hasMore && topLeft > 0) {
      const last = page.rows[page.rows.length - 1]!;
      const lead = plan.orderColumns[0]!;
      // Measured from where this page started, so pages that each stay within one value still advance.
      const stride = strideOf(plan.leadBefore ?? page.rows[0]![lead], last[lead]) ?? plan.strideBefore;
      next = { path: request.path, rawQuery: nextQuery(request.rawQuery, sealPageToken(encodePageToken({ after: plan.orderColumns.map((c) => last[c]!), returned, count: page.count, stride, block: page.next }), tokenScope(request))) };
    }
    const nextLink = next && `${request.serviceRoot}/${next.path}?${next.rawQuery}`;
    return { status: 200, contentType: 'json', json, body: writeCollection({ context, page, entity: plan.entity, nextLink }, { options: json, serviceRoot: request.serviceRoot, allocate: request.allocate }), headers, next };
  }
  const row = page.rows[0];
  if (!row) throw new ODataError('notFound', `No entity was found for the key in '${request.path}'.`, { target: 'path' });
  if (query.kind === 'rawValue') {
    const field = plan.entity.fields[0]!;
    const value = field.kind === 'value' ? row[field.column]! : null;
    if (value === null) return { status: 204, contentType: 'text', json: undefined, body: '', headers };
    return { status: 200, contentType: 'text', json: undefined, body: rawValueText(value, field.kind === 'value' ? field.type : null), headers };
  }
  if (query.kind === 'property') {
    const field = plan.entity.fields[0]!;
    const value = field.kind === 'value' ? jsonValue(row[field.column]!, field.type, json) : 'null';
    const head = json.metadata !== 'none' ? `"@odata.context":${JSON.stringify(context)},` : '';
    return { status: 200, contentType: 'json', json, body: `{${head}"value":${value}}`, headers };
  }
  return { status: 200, contentType: 'json', json, body: writeEntity(context, row, plan.entity, { options: json, serviceRoot: request.serviceRoot, children: page.children, allocate: request.allocate }), headers };
}
