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
  /** The block being read (or read) after this one, for the walk to go on into. */
  readonly following?: string;
}

interface Entry extends CachedBlock {
  readonly expires: number;
}

/** A block whose rows are still being read. */
interface Pending {
  readonly signature: string;
  readonly done: Promise<void>;
  readonly settle: () => void;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Pending>();
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

  /** Resolves once the block `id` is no longer being read (at once when it is not). */
  settled(id: string): Promise<void> {
    return this.pending.get(id)?.done ?? Promise.resolve();
  }

  /** An id for a block about to be read; fill() or abandon() it. */
  reserve(signature: string): string {
    const id = this.newId();
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.pending.set(id, { signature, done, settle });
    return id;
  }

  /** Keeps the rows read for a reserved id (unless too large, or for another signature); its waiters go on. */
  fill(id: string, block: CachedBlock, now = Date.now()): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    if (pending.signature === block.signature) this.store(id, block, now);
    pending.settle();
  }

  /** Gives up a reserved id (its read failed): its waiters go on without it. */
  abandon(id: string): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    pending?.settle();
  }

  /** Notes the block that follows `id` and returns the block as now kept; undefined when `id` is gone or already has one. */
  follow(id: string, following: string): CachedBlock | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.following !== undefined) return undefined;
    const followed = { ...entry, following };
    this.entries.set(id, followed);
    return followed;
  }

  /** Drops a block its walk has read to the end. */
  release(id: string): void {
    const entry = this.entries.get(id);
    if (entry) this.delete(id, entry);
  }

  /** Keeps a block and returns its id, or undefined when it is too large to keep. */
  put(block: CachedBlock, now = Date.now()): string | undefined {
    const id = this.newId();
    return this.store(id, block, now) ? id : undefined;
  }

  private newId(): string {
    return `${this.prefix}.${this.next++}`;
  }

  private store(id: string, block: CachedBlock, now: number): boolean {
    if (block.rows.length > this.limits.maxRowsPerEntry) return false;
    // Oldest first: a Map iterates in insertion order.
    for (const [k, e] of this.entries) {
      if (this.totalRows + block.rows.length <= this.limits.maxTotalRows && e.expires > now) break;
      this.delete(k, e);
    }
    this.entries.set(id, { ...block, expires: now + this.limits.ttlMs });
    this.totalRows += block.rows.length;
    return true;
  }

  private delete(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.totalRows -= entry.rows.length;
  }
}
