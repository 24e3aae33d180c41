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
import { createIndexSql, ensureMonthlyPartitions, postgresIndexes } from './physical-design.js';
import type { PostgresStore } from './postgres-store.js';

export interface LoadProgress {
  readonly table: string;
  readonly tables: number;
  readonly done: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** From this many rows on, an empty table is filled without its indexes and they are built after. */
const BULK_ROWS = 100_000;

/**
 * Fills an empty table with its key constraint and indexes dropped, then builds them once by
 * sorting: keeping a B-tree keyed by random UUIDs up to date row by row made loading 51.8 M raw
 * samples take most of an hour. A table that already holds rows is filled as it is.
 */
async function fillWithoutIndexes(target: PostgresStore, table: string, model: Model, fill: () => Promise<void>): Promise<void> {
  const holdsRows = await target.write({ sql: `SELECT EXISTS (SELECT 1 FROM ${quote(table)})`, parameters: [] });
  if (holdsRows.rows[0]![0] === true) return fill();
  const constraints = await target.write({
    sql: `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u')`,
    parameters: [quote(table)],
  });
  const indexes = postgresIndexes(model).filter((index) => index.table === table);
  for (const index of indexes) await target.execute(`DROP INDEX IF EXISTS ${quote(index.name)}`);
  for (const [name] of constraints.rows) await target.execute(`ALTER TABLE ${quote(table)} DROP CONSTRAINT ${quote(String(name))}`);
  await fill();
  await target.execute(`SET maintenance_work_mem = '512MB'`);
  for (const [name, definition] of constraints.rows) await target.execute(`ALTER TABLE ${quote(table)} ADD CONSTRAINT ${quote(String(name))} ${String(definition)}`);
  for (const index of indexes) await target.execute(createIndexSql(index));
  await target.execute('RESET maintenance_work_mem');
}
const META_COLUMNS = ['customer_id', 'schema_version', 'seed', 'machines', 'days', 'end_date', 'generated_at'];

/**
 * Copies every table (only `customerId`'s rows when given) from the DuckDB store into the
 * PostgreSQL store, whose schema must exist, then refreshes the planner's statistics of the tables.
 * One transaction: a load that dies half-way (killed, disk full) leaves nothing of itself behind,
 * and the next one starts from the state before it.
 */
export async function loadFromDuckDb(
  source: DuckDbStore,
  target: PostgresStore,
  options: { customerId?: string; model?: Model; onProgress?: (p: LoadProgress) => void; /** See BULK_ROWS. */ bulkRows?: number } = {},
): Promise<void> {
  const model = options.model ?? monitorModel;
  const tables: LoadTable[] = [
    ...tableDefs(model, postgresDialect).map((d) => ({ name: d.name, columns: d.columns.map((c) => c.name), customerColumn: CUSTOMER_COLUMN, partitionColumn: d.partitionColumn })),
    { name: META_TABLE, columns: META_COLUMNS, customerColumn: 'customer_id' },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-load-'));
  try {
    await target.transaction(() => copyTables(source, target, tables, dir, model, options));
    options.onProgress?.({ table: '', tables: tables.length, done: tables.length });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface LoadTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly customerColumn: string;
  readonly partitionColumn?: string;
}

async function copyTables(
  source: DuckDbStore,
  target: PostgresStore,
  tables: readonly LoadTable[],
  dir: string,
  model: Model,
  options: { customerId?: string; onProgress?: (p: LoadProgress) => void; bulkRows?: number },
): Promise<void> {
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
    const rows = Number((await source.query({ sql: `SELECT count(*) FROM ${quote(table.name)}${where}`, parameters: [] })).rows[0]![0]);
    const copy = () => target.copyIn(`COPY ${quote(table.name)} (${columns}) FROM STDIN (FORMAT csv, NULL '\\N')`, createReadStream(file));
    if (rows >= (options.bulkRows ?? BULK_ROWS) && table.name !== META_TABLE) await fillWithoutIndexes(target, table.name, model, copy);
    else await copy();
    rmSync(file, { force: true });
    done++;
  }
  // Statistics of the new rows, so that the first queries already plan index ranges.
  await target.execute(`ANALYZE ${tables.map((t) => quote(t.name)).join(', ')}`);
}
