// The per-customer limit across every server process on one PostgreSQL: a slot is a row of a
// table (customer, slot number) that one request holds, claimed with one INSERT ... ON CONFLICT
// and freed with one DELETE. A slot whose holder died (a node killed mid-request) is taken over
// once its lease has run out, so no customer stays locked out.
import { randomUUID } from 'node:crypto';
import type { ResultSet, CompiledQuery } from '../store/store.js';
import { once, type ConcurrencyLimit, type Release } from './concurrency-limit.js';

export const REQUEST_SLOTS_TABLE = '_request_slots';

/** What the slots need of the engine: statements on the primary (a replica cannot take writes). */
export interface PrimaryWrites {
  write(query: CompiledQuery): Promise<ResultSet>;
  execute(sql: string): Promise<void>;
  /** Runs `fn` while no other process changes the schema. */
  exclusively<T>(fn: () => Promise<T>): Promise<T>;
}

export class SharedConcurrencyLimit implements ConcurrencyLimit {
  private constructor(
    private readonly db: PrimaryWrites,
    readonly perCustomer: number,
    /** How long a claim lasts without being freed: longer than any request may run. */
    private readonly leaseMs: number,
  ) {}

  static async open(db: PrimaryWrites, perCustomer: number, leaseMs: number): Promise<SharedConcurrencyLimit> {
    // Unlogged: a claim lives seconds and need not survive a crash, so it costs no WAL flush.
    await db.exclusively(() => db.execute(`CREATE UNLOGGED TABLE IF NOT EXISTS ${REQUEST_SLOTS_TABLE} (
  customer_id TEXT NOT NULL,
  slot INTEGER NOT NULL,
  holder TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (customer_id, slot)
)`));
    return new SharedConcurrencyLimit(db, perCustomer, leaseMs);
  }

  async tryAcquire(customerId: string): Promise<Release | undefined> {
    const holder = randomUUID();
    for (let slot = 0; slot < this.perCustomer; slot++) {
      const claimed = await this.db.write({
        sql: `INSERT INTO ${REQUEST_SLOTS_TABLE} (customer_id, slot, holder, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
ON CONFLICT (customer_id, slot) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at WHERE ${REQUEST_SLOTS_TABLE}.expires_at < now()
RETURNING slot`,
        parameters: [customerId, slot, holder, this.leaseMs],
      });
      if (claimed.rows.length > 0) {
        return once(async () => {
          // A failed release only delays the slot until its lease runs out.
          await this.db
            .write({ sql: `DELETE FROM ${REQUEST_SLOTS_TABLE} WHERE customer_id = $1 AND slot = $2 AND holder = $3`, parameters: [customerId, slot, holder] })
            .catch(() => undefined);
        });
      }
    }
    return undefined;
  }
}
