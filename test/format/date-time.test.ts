import assert from 'node:assert/strict';
import { test } from 'node:test';
import { odataDateTimeOffset } from '../../src/edm/date-time.js';

/** Independent reference: Date's ISO text with the microseconds appended, then trimmed as ASP.NET does. */
function reference(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const extra = micros - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = (iso.slice(20, 23) + String(extra).padStart(3, '0')).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

test('DateTimeOffset text matches an independent formatter over random instants', () => {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const samples: bigint[] = [0n, -1n, 1n, 999n, 1000n, 1_000_000n, 86_400_000_000n - 1n, -86_400_000_000n, 253402300799999999n];
  for (let i = 0; i < 20000; i++) {
    const seconds = BigInt(Math.floor((random() - 0.3) * 8e9)); // about 1730 to 2220
    const fraction = [0n, BigInt(Math.floor(random() * 1000)) * 1000n, BigInt(Math.floor(random() * 1_000_000))][i % 3]!;
    samples.push(seconds * 1_000_000n + fraction);
  }
  for (const micros of samples) assert.equal(odataDateTimeOffset(micros), reference(micros), String(micros));
});

test('DateTimeOffset text keeps the trimmed fraction as ASP.NET writes it', () => {
  const at = 1722330826000000n; // 2024-07-30T09:13:46Z
  assert.equal(odataDateTimeOffset(at), '2024-07-30T09:13:46Z');
  assert.equal(odataDateTimeOffset(at + 247000n), '2024-07-30T09:13:46.247Z');
  assert.equal(odataDateTimeOffset(at + 100n), '2024-07-30T09:13:46.0001Z');
  assert.equal(odataDateTimeOffset(at + 999999n), '2024-07-30T09:13:46.999999Z');
});
