// PostgreSQL's text output turned into the RowValue contract of store.ts, the same values DuckDB's
// reader gives: 64-bit integers as bigint, instants as microseconds since the epoch (bigint, UTC),
// UUIDs as lower-case strings, other numbers as numbers. Parsers apply to our queries only (passed
// per query), never installed globally in `pg`.
import pg from 'pg';
import { daysFromCivil } from '../../edm/date-time.js';
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

const MICROS_PER_DAY = 86_400_000_000;
const DIGIT_0 = 48;

/** Two decimal digits at `at`, or NaN. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - DIGIT_0;
  const b = text.charCodeAt(at + 1) - DIGIT_0;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * The common shape, `YYYY-MM-DD hh:mm:ss[.ffffff][+00]`, read digit by digit: a page holds
 * thousands of instants, and the regular expression, Date.UTC and BigInt arithmetic cost about
 * 2 ms a page. Undefined for any other shape (the regular expression then reads it).
 */
function fastInstant(text: string): bigint | undefined {
  const n = text.length;
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const seconds = twoDigits(text, 11) * 3600 + twoDigits(text, 14) * 60 + twoDigits(text, 17);
  let at = 19;
  let fraction = 0;
  if (at < n && text.charCodeAt(at) === 46) {
    let scale = 100_000;
    for (at++; at < n && scale >= 1; at++, scale /= 10) {
      const d = text.charCodeAt(at) - DIGIT_0;
      if (d < 0 || d > 9) break;
      fraction += d * scale;
    }
    if (at === 20) return undefined;
  }
  // A timestamptz in a UTC session ends in +00.
  if (at < n && !(n - at === 3 && text.endsWith('+00'))) return undefined;
  const micros = daysFromCivil(year, month, day) * MICROS_PER_DAY + seconds * 1_000_000 + fraction;
  return Number.isSafeInteger(micros) && month >= 1 && month <= 12 && day >= 1 && day <= 31 ? BigInt(micros) : undefined;
}

/** Recently read instants: a page repeats few of them (one SummaryDate per hour, one CreatedDate per rollup). */
const instants = new Map<string, bigint>();
const MAX_INSTANTS = 4096;

export function parseInstant(text: string): bigint {
  let known = instants.get(text);
  if (known === undefined) {
    known = fastInstant(text) ?? slowInstant(text);
    if (instants.size >= MAX_INSTANTS) instants.clear();
    instants.set(text, known);
  }
  return known;
}

function slowInstant(text: string): bigint {
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

/** int2 and int4 text: digits with an optional minus, read without Number()'s general grammar. */
function parseInteger(text: string): number {
  const negative = text.charCodeAt(0) === 45;
  let value = 0;
  for (let i = negative ? 1 : 0; i < text.length; i++) value = value * 10 + (text.charCodeAt(i) - DIGIT_0);
  return negative ? -value : value;
}

const parsers = new Map<number, (text: string) => RowValue>([
  [OID.bool, (t) => t === 't'],
  [OID.int8, (t) => BigInt(t)],
  [OID.int2, parseInteger],
  [OID.int4, parseInteger],
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
