// PostgreSQL's physical design, derived from the model like the tables themselves: the key
// constraint, the indexes that serve each entity set's default keyset order and Citrix's indexed
// filter fields, and monthly range partitions for the time series, so that a page or a date
// filter reads an index range and retention drops whole months. DuckDB has none of this (it skips
// storage blocks by min/max instead), so nothing here reaches its DDL.
import { createHash } from 'node:crypto';
import { sqlTimestampText } from '../../edm/date-time.js';
import { CUSTOMER_COLUMN, monitorModel, tableOf, type Model } from '../../model/model.js';
import type { EntitySetDef, EntityTypeDef } from '../../model/types.js';
import type { Store } from '../store.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

// --- monthly partitions ----------------------------------------------------------------------

/**
 * Raw samples whose order is a surrogate id but which grow like ResourceUtilization; they are
 * partitioned by their indexed time column. Every other partitioned set qualifies by its order.
 */
const SAMPLES_ORDERED_BY_ID: readonly string[] = ['SessionMetrics'];

/**
 * The column a set's table is range-partitioned on by month, or undefined. The one place that
 * decides which tables are partitioned: every set whose default order leads with a
 * DateTimeOffset (the raw samples and their summaries: ResourceUtilization, ResourceUtilizationSummary,
 * MachineMetric, MachineMetricSummary, ProcessUtilization and its three summaries,
 * AutoScalePredictions, MachineCostSavingsSummaries), and SAMPLES_ORDERED_BY_ID by their indexed
 * DateTimeOffset (SessionMetrics by CollectedDate).
 */
export function monthlyPartitionColumn(model: Model, set: EntitySetDef): string | undefined {
  const type = model.entityType(set.entityType);
  const isInstant = (name: string | undefined) => type.properties.some((p) => p.name === name && p.type === 'Edm.DateTimeOffset');
  if (isInstant(set.order[0])) return set.order[0];
  if (!SAMPLES_ORDERED_BY_ID.includes(set.name)) return undefined;
  const column = set.indexedFields.find(isInstant);
  if (column === undefined) throw new Error(`${set.name} is to be partitioned by month but has no indexed DateTimeOffset field`);
  return column;
}

/** Derived once per model: the compiler asks on every request. */
function perModel<T>(derive: (model: Model) => T): (model?: Model) => T {
  const derived = new WeakMap<Model, T>();
  return (model = monitorModel) => {
    if (!derived.has(model)) derived.set(model, derive(model));
    return derived.get(model)!;
  };
}

/** Partitioned tables and their partition column, in the model's set order. */
export const monthlyPartitionedTables: (model?: Model) => ReadonlyMap<string, string> = perModel((model) => {
  const tables = new Map<string, string>();
  for (const set of model.sets) {
    const column = monthlyPartitionColumn(model, set);
    if (column !== undefined) tables.set(tableOf(model, set.entityType), column);
  }
  return tables;
});

/** The partition column of the table that holds `type`'s rows, when that table is partitioned. */
export function partitionColumnOfType(model: Model, type: EntityTypeDef): string | undefined {
  return monthlyPartitionedTables(model).get(tableOf(model, type.name));
}

function partitionColumnOf(table: string, model: Model): string {
  const column = monthlyPartitionedTables(model).get(table);
  if (column === undefined) throw new Error(`table ${table} is not partitioned by month`);
  return column;
}

/** `CREATE TABLE ... (...)` continues with this for a partitioned table. */
export function partitionClause(column: string): string {
  return ` PARTITION BY RANGE (${quote(column)})`;
}

/**
 * `statements` as one PL/pgSQL block (one transaction) that does nothing when `table` is not
 * partitioned: a database created before tables were partitioned keeps its plain tables (and
 * still gets the indexes) rather than failing every ensureSchema.
 */
function ifPartitioned(table: string, statements: readonly string[], otherwise: readonly string[] = []): string {
  const partitioned = `EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('${quote(table).replaceAll("'", "''")}'))`;
  const block = (list: readonly string[]) => list.map((s) => `${s};\n`).join('');
  return `DO $$ BEGIN IF ${partitioned} THEN\n${block(statements)}${otherwise.length > 0 ? `ELSE\n${block(otherwise)}` : ''}END IF; END $$`;
}

/** The catch-all partition: a row whose month has no partition (or that has no time) lands here rather than being refused. */
function defaultPartitionSql(table: string): string {
  return ifPartitioned(table, [`CREATE TABLE IF NOT EXISTS ${quote(`${table}_default`)} PARTITION OF ${quote(table)} DEFAULT`]);
}

interface Month {
  readonly name: string;
  readonly start: bigint;
  readonly end: bigint;
}

const MICROS_PER_MS = 1000n;

function monthStartMicros(year: number, month: number): bigint {
  return BigInt(Date.UTC(year, month, 1)) * MICROS_PER_MS;
}

/** The month an instant falls in (UTC), named `YYYYMM`. */
function monthOf(micros: bigint): Month {
  const ms = micros / MICROS_PER_MS - (micros < 0n && micros % MICROS_PER_MS !== 0n ? 1n : 0n);
  const date = new Date(Number(ms));
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  return { name: `${String(year).padStart(4, '0')}${String(month + 1).padStart(2, '0')}`, start: monthStartMicros(year, month), end: monthStartMicros(year, month + 1) };
}

