// Small generated fleets in temporary files, for the store and generator tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CUSTOMER_COLUMN, monitorModel } from '../../src/model/model.js';
import { tableDefs } from '../../src/store/ddl.js';
import { openDuckDbStore, type DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import type { RowValue, SqlValue } from '../../src/store/store.js';

/** 30 machines over Sunday 2025-05-04 to Tuesday 2025-05-06 (end exclusive 2025-05-07). */
export const SMALL = { machines: 30, days: 3, seed: 7, end: '2025-05-07' } as const;
export const END_MS = Date.UTC(2025, 4, 7);
export const START_MS = END_MS - SMALL.days * 86_400_000;

export interface TempStore {
  readonly store: DuckDbStore;
  readonly path: string;
  close(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-gen-'));
  const path = join(dir, 'fleet.duckdb');
  const store = await openDuckDbStore(path);
  return {
    store,
    path,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function rows(store: DuckDbStore, sql: string, parameters: readonly SqlValue[] = []): Promise<(readonly RowValue[])[]> {
  return [...(await store.query({ sql, parameters })).rows];
}

/** Row count and an order-independent hash of every row, per table, for one customer. */
export async function checksums(store: DuckDbStore, customerId: string): Promise<Record<string, string>> {
  const sql = tableDefs(monitorModel)
    .map((d) => `SELECT '${d.name}' AS t, count(*) || ':' || coalesce(bit_xor(hash(x)), 0) AS c FROM "${d.name}" x WHERE "${CUSTOMER_COLUMN}" = $1`)
    .join('\nUNION ALL\n');
  const out: Record<string, string> = {};
  for (const [t, c] of await rows(store, sql, [customerId])) out[String(t)] = String(c);
  return out;
}

export const ms = (micros: RowValue): number => Number(BigInt(micros as bigint) / 1000n);
