// `monitor-odata sync` end to end: a generated fleet served with tokens is the upstream, DuckDB
// files are mirrors. After a sync the mirror holds exactly the upstream customer's rows and answers
// the seed queries the same; a second sync after upstream changes reads exactly the changed rows;
// syncs killed with SIGKILL at seeded random moments and run again end identical to one that ran through.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Random } from '../../src/generate/random.js';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { CUSTOMER_COLUMN, monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { openDuckDbStore, type DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import type { RowValue, Store } from '../../src/store/store.js';
import { CHECKPOINT_TABLE } from '../../src/sync/sync-checkpoints.js';
import { openFleet, sameAnswer, type Fleet } from '../support/fleet.js';
import { openTokenServer } from '../support/servers.js';

const execFileAsync = promisify(execFile);
const root = '/monitorodata';
let fleet: Fleet;
let upstream: FastifyInstance;
let upstreamUrl: string;
let credentials: { clientId: string; clientSecret: string };
let dir: string;

const SEED_QUERIES = [
  'Machines?$orderby=Name&$top=10',
  'ResourceUtilizationSummary?$filter=Granularity eq 1440 and UptimeInMinutes gt 0&$expand=Machine($select=Name),DesktopGroup($select=Name)',
  'ResourceUtilizationSummary?$apply=filter(Granularity eq 60 and UptimeInMinutes gt 0 and AvgTotalMemory gt 0)/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory)/expand(DesktopGroup,filter(Name ne null))/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as AvgPercentCpu, AvgPercentMemory with max as PeakPercentMemory))',
  'ResourceUtilizationSummary?$apply=filter(Granularity eq 60 and UptimeInMinutes gt 0)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/compute(cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64)/groupby((DesktopGroup/Name,MachineId,Machine/Name),aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))/filter(TotalSessionCountSum eq 0)&$count=true',
  'Sessions?$filter=StartDate ge 2025-05-05&$expand=Machine($select=Name),User($select=UserName)&$orderby=StartDate desc&$top=50',
  'Machines?$apply=groupby((DesktopGroupId),aggregate($count as Machines))',
];

interface SyncSummary {
  sets: { set: string; rows: number; changed: number; pages: number; through: string | null }[];
  failures: { set: string; error: string }[];
  rows: number;
  changed: number;
}

function syncArgs(db: string): string[] {
  return ['bin/monitor-odata.js', 'sync', '--from', upstreamUrl, '--customer', fleet.customerId, '--client-id', credentials.clientId, '--client-secret', credentials.clientSecret, '--db', db, '--json', '--no-progress'];
}

async function sync(db: string): Promise<SyncSummary> {
  const { stdout } = await execFileAsync(process.execPath, syncArgs(db), { maxBuffer: 1 << 24 });
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as SyncSummary;
  assert.deepEqual(summary.failures, []);
  return summary;
}

/** Every row of the customer in every set, in key order, with every property. */
async function contents(store: Store, customerId: string): Promise<Map<string, (readonly RowValue[])[]>> {
  const all = new Map<string, (readonly RowValue[])[]>();
  for (const set of monitorModel.sets) {
    const type = monitorModel.entityType(set.entityType);
    const columns = type.properties.map((p) => `"${p.name}"`).join(', ');
    const result = await store.query({ sql: `SELECT ${columns} FROM "${set.name}" WHERE "${CUSTOMER_COLUMN}" = $1 ORDER BY ${type.key.map((k) => `"${k}"`).join(', ')}`, parameters: [customerId] });
    all.set(set.name, [...result.rows]);
  }
  return all;
}

async function assertMirrors(mirror: Store): Promise<void> {
  const expected = await contents(fleet.store, fleet.customerId);
  const got = await contents(mirror, fleet.customerId);
  for (const [set, rows] of expected) assert.deepEqual(got.get(set), rows, `${set} differs between upstream and mirror`);
  const others = await mirror.query({ sql: `SELECT count(*) FROM "Machines" WHERE "${CUSTOMER_COLUMN}" <> $1`, parameters: [fleet.customerId] });
  assert.equal(Number(others.rows[0]![0]), 0, 'the mirror holds only the synced customer');
}

