// `monitor-odata serve` as a user starts it: tokens by default, `--auth none` for development.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CUSTOMER_ID } from '../../src/generate/defaults.js';
import { generateFleet } from '../../src/generate/generate-fleet.js';
import { openDuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

let dir: string;
let db: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-odata-serve-'));
  db = join(dir, 'fleet.duckdb');
  const store = await openDuckDbStore(db);
  await generateFleet(store, { customerId: DEFAULT_CUSTOMER_ID, machines: 5, days: 1, seed: 3, end: '2025-05-06' });
  await store.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the server on a free port; resolves with its base URL once it says it is serving. */
function start(args: string[]): Promise<ServeProcess> {
  return startServe(['--db', db, '--port', '0', ...args]);
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const form = (fields: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(fields) });

describe('serve', () => {
  test('asks for tokens by default', async () => {
    const server = await start([]);
    try {
      const response = await fetch(`${server.url}/monitorodata/Machines`);
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { type: string }).type, 'https://errors-api.cloud.com/common/authentication');
      const token = await fetch(`${server.url}/cctrustoauth2/root/tokens/clients`, form({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'nothing' }));
      assert.equal(token.status, 401);
    } finally {
      await stop(server.child);
    }
  });

  test('--auth none warns, serves its customer, and hands any client a token so scripts run unchanged', async () => {
    const server = await start(['--auth', 'none']);
    try {
      assert.match(server.stderr(), /development only/);
      const token = await fetch(`${server.url}/cctrustoauth2/root/tokens/clients`, form({ grant_type: 'client_credentials', client_id: 'any', client_secret: 'thing' }));
      assert.equal(token.status, 200);
      const { access_token, expires_in } = (await token.json()) as { access_token: string; expires_in: number };
      assert.equal(expires_in, 3600);
      const response = await fetch(`${server.url}/monitorodata/Machines?$count=true&$top=0`, { headers: { Authorization: `CWSAuth bearer=${access_token}`, 'Citrix-CustomerId': DEFAULT_CUSTOMER_ID } });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { '@odata.count': number })['@odata.count'], 5);
    } finally {
      await stop(server.child);
    }
  });

  test('--read-only lets another process read the file meanwhile, and needs --auth none', async () => {
    const server = await start(['--auth', 'none', '--read-only']);
    try {
      const reader = await openDuckDbStore(db, { readOnly: true });
      try {
        const [[machines]] = (await reader.query({ sql: 'SELECT count(*) FROM Machines', parameters: [] })).rows;
        const response = await fetch(`${server.url}/monitorodata/Machines?$count=true&$top=0`);
        assert.equal(((await response.json()) as { '@odata.count': number })['@odata.count'], Number(machines));
      } finally {
        await reader.close();
      }
    } finally {
      await stop(server.child);
    }
    const refused = spawnSync(process.execPath, ['bin/monitor-odata.js', 'serve', '--db', db, '--read-only'], { encoding: 'utf8' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /--read-only serves with --auth none only/);
  });
});
