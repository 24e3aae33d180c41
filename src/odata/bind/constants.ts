// Constants of the bound tree: literal tokens turned into typed values, and conversions between
// numeric types (and date → DateTimeOffset) folded at bind time instead of left to SQL.
import type { EdmPrimitive } from '../../model/types.js';
import { semanticError } from '../errors.js';
import type { LiteralToken } from '../parse/syntax.js';
import { assertNever, type BoundExpr, type ConstantValue } from './semantic.js';

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

export function constantOf(token: LiteralToken): BoundExpr {
  switch (token.type) {
    case 'null':
      return { kind: 'constant', type: null, value: null };
    case 'boolean':
      return { kind: 'constant', type: 'Edm.Boolean', value: token.value };
    case 'integer':
      return token.value >= INT32_MIN && token.value <= INT32_MAX
        ? { kind: 'constant', type: 'Edm.Int32', value: Number(token.value) }
        : { kind: 'constant', type: 'Edm.Int64', value: token.value };
    case 'decimal':
      return { kind: 'constant', type: 'Edm.Decimal', value: token.value };
    case 'double':
      return { kind: 'constant', type: 'Edm.Double', value: token.value };
    case 'string':
      // PostgreSQL text cannot hold U+0000 (nor can SQL Server's reference data): no row could match it.
      if (token.value.includes('\u0000')) throw semanticError(`The string literal at position ${token.span.start} contains the character U+0000 (%00), which no stored text can hold.`, token.span);
      return { kind: 'constant', type: 'Edm.String', value: token.value };
    case 'guid':
      return { kind: 'constant', type: 'Edm.Guid', value: token.value };
    case 'dateTimeOffset':
      return { kind: 'constant', type: 'Edm.DateTimeOffset', value: token.epochMicros };
    case 'date':
      return { kind: 'constant', type: 'Edm.Date', value: isoDate(token.year, token.month, token.day) };
    case 'timeOfDay':
      return { kind: 'constant', type: 'Edm.TimeOfDay', value: token.micros };
    case 'duration':
      return { kind: 'constant', type: 'Edm.Duration', value: token.micros };
    default:
      return assertNever(token);
  }
}

export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Microseconds since the epoch of midnight UTC starting an ISO date (`YYYY-MM-DD`). */
export function dateStartMicros(isoDay: string): bigint {
  const [y, m, d] = isoDay.split('-').map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  date.setUTCHours(0, 0, 0, 0);
  return BigInt(date.getTime()) * 1000n;
}

export const MICROS_PER_DAY = 86_400_000_000n;

function toNumber(value: ConstantValue): number {
  return Number(value);
}

/** A constant of `to`; conversions that cannot be folded stay as an explicit cast node. */
export function convertConstant(value: ConstantValue, from: EdmPrimitive | null, to: EdmPrimitive): BoundExpr {
  if (value === null) return { kind: 'constant', type: to, value: null };
  switch (to) {
    case 'Edm.Byte':
    case 'Edm.Int16':
    case 'Edm.Int32':
      if (from === 'Edm.Double' || from === 'Edm.Decimal') return cast(value, from, to);
      return { kind: 'constant', type: to, value: toNumber(value) };
    case 'Edm.Int64':
      if (from === 'Edm.Double' || from === 'Edm.Decimal') return cast(value, from, to);
      return { kind: 'constant', type: to, value: typeof value === 'bigint' ? value : BigInt(toNumber(value)) };
    case 'Edm.Double':
      return { kind: 'constant', type: to, value: toNumber(value) };
    case 'Edm.Decimal':
      return { kind: 'constant', type: to, value: String(value) };
    case 'Edm.DateTimeOffset':
      if (from === 'Edm.Date' && typeof value === 'string') return { kind: 'constant', type: to, value: dateStartMicros(value) };
      return cast(value, from, to);
    default:
      return cast(value, from, to);
  }
}

function cast(value: ConstantValue, from: EdmPrimitive | null, to: EdmPrimitive): BoundExpr {
  return { kind: 'cast', operand: { kind: 'constant', type: from, value }, type: to, lenient: false };
}
