// PostgreSQL from the command line, as an operator runs it: generate and clients into a database,
// two server processes on it (tokens and the concurrency limit shared), --workers, and --read-db.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_CUSTOMER_ID } from '../../src/generate/defaults.js';
import { freePort } from '../../src/cli/free-port.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';
import { startServe } from '../support/serve-process.js';

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ['bin/monitor-odata.js', ...args], { encoding: 'utf8', timeout: 120_000 });

let primary: TestDatabase;
const servers: ChildProcess[] = [];

before(async () => {
  primary = await freshDatabase();
  await cli('generate', '--db', primary.url, '--machines', '12', '--days', '2', '--seed', '5', '--end', '2025-05-06', '--progress', 'none');
});

after(async () => {
  for (const child of servers) child.kill('SIGTERM');
  await primary?.drop();
});

async function start(args: string[]): Promise<string> {
  const server = await startServe(args);
  servers.push(server.child);
  return server.url;
}

async function token(base: string, client: { clientId: string; clientSecret: string }): Promise<string> {
  const response = await fetch(`${base}/cctrustoauth2/root/tokens/clients`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }) });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('PostgreSQL from the command line', () => {
  test('two server processes share tokens and the per-customer limit', async () => {
    const added = await cli('clients', 'add', '--customer', DEFAULT_CUSTOMER_ID, '--db', primary.url, '--json');
    const client = JSON.parse(added.stdout.trim().split('\n').pop()!) as { clientId: string; clientSecret: string };
    const [a, b] = await Promise.all([start(['--db', primary.url, '--port', '0']), start(['--db', primary.url, '--port', '0'])]);
    const headers = { Authorization: `CWSAuth bearer=${await token(a, client)}`, 'Citrix-CustomerId': DEFAULT_CUSTOMER_ID };
    const machines = await fetch(`${b}/monitorodata/Machines?$count=true&$top=0`, { headers });
    assert.equal(machines.status, 200, 'a token issued by one process is accepted by the other');
    assert.equal(((await machines.json()) as { '@odata.count': number })['@odata.count'], 12);

    const heavy = '/monitorodata/ResourceUtilizationSummary?$apply=groupby((MachineId,SummaryDate),aggregate(AvgPercentCpu%20with%20average%20as%20A,PeakUsedMemory%20with%20max%20as%20M))&$count=true';
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${i % 2 ? a : b}${heavy}`, { headers }).then(async (r) => ({ status: r.status, body: await r.text() }))));
    const statuses = burst.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 429), String(statuses));
    assert.ok(statuses.includes(200), String(statuses));
    assert.ok(statuses.includes(429), `a burst over both processes meets one limit: ${statuses}`);
    assert.equal(JSON.parse(burst.find((r) => r.status === 429)!.body).type, 'https://errors-api.cloud.com/common/rateLimitExceeded');
    // Afterwards the slot is free on both.
    for (const base of [a, b]) assert.equal((await fetch(`${base}/monitorodata/Machines?$top=1`, { headers })).status, 200);
  });

  test('--workers serves one port from several processes', async () => {
    const port = await freePort();
    const base = await start(['--db', primary.url, '--port', String(port), '--workers', '2', '--auth', 'none']);
    assert.equal(base, `http://127.0.0.1:${port}`);
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${base}/monitorodata/Machines?$count=true&$top=0`);
      assert.equal(response.status, 200);
    }
  });

  test('--read-db sends queries to the replica and writes to the primary', async () => {
    const replica = await freshDatabase();
    try {
      await cli('generate', '--db', replica.url, '--machines', '12', '--days', '2', '--seed', '5', '--end', '2025-05-06', '--progress', 'none');
      // Tell the copies apart: the replica lags by two machines.
      const store = await openPostgresStore(replica.url);
      await store.execute(`DELETE FROM "Machines" WHERE "Id" IN (SELECT "Id" FROM "Machines" ORDER BY "Id" LIMIT 2)`);
      await store.close();
      const base = await start(['--db', primary.url, '--read-db', replica.url, '--port', '0', '--auth', 'none']);
      const response = await fetch(`${base}/monitorodata/Machines?$count=true&$top=0`);
      assert.equal(((await response.json()) as { '@odata.count': number })['@odata.count'], 10);
      const slots = await openPostgresStore(primary.url);
      try {
        // The request slots are advisory locks of the server's session on the primary.
        const { rows } = await slots.query({ sql: 'SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()', parameters: [] });
        assert.ok(Number(rows[0]![0]) >= 1, 'the server keeps a session on the primary');
      } finally {
        await slots.close();
      }
    } finally {
      await replica.drop();
    }
  });
});