/** More months than this in one call is a stray timestamp, not a time series: its rows can wait in the DEFAULT partition. */
const MAX_MONTHS_PER_CALL = 1200;

/** Serialises partition changes between processes loading into one database at once. */
const PARTITION_LOCK = 0x6d6f6e70;

/**
 * Creates the monthly partitions of `table` that cover `fromMicros` to `toMicros` (both included)
 * and do not exist yet, named `<table>_pYYYYMM`. Rows that had already landed in the DEFAULT
 * partition for such a month move into the new partition (PostgreSQL refuses to create a
 * partition whose rows the default holds). One transaction, on the write connection.
 */
export async function ensureMonthlyPartitions(store: Pick<Store, 'execute'>, table: string, fromMicros: bigint, toMicros: bigint, model: Model = monitorModel): Promise<void> {
  const column = quote(partitionColumnOf(table, model));
  if (toMicros < fromMicros) throw new RangeError(`empty range for ${table}: ${fromMicros} > ${toMicros}`);
  const months: Month[] = [];
  for (let month = monthOf(fromMicros); month.start <= toMicros; month = monthOf(month.end)) {
    months.push(month);
    if (months.length > MAX_MONTHS_PER_CALL) throw new RangeError(`${table}: more than ${MAX_MONTHS_PER_CALL} months from ${sqlTimestampText(fromMicros)} to ${sqlTimestampText(toMicros)}`);
  }
  const parent = quote(table);
  const fallback = quote(`${table}_default`);
  const moving = quote('_partition_rows');
  const statements = [`PERFORM pg_advisory_xact_lock(${PARTITION_LOCK})`];
  for (const month of months) {
    const range = `${column} >= '${sqlTimestampText(month.start)}' AND ${column} < '${sqlTimestampText(month.end)}'`;
    statements.push(
      // Usually empty: the default partition holds rows only of months nobody created.
      `CREATE TEMP TABLE ${moving} AS SELECT * FROM ${fallback} WHERE ${range}`,
      `DELETE FROM ${fallback} WHERE ${range}`,
      `CREATE TABLE IF NOT EXISTS ${quote(`${table}_p${month.name}`)} PARTITION OF ${parent} FOR VALUES FROM ('${sqlTimestampText(month.start)}') TO ('${sqlTimestampText(month.end)}')`,
      `INSERT INTO ${parent} SELECT * FROM ${moving}`,
      `DROP TABLE ${moving}`,
    );
  }
  await store.execute(ifPartitioned(table, statements));
}

/**
 * Retention: drops the monthly partitions of `table` for the months before the one `beforeMicros`
 * falls in, and deletes the DEFAULT partition's rows from before that month too, so exactly the
 * rows before it are gone (from a table that predates partitioning, they are deleted). Returns
 * the partitions dropped.
 */
export async function dropPartitionsBefore(store: Pick<Store, 'query' | 'execute'>, table: string, beforeMicros: bigint, model: Model = monitorModel): Promise<string[]> {
  const column = quote(partitionColumnOf(table, model));
  const cutoff = sqlTimestampText(monthOf(beforeMicros).start);
  // By bound, not by name: whatever covers only earlier instants goes (the DEFAULT partition has no TO bound).
  const result = await store.query({
    sql: `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1) AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamp <= CAST($2 AS TIMESTAMP)
      ORDER BY 1`,
    parameters: [quote(table), cutoff],
  });
  const dropped = result.rows.map((r) => String(r[0]));
  const statements = dropped.map((name) => `DROP TABLE IF EXISTS ${quote(name)}`);
  statements.push(`DELETE FROM ${quote(`${table}_default`)} WHERE ${column} < '${cutoff}'`);
  await store.execute(ifPartitioned(table, statements, [`DELETE FROM ${quote(table)} WHERE ${column} < '${cutoff}'`]));
  return dropped;
}

// --- key and indexes -------------------------------------------------------------------------

export interface KeyConstraint {
  readonly kind: 'PRIMARY KEY' | 'UNIQUE';
  readonly columns: readonly string[];
}

/**
 * The tenant column and the entity key. PostgreSQL enforces uniqueness on a partitioned table
 * only through constraints that contain the partition column, so it joins the key where it is not
 * part of it already; a nullable one cannot be in a primary key (that would refuse rows without a
 * time, which belong to the DEFAULT partition), so such a key is declared UNIQUE instead.
 */
export function keyConstraint(type: EntityTypeDef, partitionColumn: string | undefined): KeyConstraint {
  const columns = [CUSTOMER_COLUMN, ...type.key];
  if (partitionColumn === undefined || type.key.includes(partitionColumn)) return { kind: 'PRIMARY KEY', columns };
  const nullable = type.properties.find((p) => p.name === partitionColumn)?.nullable ?? true;
  return { kind: nullable ? 'UNIQUE' : 'PRIMARY KEY', columns: [...columns, partitionColumn] };
}

