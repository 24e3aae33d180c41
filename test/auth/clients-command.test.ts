import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { listClients, verifyClientSecret } from '../../src/auth/api-clients.js';
import { clientsCommand } from '../../src/cli/clients-command.js';
import { tempDb, UUID } from './auth-fixture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/monitor-odata.js', 'clients', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command in this process (faster than a child), for the failures that need no second process. */
async function cliInProcess(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const command = clientsCommand();
  for (const c of [command, ...command.commands]) {
    c.exitOverride().configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  }
  try {
    await command.parseAsync(args, { from: 'user' });
    return { exitCode: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) return { exitCode: e.exitCode, stdout, stderr };
    throw e;
  }
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('clients command', () => {
  const db = tempDb('clients.duckdb');
  after(async () => {
    await db.remove();
  });

  it('adds a client whose secret verifies, lists it without secrets, and removes it', async () => {
    const added = cli('add', '--customer', 'cli-customer', '--db', db.path, '--json');
    assert.equal(added.status, 0, added.stderr);
    const { clientId, clientSecret } = JSON.parse(lastLine(added.stdout)) as { clientId: string; clientSecret: string };
    assert.match(clientId, UUID);
    assert.ok(clientSecret.length >= 43);
    assert.match(added.stderr, /shown only this once/);
    assert.match(added.stderr, /no data for customer cli-customer/);

    const text = cli('add', '--customer', 'cli-customer', '--db', db.path);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /client id: +[0-9a-f-]{36}\nclient secret: +\S{43}/);
    assert.match(text.stdout, /shown only this once/);

    let store = await db.open({ createSchema: false });
    assert.equal((await verifyClientSecret(store, clientId, clientSecret))?.customerId, 'cli-customer');
    const [tableCount] = (await store.query({ sql: 'SELECT count(*) FROM information_schema.tables', parameters: [] })).rows;
    await store.close();
    assert.equal(Number(tableCount[0]), 2, 'only the credential tables: no fleet, no model tables');

    const listed = cli('list', '--db', db.path);
    assert.equal(listed.status, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], new RegExp(`^${clientId}  customer cli-customer  created \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  active$`));
    assert.ok(!listed.stdout.includes(clientSecret) && !listed.stdout.includes('scrypt'), 'no secret or hash');

    const removed = cli('remove', '--db', db.path, '--client', clientId);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`client ${clientId} revoked`));
    const json = JSON.parse(cli('list', '--db', db.path, '--json').stdout) as { clientId: string; revokedAt: string | null }[];
    assert.equal(json.find((c) => c.clientId === clientId)?.revokedAt?.length, 24);
    assert.equal(json.filter((c) => c.revokedAt === null).length, 1);

    store = await db.open();
    assert.equal(await verifyClientSecret(store, clientId, clientSecret), undefined);
    await store.close();
  });

  it('fails with a clear message for an unknown client, a missing file or a bad customer id', async () => {
    const unknown = await cliInProcess('remove', '--db', db.path, '--client', '00000000-0000-0000-0000-000000000000');
    assert.equal(unknown.exitCode, 1);
    assert.equal(unknown.stderr, `error: no API client 00000000-0000-0000-0000-000000000000 in ${db.path}\n`);

    const missing = `${db.path}.missing`;
    const list = await cliInProcess('list', '--db', missing);
    assert.equal(list.exitCode, 1);
    assert.equal(list.stderr, `error: ${missing} does not exist\n`);
    const bad = await cliInProcess('add', '--customer', 'bad id', '--db', missing);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /^error: customer id must be .*"bad id"\n$/);
    assert.equal(existsSync(missing), false, 'no file left behind');
  });

  it('refuses a file held by another process in one line', async () => {
    const store = await db.open();
    try {
      const locked = cli('add', '--customer', 'cli-customer', '--db', db.path);
      assert.equal(locked.status, 1);
      assert.equal(locked.stderr.trim(), `error: ${db.path} is in use by another process (a running server?): stop it first`);
      assert.equal(locked.stdout, '');
    } finally {
      await store.close();
    }
    const store2 = await db.open();
    assert.equal((await listClients(store2, 'cli-customer')).length, 2, 'nothing was added');
  });
});
