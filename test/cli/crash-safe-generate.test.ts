// `generate` killed with SIGKILL at seeded random moments leaves the database as it was before
// (the other customer's fleet untouched, nothing of the new one) or with the new fleet complete,
// never half of it; and the next run succeeds. On DuckDB and on PostgreSQL.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Random } from '../../src/generate/random.js';
import { CUSTOMER_COLUMN, monitorModel } from '../../src/model/model.js';
import { META_TABLE } from '../../src/store/ddl.js';
import { openDuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';

const execFileAsync = promisify(execFile);
const FIRST = 'customer-a';
const SECOND = 'customer-b';
const fleetArgs = (db: string, customer: string) => ['bin/monitor-odata.js', 'generate', '--db', db, '--customer', customer, '--machines', '24', '--days', '3', '--seed', '11', '--end', '2025-05-12', '--progress', 'none'];
let dir: string;

/** Rows per table of one customer (the _meta row included), as one comparable record. */
async function census(store: Store, customer: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const set of monitorModel.sets) {
    const result = await store.query({ sql: `SELECT count(*) FROM "${set.name}" WHERE "${CUSTOMER_COLUMN}" = $1`, parameters: [customer] });
    counts[set.name] = Number(result.rows[0]![0]);
  }
  const meta = await store.query({ sql: `SELECT count(*) FROM "${META_TABLE}" WHERE customer_id = $1`, parameters: [customer] });
  counts[META_TABLE] = Number(meta.rows[0]![0]);
  return counts;
}

const nothing = (counts: Record<string, number>) => Object.values(counts).every((n) => n === 0);

interface Engine {
  readonly name: string;
  location(): Promise<string>;
  open(location: string): Promise<Store & { close(): Promise<void> }>;
}

const databases: TestDatabase[] = [];
const engines: Engine[] = [
  { name: 'DuckDB', location: async () => join(dir, `fleet-${Math.random().toString(36).slice(2)}.duckdb`), open: (path) => openDuckDbStore(path, { readOnly: true }) },
  {
    name: 'PostgreSQL',
    location: async () => {
      const database = await freshDatabase();
      databases.push(database);
      return database.url;
    },
    open: (url) => openPostgresStore(url),
  },
];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-odata-crash-'));
});
after(async () => {
  for (const database of databases) await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('generate killed with SIGKILL', () => {
  for (const engine of engines) {
    test(`${engine.name}: the previous state or the new one complete, and the next run succeeds`, async () => {
      // The complete second fleet, generated without interruption beside a first one, is what a
      // finished run must equal; its duration places the kills.
      const reference = await engine.location();
      await execFileAsync(process.execPath, fleetArgs(reference, FIRST));
      const started = performance.now();
      await execFileAsync(process.execPath, fleetArgs(reference, SECOND));
      const fullRunMs = performance.now() - started;
      const expected = await (async () => {
        const store = await engine.open(reference);
        try {
          return await census(store, SECOND);
        } finally {
          await store.close();
        }
      })();
      assert.ok(expected.ResourceUtilization! > 0 && expected[META_TABLE] === 1);

      const target = await engine.location();
      await execFileAsync(process.execPath, fleetArgs(target, FIRST));
      const check = async (): Promise<{ first: Record<string, number>; second: Record<string, number> }> => {
        const store = await engine.open(target);
        try {
          return { first: await census(store, FIRST), second: await census(store, SECOND) };
        } finally {
          await store.close();
        }
      };
      const firstBefore = (await check()).first;

      const random = new Random(7, `crash-${engine.name}`);
      let interrupted = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        const child = spawn(process.execPath, fleetArgs(target, SECOND), { stdio: 'ignore' });
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
        const timer = setTimeout(() => child.kill('SIGKILL'), Math.round(fullRunMs * (0.15 + 0.6 * random.next())));
        const signal = await exited;
        clearTimeout(timer);
        if (signal === 'SIGKILL') interrupted++;
        const state = await check();
        assert.deepEqual(state.first, firstBefore, `attempt ${attempt}: the other customer's fleet changed`);
        if (nothing(state.second)) continue;
        assert.deepEqual(state.second, expected, `attempt ${attempt}: a half-written fleet`);
        break;
      }
      assert.ok(interrupted >= 1, 'no run was killed before it finished');

      const state = await check();
      // A finished run left the fleet in place (PostgreSQL refuses to generate a customer twice); else the next run succeeds.
      if (nothing(state.second)) await execFileAsync(process.execPath, fleetArgs(target, SECOND));
      assert.deepEqual((await check()).second, expected);
    });
  }
});