/**
 * Columns that can never be NULL in PostgreSQL's table of `type`: NOT NULL ones and those of a
 * primary key (which implies NOT NULL).
 */
function notNullColumns(model: Model, type: EntityTypeDef): ReadonlySet<string> {
  const key = keyConstraint(type, partitionColumnOfType(model, type));
  const columns = new Set([CUSTOMER_COLUMN, ...type.properties.filter((p) => !p.nullable).map((p) => p.name)]);
  if (key.kind === 'PRIMARY KEY') for (const c of key.columns) columns.add(c);
  return columns;
}

/**
 * Per table, the columns that cannot be NULL. The PostgreSQL compiler writes their ORDER BY
 * without a NULLS placement (both placements sort them alike), and indexes declare them in the
 * B-tree's default placement, so the two always agree (see orderedIndexColumn).
 */
export const notNullColumnsByTable: (model?: Model) => ReadonlyMap<string, ReadonlySet<string>> = perModel(
  (model) => new Map([...model.types.values()].map((t) => [tableOf(model, t.name), notNullColumns(model, t)])),
);

export interface IndexColumn {
  readonly name: string;
  /**
   * Nullable columns are indexed NULLS FIRST: read forward that is the compiler's ascending
   * order (nulls first, as SQL Server sorts), read backward its descending one (nulls last).
   * A B-tree's default (NULLS LAST) would serve neither, and PostgreSQL matches an index to an
   * ORDER BY by placement as well, then sorts the whole range instead.
   */
  readonly nullsFirst: boolean;
}

export interface IndexDef {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly IndexColumn[];
}

/** The index column for `name` as the compiler orders it (see IndexColumn.nullsFirst). */
function orderedIndexColumn(notNull: ReadonlySet<string>, name: string): IndexColumn {
  return { name, nullsFirst: !notNull.has(name) };
}

const MAX_IDENTIFIER_BYTES = 63;

/** `<table>_<suffix>`, or, where PostgreSQL would truncate that, its head and a hash of the whole. */
export function indexName(table: string, suffix: string): string {
  const full = `${table}_${suffix}`;
  if (Buffer.byteLength(full) <= MAX_IDENTIFIER_BYTES) return full;
  const hash = createHash('sha1').update(full).digest('hex').slice(0, 8);
  let head = full.slice(0, MAX_IDENTIFIER_BYTES - hash.length - 1);
  while (Buffer.byteLength(head) > MAX_IDENTIFIER_BYTES - hash.length - 1) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/** Whether an index on `columns` would read what `existing` already reads, in the same order. */
function isPrefixOf(columns: readonly IndexColumn[], existing: readonly IndexColumn[]): boolean {
  return columns.length <= existing.length && columns.every((c, i) => c.name === existing[i]!.name && c.nullsFirst === existing[i]!.nullsFirst);
}

/**
 * Per entity set: `(_customer_id, <order>)` for its default keyset order, then
 * `(_customer_id, <field>)` for each of its indexed filter fields; an index whose columns lead an
 * index already there (the key constraint's first) is left out.
 */
export function postgresIndexes(model: Model = monitorModel): readonly IndexDef[] {
  const indexes: IndexDef[] = [];
  const seen = new Set<string>();
  for (const set of model.sets) {
    const table = tableOf(model, set.entityType);
    if (seen.has(table)) continue;
    seen.add(table);
    const type = model.entityType(set.entityType);
    const notNull = notNullColumnsByTable(model).get(table)!;
    for (const field of [...set.order, ...set.indexedFields]) {
      if (!type.properties.some((p) => p.name === field)) throw new Error(`${set.name}: ${field} is not a property of ${type.name}`);
    }
    const key = keyConstraint(type, partitionColumnOfType(model, type));
    // The constraint's index has the default placement everywhere.
    const present: (readonly IndexColumn[])[] = [key.columns.map((name) => ({ name, nullsFirst: false }))];
    const candidates = [
      { suffix: 'order', columns: set.order },
      ...set.indexedFields.map((field) => ({ suffix: `by_${field}`, columns: [field] })),
    ];
    for (const candidate of candidates) {
      const columns = [CUSTOMER_COLUMN, ...candidate.columns].map((c) => orderedIndexColumn(notNull, c));
      if (present.some((p) => isPrefixOf(columns, p))) continue;
      present.push(columns);
      indexes.push({ name: indexName(table, candidate.suffix), table, columns });
    }
  }
  return indexes;
}

export function createIndexSql(index: IndexDef): string {
  const columns = index.columns.map((c) => `${quote(c.name)}${c.nullsFirst ? ' NULLS FIRST' : ''}`);
  return `CREATE INDEX IF NOT EXISTS ${quote(index.name)} ON ${quote(index.table)} (${columns.join(', ')})`;
}

/** What ensureSchema adds for PostgreSQL after the tables: the DEFAULT partitions, then the indexes. */
export function physicalDesignStatements(model: Model = monitorModel): readonly string[] {
  return [...[...monthlyPartitionedTables(model).keys()].map(defaultPartitionSql), ...postgresIndexes(model).map(createIndexSql)];
}
