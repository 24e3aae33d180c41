// The summary rollups in PostgreSQL's SQL against DuckDB's: two fleets generated in DuckDB (the
// second with awkward raw values, see ROUGHEN) and summarised there are copied to PostgreSQL,
// whose summary rows are then deleted and recomputed there. Every summary row of every table must
// be the same on both engines, doubles and stamps included, bit for bit; the same after partial
// recomputes on both.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateFleet } from '../../src/generate/generate-fleet.js';
import { CUSTOMER_COLUMN, monitorModel } from '../../src/model/model.js';
import { ensureSchema, tableDefs, type TableDef } from '../../src/store/ddl.js';
import { postgresDialect } from '../../src/store/dialect.js';
import type { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { loadFromDuckDb } from '../../src/store/postgres/load-from-duckdb.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { recomputeRollups, rollupTables, type RollupRange } from '../../src/store/rollups.js';
import type { RowValue } from '../../src/store/store.js';
import { tempStore, type TempStore } from '../generate/fleet-fixture.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const END_MS = Date.UTC(2025, 4, 7);
const FLEETS = [
  { customerId: 'rollup-a', machines: 20, days: 3, seed: 11, end: '2025-05-07' },
  { customerId: 'rollup-b', machines: 8, days: 3, seed: 12, end: '2025-05-07' },
] as const;
const START_MS = END_MS - FLEETS[0].days * DAY;

/**
 * Raw values no generator writes but ingest may: doubles with many decimals, ties at the 7th
 * decimal (which DuckDB's DECIMAL cast rounds half away from zero), a few negatives, and instants
 * with microseconds (epoch milliseconds truncate them).
 */
const ROUGHEN = [
  `UPDATE "ResourceUtilization" SET
     "PercentCpu" = CASE WHEN epoch_ms("CollectedDate") // 300000 % 97 = 0 THEN -"PercentCpu" - 0.0000005
       ELSE "PercentCpu" + (epoch_ms("CollectedDate") // 300000 % 7) / 3 + 0.0000005 END,
     "UsedMemory" = "UsedMemory" + (epoch_ms("CollectedDate") // 300000 % 11) * 0.0000005 + 1 / 7,
     "TotalMemory" = "TotalMemory" - 0.0000015
   WHERE "${CUSTOMER_COLUMN}" = $1`,
  `UPDATE "MachineMetric" SET "Latency" = "Latency" + 1 / 3 + 0.0000005 WHERE "${CUSTOMER_COLUMN}" = $1`,
  `UPDATE "Sessions" SET "StartDate" = "StartDate" + INTERVAL 250 MICROSECONDS, "EndDate" = "EndDate" + INTERVAL 999 MICROSECONDS
   WHERE "${CUSTOMER_COLUMN}" = $1`,
  `UPDATE "Connections" SET "EstablishmentDate" = "EstablishmentDate" + INTERVAL 3 MICROSECONDS,
     "HdxEndDate" = "HdxEndDate" + INTERVAL 777 MICROSECONDS, "GpoStartDate" = "GpoStartDate" + INTERVAL 500 MICROSECONDS
   WHERE "${CUSTOMER_COLUMN}" = $1`,
];

const summaryTables: readonly TableDef[] = tableDefs(monitorModel).filter((d) => rollupTables().includes(d.name));

/** Every row of a summary table for one customer, in key order, all columns. */
function rowsSql(def: TableDef): string {
  const q = (name: string) => `"${name}"`;
  return `SELECT ${def.columns.map((c) => q(c.name)).join(', ')} FROM ${q(def.name)} WHERE ${q(CUSTOMER_COLUMN)} = $1 ORDER BY ${def.entityType.key.map(q).join(', ')}`;
}

async function rowsOf(store: DuckDbStore | PostgresStore, def: TableDef, customerId: string): Promise<readonly (readonly RowValue[])[]> {
  return (await store.query({ sql: rowsSql(def), parameters: [customerId] })).rows;
}

describe('summary rollups in PostgreSQL', () => {
  let duck: TempStore;
  let database: TestDatabase;
  let pg: PostgresStore;
  const seconds: Record<string, number> = {};
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    try {
      return await fn();
    } finally {
      seconds[label] = (seconds[label] ?? 0) + (performance.now() - began) / 1000;
    }
  };

  before(async () => {
    duck = await tempStore();
    for (const fleet of FLEETS) await timed('generate (DuckDB)', () => generateFleet(duck.store, fleet));
    const rough = FLEETS[1].customerId;
    await duck.store.transaction(async () => {
      for (const sql of ROUGHEN) await duck.store.execute(sql, [rough]);
      await recomputeRollups(duck.store, { customerId: rough, from: START_MS, to: END_MS });
    });
    database = await freshDatabase();
    pg = await openPostgresStore(database.url);
    await ensureSchema(pg, monitorModel, postgresDialect);
    await timed('load', () => loadFromDuckDb(duck.store, pg));
  });
  after(async () => {
    await pg?.close();
    await database?.drop();
    await duck?.close();
    console.log(`seconds: ${Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  });

  /** Asserts every summary row of both customers is the same on both engines; returns the row counts. */
  async function assertSameSummaries(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const def of summaryTables) {
      for (const { customerId } of FLEETS) {
        const [expected, actual] = await Promise.all([rowsOf(duck.store, def, customerId), rowsOf(pg, def, customerId)]);
        assert.equal(actual.length, expected.length, `${def.name} ${customerId}: row count`);
        for (let i = 0; i < expected.length; i++) {
          // Exact equality: doubles included (see rollup-dialect.ts).
          assert.deepStrictEqual(actual[i], expected[i], `${def.name} ${customerId} row ${i} (${def.columns.map((c) => c.name).join(', ')})`);
        }
        counts[def.name] = (counts[def.name] ?? 0) + expected.length;
      }
    }
    return counts;
  }

  async function recomputeBoth(range: Omit<RollupRange, 'customerId'>): Promise<void> {
    for (const { customerId } of FLEETS) {
      await timed('recompute (DuckDB)', () => duck.store.transaction(() => recomputeRollups(duck.store, { ...range, customerId })));
      await timed('recompute (PostgreSQL)', () => pg.transaction(() => recomputeRollups(pg, { ...range, customerId })));
    }
  }

  it('recomputes from the raw rows exactly the summaries DuckDB wrote', async () => {
    for (const table of rollupTables()) await pg.execute(`DELETE FROM "${table}"`);
    for (const { customerId } of FLEETS) {
      await timed('recompute (PostgreSQL)', () => pg.transaction(() => recomputeRollups(pg, { customerId, from: START_MS, to: END_MS })));
    }
    const counts = await assertSameSummaries();
    for (const def of summaryTables) assert.ok(counts[def.name]! > 0, `${def.name} has rows to compare`);
  });

  it('recomputes the last day like DuckDB, continuing the Id sequences', async () => {
    await recomputeBoth({ from: END_MS - DAY, to: END_MS });
    await assertSameSummaries();
  });

  it('recomputes a range starting mid-day with data ending mid-hour like DuckDB', async () => {
    await recomputeBoth({ from: END_MS - DAY - 3.5 * HOUR, to: END_MS, dataEnd: END_MS - 1.5 * HOUR });
    await assertSameSummaries();
  });
});
