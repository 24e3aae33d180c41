// Loads PostgreSQL from a DuckDB file: DuckDB writes each table as CSV (in parallel, natively), and
// the bytes stream into `COPY ... FROM STDIN` on PostgreSQL without passing through JS values. The
// generator builds fleets in DuckDB (its SQL generator is DuckDB's dialect), and this is how a
// fleet, or a whole file kept for years, moves to PostgreSQL. A partitioned table gets the monthly
// partitions its rows need first (else they would all pile into its DEFAULT partition).
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CUSTOMER_COLUMN, monitorModel, type Model } from '../../model/model.js';
import { META_TABLE, tableDefs } from '../ddl.js';
import { postgresDialect } from '../dialect.js';
import type { DuckDbStore } from '../duckdb/duckdb-store.js';
import { ensureMonthlyPartitions } from './physical-design.js';
import type { PostgresStore } from './postgres-store.js';

export interface LoadProgress {
  readonly table: string;
  readonly tables: number;
  readonly done: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const META_COLUMNS = ['customer_id', 'schema_version', 'seed', 'machines', 'days', 'end_date', 'generated_at'];

/**
 * Copies every table (only `customerId`'s rows when given) from the DuckDB store into the
 * PostgreSQL store, whose schema must exist, then refreshes the planner's statistics of the tables.
 */
export async function loadFromDuckDb(source: DuckDbStore, target: PostgresStore, options: { customerId?: string; model?: Model; onProgress?: (p: LoadProgress) => void } = {}): Promise<void> {
  const model = options.model ?? monitorModel;
  const tables: { name: string; columns: string[]; customerColumn: string; partitionColumn?: string }[] = [
    ...tableDefs(model, postgresDialect).map((d) => ({ name: d.name, columns: d.columns.map((c) => c.name), customerColumn: CUSTOMER_COLUMN, partitionColumn: d.partitionColumn })),
    { name: META_TABLE, columns: META_COLUMNS, customerColumn: 'customer_id' },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-load-'));
  try {
    let done = 0;
    for (const table of tables) {
      options.onProgress?.({ table: table.name, tables: tables.length, done });
      const file = join(dir, `${table.name}.csv`);
      const columns = table.columns.map(quote).join(', ');
      const where = options.customerId === undefined ? '' : ` WHERE ${quote(table.customerColumn)} = '${options.customerId.replaceAll("'", "''")}'`;
      if (table.partitionColumn !== undefined) {
        const time = quote(table.partitionColumn);
        const span = await source.query({ sql: `SELECT min(${time}), max(${time}) FROM ${quote(table.name)}${where}`, parameters: [] });
        const [from, to] = span.rows[0] ?? [];
        // No rows, or none with a time: nothing needs a month (rows without one go to DEFAULT).
        if (typeof from === 'bigint' && typeof to === 'bigint') await ensureMonthlyPartitions(target, table.name, from, to, model);
      }
      // `\N` marks NULL, so an empty string stays an empty string.
      await source.execute(`COPY (SELECT ${columns} FROM ${quote(table.name)}${where}) TO '${file.replaceAll("'", "''")}' (FORMAT CSV, HEADER false, NULLSTR '\\N')`);
      await target.copyIn(`COPY ${quote(table.name)} (${columns}) FROM STDIN (FORMAT csv, NULL '\\N')`, createReadStream(file));
      rmSync(file, { force: true });
      done++;
    }
    // Statistics of the new rows, so that the first queries already plan index ranges.
    await target.execute(`ANALYZE ${tables.map((t) => quote(t.name)).join(', ')}`);
    options.onProgress?.({ table: '', tables: tables.length, done });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
