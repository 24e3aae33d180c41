// The few constructs of the rollup statements (rollups.ts) that DuckDB and PostgreSQL spell
// differently. Each PostgreSQL spelling computes exactly what DuckDB's does, down to DuckDB's
// rounding rules and its hash function, so that both engines write bit-identical summaries.
import { duckDbDialect, postgresDialect, type SqlDialect } from './dialect.js';
import type { Store } from './store.js';

export type RollupEngine = Store['engine'];

export interface RollupDialect {
  readonly engine: RollupEngine;
  /** Type names of the typed NULLs insertSelectSql() writes. */
  readonly sql: SqlDialect;
  /** The 8-byte floating-point type, for casts. */
  readonly double: string;
  /**
   * Whether `ASOF LEFT JOIN` exists. Without it, the session counts carried into each hour are a
   * running sum over the hours (a correlated "latest event before" lookup per hour would do one
   * index probe per hour and key).
   */
  readonly asofJoin: boolean;
  /** Statements that replace temporary table `name` by the rows of `select`, joined with `;\n`. */
  createTemp(name: string, select: string): string;
  dropTemp(name: string): string;
  /** Session settings for the recomputation, and the statements that undo them. */
  readonly settings: readonly string[];
  readonly resetSettings: readonly string[];
  /** Statements run before the temporary tables are created. */
  readonly helpers: readonly string[];
  /** Statements that drop what `helpers` created. */
  readonly dropHelpers: readonly string[];
  /** An INTERVAL of `minutes` (an integer expression) minutes. */
  minutes(minutes: string): string;
  /** Milliseconds since the epoch of a TIMESTAMP, truncated like DuckDB's epoch_ms(). */
  epochMs(timestamp: string): string;
  /** One row per instant from `from` (inclusive) to `to` (exclusive), a select-list set-returning call. */
  series(from: string, to: string, step: 'hour' | 'day'): string;
  /**
   * An exact DECIMAL sum of doubles, each first rounded to 6 decimals the way DuckDB casts a
   * DOUBLE to DECIMAL(38,6): times 10^6 in double precision, then rounded half away from zero.
   */
  exactSum(double: string): string;
  /** An integer sum divided by an integer count, rounded half away from zero (NULL for no count). */
  roundedMean(sum: string, count: string): string;
  /** A cheap grouping key for the hour of a TIMESTAMP, and the hour's TIMESTAMP from that key. */
  hourKey(timestamp: string): string;
  hourOfKey(key: string): string;
  /** The INTERVAL (whole milliseconds, under a minute) a row's stamp is offset by: DuckDB's hash of the interval. */
  stampJitter(startMs: string, granularity: string): string;
}

const HOUR_MS = 3_600_000;

export const duckDbRollups: RollupDialect = {
  engine: 'duckdb',
  sql: duckDbDialect,
  double: 'DOUBLE',
  asofJoin: true,
  createTemp: (name, select) => `CREATE OR REPLACE TEMP TABLE ${name} AS\n${select}`,
  dropTemp: (name) => `DROP TABLE IF EXISTS temp.${name}`,
  // Rows written earlier in the same transaction have no statistics; keep DuckDB from turning the
  // ASOF join into a nested-loop join on the strength of a near-zero estimate.
  settings: ['SET asof_loop_join_threshold = 0'],
  resetSettings: ['RESET asof_loop_join_threshold'],
  helpers: [],
  dropHelpers: [],
  minutes: (m) => `to_minutes(${m})`,
  epochMs: (t) => `epoch_ms(${t})`,
  series: (from, to, step) => `unnest(range(${from}, ${to}, INTERVAL 1 ${step.toUpperCase()}))`,
  exactSum: (x) => `sum(${x}::DECIMAL(38,6))`,
  roundedMean: (sum, count) => `round(${sum} / nullif(${count}, 0))`,
  // Grouping by an integer hour number is cheaper than by a truncated timestamp.
  hourKey: (t) => `epoch_ms(${t}) // ${HOUR_MS}`,
  hourOfKey: (k) => `make_timestamp(${k} * ${HOUR_MS * 1000})`,
  stampJitter: (startMs, g) => `to_milliseconds((hash(${startMs}, ${g}) % 60000)::BIGINT)`,
};

const TWO_32 = '4294967296';
const TWO_64 = '18446744073709551616';
/** The multiplier of DuckDB's MurmurHash64 finaliser, 0xd6e8feb86659fd93. */
const MURMUR_MULTIPLIER = '15485907386658061715';

/**
 * DuckDB's `hash(BIGINT, INTEGER)` on unsigned 64-bit values held in NUMERIC (PostgreSQL has no
 * wrapping 64-bit multiply): MurmurHash64 of each argument, then CombineHashScalar
 * (`((a ^ a >> 32) * m) ^ b`). Temporary functions: they vanish with the session.
 */
