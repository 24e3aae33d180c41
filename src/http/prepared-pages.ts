// A client walking next links asks for one page, reads it, then asks for the next: while it reads,
// the server would sit idle. Once a request shows a walk (it carries a $skiptoken), the server
// starts answering the page its next link names, and hands that answer over if exactly that request
// arrives. The prepared page is computed by the same handler, so it is the answer the request would
// get; a page nobody asks for expires, and one that failed is computed again on demand.

export interface PreparedPagesLimits {
  /** Pages kept at once (each up to one response body). */
  readonly maxEntries: number;
  readonly ttlMs: number;
}

export const DEFAULT_PREPARED_PAGES_LIMITS: PreparedPagesLimits = { maxEntries: 16, ttlMs: 30_000 };

interface Entry<T> {
  readonly answer: Promise<T | undefined>;
  readonly expires: number;
}

export class PreparedPages<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Pages prepared, and prepared pages handed over to their request. */
  readonly stats = { prepared: 0, taken: 0 };

  constructor(private readonly limits: PreparedPagesLimits = DEFAULT_PREPARED_PAGES_LIMITS) {}

  /** Starts computing the answer to the request `key` names, after the current response has gone out. */
  prepare(key: string, compute: () => Promise<T>, now = Date.now()): void {
    if (this.limits.maxEntries <= 0 || this.entries.has(key)) return;
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.limits.maxEntries && e.expires > now) break;
      this.entries.delete(k);
    }
    const answer = new Promise<void>((started) => setImmediate(started)).then(compute).catch(() => undefined);
    this.entries.set(key, { answer, expires: now + this.limits.ttlMs });
    this.stats.prepared++;
  }

  /** The prepared answer for `key`, once; undefined when none was prepared, it expired, or it failed. */
  async take(key: string, now = Date.now()): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expires <= now) return undefined;
    const answer = await entry.answer;
    if (answer !== undefined) this.stats.taken++;
    return answer;
  }

  get size(): number {
    return this.entries.size;
  }
}
