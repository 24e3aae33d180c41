// The per-customer limit across every server process on one PostgreSQL: a slot is a session-level
// advisory lock (customer, slot number) held by the process's write connection while one request
// runs. Claiming and freeing are one round trip each and write nothing; a process that dies
// loses its session, and with it its slots, at once.
import type { ResultSet, CompiledQuery } from '../store/store.js';
import { once, type ConcurrencyLimit, type Release } from './concurrency-limit.js';

/** What the slots need of the engine: one session that outlives requests (the primary's write connection). */
export interface PrimaryWrites {
  write(query: CompiledQuery): Promise<ResultSet>;
}

/**
 * Claims the first free slot of a customer. A session may take an advisory lock it already holds
 * again, so the slots this process holds are left out before any is tried (OFFSET 0 keeps the
 * planner from trying the lock first), and LIMIT 1 stops at the first lock taken.
 */
const CLAIM = `SELECT s FROM (
  SELECT s FROM generate_series(0, $2::int - 1) AS s WHERE NOT (s = ANY(CAST($3 AS int[]))) OFFSET 0
) AS free WHERE pg_try_advisory_lock(hashtext('monitor-odata slot ' || $1), s) LIMIT 1`;
const FREE = `SELECT pg_advisory_unlock(hashtext('monitor-odata slot ' || $1), $2::int)`;

export class SharedConcurrencyLimit implements ConcurrencyLimit {
  /** Slots this process holds, by customer. */
  private readonly held = new Map<string, Set<number>>();
  /** The claim in progress, by customer: claims of one customer run one after another, or two could take the same lock twice. */
  private readonly claiming = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly db: PrimaryWrites,
    readonly perCustomer: number,
  ) {}

  static async open(db: PrimaryWrites, perCustomer: number): Promise<SharedConcurrencyLimit> {
    return new SharedConcurrencyLimit(db, perCustomer);
  }

  tryAcquire(customerId: string): Promise<Release | undefined> {
    const claim = (this.claiming.get(customerId) ?? Promise.resolve()).then(() => this.claim(customerId));
    const settled = claim.catch(() => undefined);
    this.claiming.set(customerId, settled);
    void settled.then(() => {
      if (this.claiming.get(customerId) === settled) this.claiming.delete(customerId);
    });
    return claim;
  }

  private async claim(customerId: string): Promise<Release | undefined> {
    const mine = this.held.get(customerId) ?? new Set<number>();
    if (mine.size >= this.perCustomer) return undefined;
    const claimed = await this.db.write({ sql: CLAIM, parameters: [customerId, this.perCustomer, `{${[...mine].join(',')}}`] });
    if (claimed.rows.length === 0) return undefined;
    const slot = Number(claimed.rows[0]![0]);
    mine.add(slot);
    this.held.set(customerId, mine);
    return once(async () => {
      try {
        await this.db.write({ sql: FREE, parameters: [customerId, slot] });
      } finally {
        // Even if the unlock failed (a broken connection frees every lock of its session anyway).
        mine.delete(slot);
        if (mine.size === 0 && this.held.get(customerId) === mine) this.held.delete(customerId);
      }
    });
  }
}
