// Server-driven paging by keyset: the next page starts after the last row's ordering values, so
// page 1,000 costs what page 1 costs. Nulls sort first ascending and last descending, as on
// the reference's SQL Server.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EdmPrimitive } from '../model/types.js';
import { ODataError } from '../odata/errors.js';
import type { RowValue } from '../store/store.js';
import { and, binary, FALSE, or, type SqlExpr } from './sql-nodes.js';
import { rowValueParam } from './row-values.js';

/** What a `$skiptoken` carries. */
export interface PageToken {
  /** Ordering values of the last row returned, in ORDER BY order. */
  readonly after: readonly RowValue[];
  /** Rows returned by earlier pages (to honour `$top` across pages). */
  readonly returned: number;
  /** `@odata.count` computed on the first page, so later pages need not count again. */
  readonly count: number | undefined;
  /**
   * How far the leading ordering value advanced over the previous page. The next page is first
   * looked for within twice that distance, so the engine reads only the storage blocks there.
   */
  readonly stride: bigint | undefined;
  /** The result-cache block the next page is in, and the index of its first row there. */
  readonly block: { readonly id: string; readonly position: number } | undefined;
}

export interface KeysetItem {
  readonly expr: SqlExpr;
  readonly descending: boolean;
  readonly type: EdmPrimitive | null;
}

/** Rows strictly after `values` in the ordering `items`. */
export function keysetPredicate(items: readonly KeysetItem[], values: readonly RowValue[]): SqlExpr {
  const branches: SqlExpr[] = [];
  for (let i = 0; i < items.length; i++) {
    const equalities = items.slice(0, i).map((item, j) => equalTo(item, values[j]!));
    const after = afterValue(items[i]!, values[i]!);
    if (after === FALSE) continue;
    branches.push(and(...equalities, after)!);
  }
  if (branches.length === 0) return FALSE;
  const first = items[0]!;
  const firstValue = values[0]!;
  // A redundant lower bound on the leading column lets the engine skip storage blocks by min/max.
  const bound = !first.descending && firstValue !== null ? binary('>=', first.expr, rowValueParam(firstValue, first.type)) : undefined;
  return and(bound, or(...branches))!;
}

function equalTo(item: KeysetItem, value: RowValue): SqlExpr {
  if (value === null) return { kind: 'isNull', operand: item.expr, negated: false };
  return binary('=', item.expr, rowValueParam(value, item.type));
}

function afterValue(item: KeysetItem, value: RowValue): SqlExpr {
  if (!item.descending) {
    if (value === null) return { kind: 'isNull', operand: item.expr, negated: true };
    return binary('>', item.expr, rowValueParam(value, item.type));
  }
  if (value === null) return FALSE;
  return or(binary('<', item.expr, rowValueParam(value, item.type)), { kind: 'isNull', operand: item.expr, negated: false });
}

// --- token text ------------------------------------------------------------------------------

type Encoded = string | number | boolean | null | { b: string };

function encodeValue(value: RowValue): Encoded {
  return typeof value === 'bigint' ? { b: value.toString() } : value;
}

function decodeValue(value: unknown): RowValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'object' && value !== null && typeof (value as { b?: unknown }).b === 'string' && /^-?\d{1,20}$/.test((value as { b: string }).b)) {
    return BigInt((value as { b: string }).b);
  }
  throw invalidToken();
}

function invalidToken(): ODataError {
  return new ODataError('semantic', "The $skiptoken is not valid: it must be the value from an '@odata.nextLink' of the same query.", { target: '$skiptoken' });
}

function decodeBlock(b: unknown): PageToken['block'] {
  if (b === undefined || b === null) return undefined;
  const { id, position } = b as { id?: unknown; position?: unknown };
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(id)) throw invalidToken();
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) throw invalidToken();
  return { id, position };
}

/**
 * Whether a decoded ordering value can stand where a value of `type` is compared (what rowValueParam
 * binds). Numbers may come back from either engine as number or bigint (`length()` is a BIGINT in DuckDB).
 */