async function withMirror<T>(path: string, use: (store: DuckDbStore) => Promise<T>): Promise<T> {
  const store = await openDuckDbStore(path);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

async function checkpoints(store: Store): Promise<(readonly RowValue[])[]> {
  return [...(await store.query({ sql: `SELECT entity_set, through, complete FROM "${CHECKPOINT_TABLE}" ORDER BY entity_set`, parameters: [] })).rows];
}

before(async () => {
  fleet = await openFleet({ postgres: false, machines: 16, days: 2 });
  dir = mkdtempSync(join(tmpdir(), 'monitor-odata-sync-'));
  const server = await openTokenServer(fleet, Date.now());
  ({ app: upstream, baseUrl: upstreamUrl, credentials } = server);
});

after(async () => {
  await upstream?.close();
  await fleet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sync from an upstream Monitor endpoint', () => {
  const mirror = () => join(dir, 'mirror.duckdb');
  let firstRunMs = 0;

  test('a first sync copies every set of the customer; the mirror answers the seed queries the same', async () => {
    const started = performance.now();
    const summary = await sync(mirror());
    firstRunMs = performance.now() - started;
    assert.equal(summary.sets.length, monitorModel.sets.length);
    const expectedRows = [...(await contents(fleet.store, fleet.customerId)).values()].reduce((n, rows) => n + rows.length, 0);
    assert.ok(expectedRows > 3000, `only ${expectedRows} rows upstream`);
    assert.equal(summary.rows, expectedRows, 'rows read');
    assert.equal(summary.changed, summary.rows, 'into an empty mirror every row read is new');
    await withMirror(mirror(), async (store) => {
      await assertMirrors(store);
      const app = await buildApp({ model: monitorModel, store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId) });
      try {
        for (const query of SEED_QUERIES) {
          const [a, b] = await Promise.all([fleet.app, app].map((server) => server.inject({ method: 'GET', url: `${root}/${query}` })));
          assert.equal(a!.statusCode, 200, a!.body);
          assert.ok(JSON.parse(a!.body).value.length > 0, `${query} finds nothing upstream`);
          // Sums of doubles over rows stored in another order differ in their last bits.
          assert.equal(sameAnswer(JSON.parse(b!.body), JSON.parse(a!.body)), undefined, query);
        }
      } finally {
        await app.close();
      }
    });
  });

  test('after new and modified rows upstream, a second sync reads and stores exactly those', async () => {
    const c = fleet.customerId;
    // Written on the write connection, so the upstream's read connections see them at once.
    const write = async (sql: string) => {
      await fleet.store.execute(sql, [c]);
    };
    const before = await fleet.store.query({ sql: `SELECT count(*) FROM "ResourceUtilization" WHERE "${CUSTOMER_COLUMN}" = $1 AND "CollectedDate" = (SELECT max("CollectedDate") FROM "ResourceUtilization" WHERE "${CUSTOMER_COLUMN}" = $1)`, parameters: [c] });
    const newSamples = Number(before.rows[0]![0]);
    assert.ok(newSamples > 0);
    await write(`UPDATE "Machines" SET "Name" = "Name" || '-renamed', "ModifiedDate" = TIMESTAMP '2030-01-01 00:00:00'
      WHERE "${CUSTOMER_COLUMN}" = $1 AND "Id" IN (SELECT "Id" FROM "Machines" WHERE "${CUSTOMER_COLUMN}" = $1 ORDER BY "Id" LIMIT 3)`);
    await write(`INSERT INTO "Users" SELECT * REPLACE ("Id" + 1000000 AS "Id", TIMESTAMP '2030-01-01 00:00:01' AS "ModifiedDate")
      FROM "Users" WHERE "${CUSTOMER_COLUMN}" = $1 ORDER BY "Id" LIMIT 2`);
    await write(`INSERT INTO "ResourceUtilization" SELECT * REPLACE ("CollectedDate" + INTERVAL 5 MINUTE AS "CollectedDate", TIMESTAMP '2030-01-01 00:00:02' AS "ModifiedDate")
      FROM "ResourceUtilization" WHERE "${CUSTOMER_COLUMN}" = $1 AND "CollectedDate" = (SELECT max("CollectedDate") FROM "ResourceUtilization" WHERE "${CUSTOMER_COLUMN}" = $1)`);

    const summary = await sync(mirror());
    const expected: Record<string, number> = { Machines: 3, Users: 2, ResourceUtilization: newSamples };
    for (const result of summary.sets) {
      assert.equal(result.changed, expected[result.set] ?? 0, `${result.set}: ${result.changed} rows stored`);
      const tracking = result.through !== null;
      if (tracking) assert.equal(result.rows, expected[result.set] ?? 0, `${result.set}: ${result.rows} rows read`);
    }
    await withMirror(mirror(), assertMirrors);
  });

  test('syncs killed with SIGKILL at random moments, then run again, end identical to an uninterrupted sync', async () => {
    const killed = join(dir, 'killed.duckdb');
    const random = new Random(2026, 'sync-kill');
    let interrupted = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const delay = Math.round(firstRunMs * (0.15 + 0.6 * random.next()));
      const child = spawn(process.execPath, syncArgs(killed), { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const code = await exited;
      clearTimeout(timer);
      if (code === null) interrupted++;
    }
    assert.ok(interrupted >= 2, `only ${interrupted} of 3 runs were killed before they finished`);
    await sync(killed);
    const [expected, got] = [await withMirror(mirror(), checkpoints), await withMirror(killed, checkpoints)];
    assert.deepEqual(got, expected, 'checkpoints differ from the uninterrupted mirror');
    await withMirror(killed, assertMirrors);
  });
});
