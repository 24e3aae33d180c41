// A short-lived cache of whole aggregated results, keyed by the statement and its parameters
// (the tenant is one of them), so a next-link walk pages through one computation.
import type { CompiledQuery, RowValue } from './store.js';

type Row = readonly RowValue[];

export interface ResultCacheLimits {
  readonly ttlMs: number;
  /** A result with more rows is not cached; its walk pages by keyset instead. */
  readonly maxRowsPerEntry: number;
  readonly maxTotalRows: number;
}

export const DEFAULT_RESULT_CACHE_LIMITS: ResultCacheLimits = { ttlMs: 60_000, maxRowsPerEntry: 100_000, maxTotalRows: 400_000 };

interface Entry {
  readonly rows: readonly Row[];
  readonly expires: number;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private totalRows = 0;

  constructor(readonly limits: ResultCacheLimits = DEFAULT_RESULT_CACHE_LIMITS) {}

  static keyOf(query: CompiledQuery): string {
    return JSON.stringify([query.sql, query.parameters], (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  }

  get(key: string, now = Date.now()): readonly Row[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.delete(key, entry);
      return undefined;
    }
    return entry.rows;
  }

  set(key: string, rows: readonly Row[], now = Date.now()): void {
    if (rows.length > this.limits.maxRowsPerEntry) return;
    const old = this.entries.get(key);
    if (old) this.delete(key, old);
    // Oldest first: a Map iterates in insertion order.
    for (const [k, e] of this.entries) {
      if (this.totalRows + rows.length <= this.limits.maxTotalRows && e.expires > now) break;
      this.delete(k, e);
    }
    this.entries.set(key, { rows, expires: now + this.limits.ttlMs });
    this.totalRows += rows.length;
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.totalRows -= entry.rows.length;
  }
}
