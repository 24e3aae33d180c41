import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseInstant } from '../../src/store/postgres/pg-values.js';

/** Microseconds since the epoch by another route: Date.parse of the ISO form, plus the digits past the millisecond. */
function expected(date: string, time: string, fraction: string): bigint {
  const ms = Date.parse(`${date}T${time}.${fraction.slice(0, 3).padEnd(3, '0')}Z`);
  return BigInt(ms) * 1000n + BigInt(fraction.slice(3).padEnd(3, '0'));
}

test('instants in PostgreSQL text read as microseconds since the epoch, with or without fraction and +00', () => {
  const instant = fc.record({
    ms: fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59) }),
    digits: fc.integer({ min: 0, max: 6 }),
    micros: fc.integer({ min: 0, max: 999_999 }),
    zone: fc.boolean(),
  });
  fc.assert(
    fc.property(instant, ({ ms, digits, micros, zone }) => {
      const iso = new Date(ms).toISOString();
      const fraction = String(micros).padStart(6, '0').slice(0, digits);
      const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${digits > 0 ? `.${fraction}` : ''}${zone ? '+00' : ''}`;
      assert.equal(parseInstant(text), expected(iso.slice(0, 10), iso.slice(11, 19), fraction), text);
    }),
    { numRuns: 5000, seed: 11 },
  );
});

test('edges: leap days, the first instants of the epoch and of year 1, and shapes the fast path leaves to the slow one', () => {
  assert.equal(parseInstant('1970-01-01 00:00:00'), 0n);
  assert.equal(parseInstant('1969-12-31 23:59:59.999999'), -1n);
  assert.equal(parseInstant('2024-02-29 12:00:00+00'), BigInt(Date.UTC(2024, 1, 29, 12)) * 1000n);
  assert.equal(parseInstant('2000-03-01 00:00:00.5'), BigInt(Date.UTC(2000, 2, 1)) * 1000n + 500_000n);
  assert.equal(parseInstant('12345-01-01 00:00:00'), BigInt(Date.UTC(12345, 0, 1)) * 1000n);
  assert.equal(parseInstant('2025-05-09 08:13:46+00:00'), BigInt(Date.UTC(2025, 4, 9, 8, 13, 46)) * 1000n);
  assert.throws(() => parseInstant('infinity'), /unexpected timestamp text/);
  assert.throws(() => parseInstant('2025-05-09 08:13:46.'), /unexpected timestamp text/);
});
