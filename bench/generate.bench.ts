// Generate + load + rollups into a fresh DuckDB file, timed per step.
//   npx tsx bench/generate.bench.ts --machines 2000 --days 90 [--seed 1] [--end 2025-05-06] [--db .tmp/bench/generate.duckdb]
// Then reads 100,000 ResourceUtilization rows back through Store.query in 1,000-row keyset pages.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CUSTOMER_ID } from '../src/generate/defaults.js';
import { generateFleet } from '../src/generate/generate-fleet.js';
import { openDuckDbStore } from '../src/store/duckdb/duckdb-store.js';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '2000' },
    days: { type: 'string', default: '90' },
    seed: { type: 'string', default: '1' },
    end: { type: 'string', default: '2025-05-06' },
    db: { type: 'string', default: '.tmp/bench/generate.duckdb' },
  },
});
const db = values.db;
mkdirSync(dirname(db), { recursive: true });
for (const suffix of ['', '.wal']) rmSync(db + suffix, { force: true });

console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}`);
console.log(`generate: ${values.machines} machines x ${values.days} days, seed ${values.seed}, end ${values.end} -> ${db}`);

const began = performance.now();
const store = await openDuckDbStore(db);
let stepStart = performance.now();
const result = await generateFleet(store, {
  machines: Number(values.machines),
  days: Number(values.days),
  seed: Number(values.seed),
  end: values.end,
  onProgress: (p) => {
    if (p.done === 0) stepStart = performance.now();
    if (p.step === 'raw samples' && p.done > 0) {
      process.stdout.write(`  raw samples: ${p.done}/${p.total} days, ${((performance.now() - stepStart) / 1000).toFixed(1)}s\r`);
    }
  },
});
const generated = performance.now();
process.stdout.write('\n');

console.log('\nseconds per step:');
for (const [step, s] of Object.entries(result.seconds)) console.log(`  ${step.padEnd(16)} ${s.toFixed(1).padStart(7)}`);
console.log(`  ${'total'.padEnd(16)} ${((generated - began) / 1000).toFixed(1).padStart(7)}  (open + generate + commit + checkpoint)`);

console.log('\nrows per table:');
let total = 0;
for (const [table, n] of Object.entries(result.rows).sort(([, a], [, b]) => b - a)) {
  total += n;
  console.log(`  ${table.padEnd(36)} ${n.toLocaleString('en-US').padStart(14)}`);
}
console.log(`  ${'total'.padEnd(36)} ${total.toLocaleString('en-US').padStart(14)}`);

// Read path, two ways. (1) One 100,000-row result: a trivial streaming plan, so this measures
// Store.query itself (execution plus conversion to JS values). (2) Keyset pages in
// the set's order with only a lower bound: DuckDB runs a top-N over every later row, so this
// measures the plan, and is what an ORDER BY ... LIMIT query costs on the biggest table.
async function readPages(label: string, sql: string, next: (last: readonly unknown[], page: number) => readonly (string | number)[]): Promise<void> {
  let parameters: readonly (string | number)[] = next([], -1);
  let read = 0;
  const started = performance.now();
  for (let page = 0; page < 100; page++) {
    const r = await store.query({ sql, parameters: [DEFAULT_CUSTOMER_ID, ...parameters] });
    read += r.rows.length;
    parameters = next(r.rows[r.rows.length - 1], page);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`read ${label}: ${read.toLocaleString('en-US')} rows in ${seconds.toFixed(2)}s = ${Math.round(read / seconds).toLocaleString('en-US')} rows/s`);
}
console.log('');
for (let run = 1; run <= 3; run++) {
  const started = performance.now();
  const r = await store.query({ sql: 'SELECT * EXCLUDE (_customer_id) FROM "ResourceUtilization" WHERE _customer_id = $1 LIMIT 100000', parameters: [DEFAULT_CUSTOMER_ID] });
  const seconds = (performance.now() - started) / 1000;
  console.log(`read one 100,000-row result, run ${run} (Store.query incl. conversion): ${seconds.toFixed(3)}s = ${Math.round(r.rows.length / seconds).toLocaleString('en-US')} rows/s`);
}
await readPages(
  'keyset pages ORDER BY CollectedDate, MachineId (lower bound only)',
  `SELECT * EXCLUDE (_customer_id) FROM "ResourceUtilization"
   WHERE _customer_id = $1 AND "CollectedDate" >= $2::TIMESTAMP AND ("CollectedDate" > $2::TIMESTAMP OR "MachineId" > $3::UUID)
   ORDER BY "CollectedDate", "MachineId" LIMIT 1000`,
  (last) =>
    last.length === 0
      ? ['1970-01-01 00:00:00', '00000000-0000-0000-0000-000000000000']
      : [new Date(Number((last[1] as bigint) / 1000n)).toISOString().replace('T', ' ').replace('Z', ''), String(last[0])],
);

await store.close();
console.log(`file: ${(statSync(db).size / 1024 ** 3).toFixed(2)} GiB (${db})`);
