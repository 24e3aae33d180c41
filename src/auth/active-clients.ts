// Which clients may still use their tokens, read from the table at most every few seconds.
//
// Token verification runs on every API request, and a signature alone cannot tell that a client
// was revoked after its token was issued. Reading the table per request would put a query on the
// hot path; trusting tokens until they expire would leave a revoked client an hour. A copy of the
// (small) set of active clients, read again once it is older than a few seconds, bounds how long a
// revocation takes to bite without a query per request. A revocation made in this process can
// take effect at once through refresh().
import { activeClientCustomers } from './api-clients.js';
import type { Store } from '../store/store.js';

export const ACTIVE_CLIENTS_TTL_MS = 5_000;

interface Read {
  /** performance.now() when the read started: it sees every change committed before. */
  readonly startedAt: number;
  readonly done: Promise<void>;
}

export class ActiveClients {
  private customers = new Map<string, string>();
  /** When the read behind `customers` started; -Infinity before the first. */
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Read | undefined;
  /** Clients a read made for their own token did not find, and when, so that it is not repeated within the TTL. */
  private readonly missing = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number = ACTIVE_CLIENTS_TTL_MS,
  ) {}

  /** The customer of an active client, undefined when the client is revoked or unknown. */
  async customerOf(clientId: string): Promise<string | undefined> {
    const now = performance.now();
    if (now - this.readAt >= this.ttlMs) await this.readStartedSince(Number.NEGATIVE_INFINITY);
    const customer = this.customers.get(clientId);
    if (customer !== undefined) return customer;
    const missedAt = this.missing.get(clientId);
    if (missedAt !== undefined && now - missedAt < this.ttlMs) return undefined;
    // Perhaps added after the copy was read, as when a token is used moments after its client was
    // created: read once more rather than refuse it for up to a TTL. Once per client and TTL, so
    // that tokens of removed clients cannot make every request read the table.
    await this.readStartedSince(now);
    const found = this.customers.get(clientId);
    if (found === undefined) this.missing.set(clientId, now);
    return found;
  }

  /** Reads the table now (not joining a read already under way, which may predate a change). */
  refresh(): Promise<void> {
    return this.readStartedSince(performance.now());
  }

  /** A read that started at `time` or later: the one under way if it did, else a new one. */
  private readStartedSince(time: number): Promise<void> {
    if (this.reading !== undefined && this.reading.startedAt >= time) return this.reading.done;
    const startedAt = performance.now();
    const done: Promise<void> = this.read(startedAt).finally(() => {
      if (this.reading?.done === done) this.reading = undefined;
    });
    this.reading = { startedAt, done };
    return done;
  }

  private async read(startedAt: number): Promise<void> {
    const customers = await activeClientCustomers(this.store);
    // Reads may finish out of order; keep the one that started last.
    if (startedAt < this.readAt) return;
    this.customers = customers;
    this.readAt = startedAt;
    for (const [clientId, missedAt] of this.missing) if (startedAt - missedAt >= this.ttlMs) this.missing.delete(clientId);
  }
}
