// PostgreSQL's text output turned into the RowValue contract of store.ts, the same values DuckDB's
// reader gives: 64-bit integers as bigint, instants as microseconds since the epoch (bigint, UTC),
// UUIDs as lower-case strings, other numbers as numbers. Parsers apply to our queries only (passed
// per query), never installed globally in `pg`.
import pg from 'pg';
import type { RowValue } from '../store.js';

const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  float4: 700,
  float8: 701,
  numeric: 1700,
  timestamp: 1114,
  timestamptz: 1184,
  date: 1082,
} as const;

/** `2025-02-11 00:00:00`, `2025-02-11 08:13:46.247`, with `+00` for timestamptz (the session runs in UTC). */
const INSTANT = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:[+-]00(?::?00)?)?$/;

export function parseInstant(text: string): bigint {
  const m = INSTANT.exec(text);
  if (m === null) throw new Error(`unexpected timestamp text from PostgreSQL: ${text}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  return BigInt(ms) * 1000n + BigInt(fraction);
}

function parseNumber(text: string): number {
  // float8 text says Infinity/-Infinity/NaN, which Number() reads.
  return Number(text);
}

const parsers = new Map<number, (text: string) => RowValue>([
  [OID.bool, (t) => t === 't'],
  [OID.int8, (t) => BigInt(t)],
  [OID.int2, parseNumber],
  [OID.int4, parseNumber],
  [OID.float4, parseNumber],
  [OID.float8, parseNumber],
  [OID.numeric, parseNumber],
  [OID.timestamp, parseInstant],
  [OID.timestamptz, parseInstant],
]);

/** The `types` option of a pg query: our parsers, and text as is for every other type (UUIDs, strings, dates). */
export const rowValueTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => RowValue {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary') as (value: string) => RowValue;
    return parsers.get(oid) ?? ((text: string) => text);
  },
};

/** What pg sends for a parameter: bigints as their digits (pg would otherwise refuse them). */
export function parameterValue(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