function fitsType(value: RowValue, type: EdmPrimitive | null): boolean {
  if (value === null || type === null) return true;
  switch (type) {
    case 'Edm.DateTimeOffset':
      return typeof value === 'bigint';
    case 'Edm.Byte':
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Double':
    case 'Edm.Decimal':
      return typeof value === 'number' || typeof value === 'bigint';
    case 'Edm.Boolean':
      return typeof value === 'boolean';
    case 'Edm.String':
    case 'Edm.Guid':
    case 'Edm.Date':
      return typeof value === 'string';
    default:
      return typeof value !== 'boolean';
  }
}

export function encodePageToken(token: PageToken): string {
  const body = JSON.stringify({ a: token.after.map(encodeValue), r: token.returned, c: token.count ?? null, s: token.stride?.toString() ?? null, b: token.block ?? null });
  return Buffer.from(body, 'utf8').toString('base64url');
}

/** Decodes a token of a query whose ordering items have these types; anything else is a 400. */
export function decodePageToken(text: string, types: readonly (EdmPrimitive | null)[]): PageToken {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw invalidToken();
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidToken();
  const { a, r, c, s, b } = parsed as { a?: unknown; r?: unknown; c?: unknown; s?: unknown; b?: unknown };
  if (!Array.isArray(a) || a.length !== types.length) throw invalidToken();
  if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 0) throw invalidToken();
  if (c !== null && (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0)) throw invalidToken();
  if (s !== undefined && s !== null && (typeof s !== 'string' || !/^\d{1,19}$/.test(s))) throw invalidToken();
  const after = a.map(decodeValue);
  if (after.some((value, i) => !fitsType(value, types[i]!))) throw invalidToken();
  return { after, returned: r, count: c ?? undefined, stride: typeof s === 'string' ? BigInt(s) : undefined, block: decodeBlock(b) };
}

// --- sealing: a token answers only the query that wrote it ------------------------------------

/** Bytes of the digest a sealed token carries (128 bits). */
const SEAL_BYTES = 16;

function sealOf(body: string, scope: string): Buffer {
  return createHash('sha256').update(scope).update('\n').update(body).digest().subarray(0, SEAL_BYTES);
}

/**
 * `token.seal`: the seal is a digest of the token with its scope (the tenant, path and options of
 * the query that wrote it), so a token replayed by another customer, on another query, truncated
 * or altered in any bit is refused with a 400 before anything of it is read. The digest is not a
 * secret: whoever computes one can page only through rows the scope's own query already returns.
 */
export function sealPageToken(token: string, scope: string): string {
  return `${token}.${sealOf(token, scope).toString('base64url')}`;
}

/** The token of a sealed `$skiptoken` of this scope; a 400 when the seal is missing or does not match. */
export function openPageToken(text: string, scope: string): string {
  const dot = text.lastIndexOf('.');
  const token = text.slice(0, dot);
  const seal = text.slice(dot + 1);
  // Only the canonical base64url spelling is accepted, so no two texts carry one seal.
  if (dot < 0 || !/^[A-Za-z0-9_-]+$/.test(seal) || Buffer.from(seal, 'base64url').toString('base64url') !== seal) throw invalidToken();
  const given = Buffer.from(seal, 'base64url');
  const expected = sealOf(token, scope);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidToken();
  return token;
}

/** The leading value's advance assumed before any page has measured one (a first page within one instant): an hour. */
const DEFAULT_STRIDE = 3_600_000_000n;
/** Multiples of the expected distance each bound allows, nearest first. */
const BOUND_FACTORS = [2n, 64n];

/**
 * Upper bounds for the leading ordering item where the next `pages` pages probably end, nearest
 * first (each tried when the one before came back short, then none); empty when none applies.
 */
export function probableEnds(items: readonly KeysetItem[], token: PageToken, pages: number): SqlExpr[] {
  const lead = items[0];
  const from = token.after[0];
  if (!lead || lead.descending || lead.type !== 'Edm.DateTimeOffset' || typeof from !== 'bigint') return [];
  const stride = token.stride !== undefined && token.stride > 0n ? token.stride : DEFAULT_STRIDE;
  return BOUND_FACTORS.map((factor) => binary('<=', lead.expr, rowValueParam(from + factor * BigInt(pages) * stride, lead.type)));
}

/** How far the leading value moved over a page: the next page's probable stride. */
export function strideOf(first: RowValue | undefined, last: RowValue | undefined): bigint | undefined {
  return typeof first === 'bigint' && typeof last === 'bigint' && last > first ? last - first : undefined;
}