const POSTGRES_HASH_FUNCTIONS: readonly (readonly [signature: string, body: string])[] = [
  ['_r_xorshift(x NUMERIC)', `x - mod(x, ${TWO_32}) + (mod(x, ${TWO_32})::BIGINT # div(x, ${TWO_32})::BIGINT)`],
  ['_r_multiply(x NUMERIC)', `mod(x * ${MURMUR_MULTIPLIER}, ${TWO_64})`],
  ['_r_xor(a NUMERIC, b NUMERIC)', `(div(a, ${TWO_32})::BIGINT # div(b, ${TWO_32})::BIGINT)::NUMERIC * ${TWO_32} + (mod(a, ${TWO_32})::BIGINT # mod(b, ${TWO_32})::BIGINT)`],
  ['_r_murmur(x NUMERIC)', 'pg_temp._r_xorshift(pg_temp._r_multiply(pg_temp._r_xorshift(pg_temp._r_multiply(pg_temp._r_xorshift(x)))))'],
  [
    '_r_duckdb_hash(a BIGINT, b INTEGER)',
    `pg_temp._r_xor(pg_temp._r_multiply(pg_temp._r_xorshift(pg_temp._r_murmur(mod(a + ${TWO_64}, ${TWO_64})))), pg_temp._r_murmur(mod(b + ${TWO_32}, ${TWO_32})))`,
  ],
];

/** `v` rounded half away from zero, in double precision (round() on a double rounds half to even). */
function roundHalfAway(v: string): string {
  // v - trunc(v) is exact, and so is twice it: the second trunc is 1 (or -1) from one half on.
  return `(trunc(${v}) + trunc(2 * (${v} - trunc(${v}))))`;
}

export const postgresRollups: RollupDialect = {
  engine: 'postgres',
  sql: postgresDialect,
  double: 'DOUBLE PRECISION',
  asofJoin: false,
  // Temporary tables are never analysed automatically, and the planner needs their sizes.
  createTemp: (name, select) => `DROP TABLE IF EXISTS pg_temp.${name};\nCREATE TEMP TABLE ${name} AS\n${select};\nANALYZE ${name}`,
  dropTemp: (name) => `DROP TABLE IF EXISTS pg_temp.${name}`,
  // Joins on (granularity, start) multiply two selectivities and expect a handful of rows where
  // there are thousands, and a nested loop over such a "handful" rescans a whole working table per
  // row (measured: 6 s instead of 0.1 s for 200 machines x 30 days); all joins here are equi-joins
  // but the cross joins and machines x intervals, which stay nested loops. JIT spends seconds per
  // statement compiling, more than it saves on a one-day recompute. work_mem: sorts and hashes of
  // millions of groups stay in memory.
  settings: ['SET enable_nestloop = off', "SET work_mem = '256MB'", 'SET jit = off'],
  resetSettings: ['RESET enable_nestloop', 'RESET work_mem', 'RESET jit'],
  helpers: POSTGRES_HASH_FUNCTIONS.map(
    ([signature, body]) => `CREATE OR REPLACE FUNCTION pg_temp.${signature} RETURNS NUMERIC LANGUAGE sql IMMUTABLE AS $$SELECT ${body}$$`,
  ),
  dropHelpers: POSTGRES_HASH_FUNCTIONS.map(([signature]) => `DROP FUNCTION IF EXISTS pg_temp.${signature}`),
  minutes: (m) => `make_interval(mins => ${m})`,
  epochMs: (t) => `trunc(extract(epoch FROM ${t}) * 1000)::BIGINT`,
  // generate_series includes its end; timestamps have microsecond precision.
  series: (from, to, step) => `generate_series(${from}, ${to} - INTERVAL '1 microsecond', INTERVAL '1 ${step}')`,
  // Summed as scaled integers (an int128 accumulator) and scaled back once per group; values must
  // stay below 9.2e12 in magnitude (BIGINT after scaling), DuckDB's limit is 1e32.
  exactSum: (x) => `(sum(${roundHalfAway(`(${x} * 1000000::DOUBLE PRECISION)`)}::BIGINT) * 0.000001)`,
  roundedMean: (sum, count) => `round(${sum}::NUMERIC / nullif(${count}, 0))`,
  hourKey: (t) => `date_trunc('hour', ${t})`,
  hourOfKey: (k) => k,
  stampJitter: (startMs, g) => `mod(pg_temp._r_duckdb_hash(${startMs}, ${g}), 60000)::INTEGER * INTERVAL '1 millisecond'`,
};

export function rollupDialect(engine: RollupEngine): RollupDialect {
  return engine === 'postgres' ? postgresRollups : duckDbRollups;
}
