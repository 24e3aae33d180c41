// A short-lived cache of result blocks, so a next-link walk reads the engine once per block
// instead of once per page: the whole ordered result of an aggregation (computed once), or the
// next several pages of a keyset walk (read ahead in one statement). A block is found by the id
// its next links carry and serves only the request that made it (same tenant, path and options).
import { randomBytes } from 'node:crypto';
import type { RowValue } from './store.js';

type Row = readonly RowValue[];

export interface ResultCacheLimits {
  readonly ttlMs: number;
  /** A larger block is not kept: its walk reads page by page instead. */
  readonly maxRowsPerEntry: number;
  readonly maxTotalRows: number;
}

export const DEFAULT_RESULT_CACHE_LIMITS: ResultCacheLimits = { ttlMs: 60_000, maxRowsPerEntry: 50_000, maxTotalRows: 150_000 };

export interface CachedBlock {
  /** Who may read the block: the tenant, path and options of the request that made it. */
  readonly signature: string;
  readonly rows: readonly Row[];
  /** Rows follow the block (a read-ahead block stops at its limit; a whole result does not). */
  readonly more: boolean;
}

interface Entry extends CachedBlock {
  readonly expires: number;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private totalRows = 0;
  private next = 0;
  /** Ids differ between server runs, so a next link from an earlier run never names a block of this one. */
  private readonly prefix = randomBytes(6).toString('base64url');

  constructor(readonly limits: ResultCacheLimits = DEFAULT_RESULT_CACHE_LIMITS) {}

  get(id: string, signature: string, now = Date.now()): CachedBlock | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.delete(id, entry);
      return undefined;
    }
    return entry.signature === signature ? entry : undefined;
  }

  /** Drops a block its walk has read to the end. */
  release(id: string): void {
    const entry = this.entries.get(id);
    if (entry) this.delete(id, entry);
  }

  /** Keeps a block and returns its id, or undefined when it is too large to keep. */
  put(block: CachedBlock, now = Date.now()): string | undefined {
    if (block.rows.length > this.limits.maxRowsPerEntry) return undefined;
    // Oldest first: a Map iterates in insertion order.
    for (const [k, e] of this.entries) {
      if (this.totalRows + block.rows.length <= this.limits.maxTotalRows && e.expires > now) break;
      this.delete(k, e);
    }
    const id = `${this.prefix}.${this.next++}`;
    this.entries.set(id, { ...block, expires: now + this.limits.ttlMs });
    this.totalRows += block.rows.length;
    return id;
  }

  private delete(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.totalRows -= entry.rows.length;
  }
}
