import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addClient, listClients, removeClient, verifyClientSecret } from '../../src/auth/api-clients.js';
import { API_CLIENTS_TABLE } from '../../src/auth/auth-tables.js';
import { hashSecret, secretMatches } from '../../src/auth/secrets.js';
import type { Store } from '../../src/store/store.js';
import { tempDb, UUID, type TempDb } from './auth-fixture.js';

async function tableExists(store: Store, name: string): Promise<boolean> {
  const r = await store.query({ sql: 'SELECT count(*) FROM information_schema.tables WHERE table_name = $1', parameters: [name] });
  return Number(r.rows[0][0]) === 1;
}

async function storedHash(store: Store, clientId: string): Promise<string> {
  const r = await store.query({ sql: `SELECT secret_hash FROM "${API_CLIENTS_TABLE}" WHERE client_id = $1`, parameters: [clientId] });
  return String(r.rows[0][0]);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

describe('API clients', () => {
  let db: TempDb;
  let store: Store;
  before(async () => {
    db = tempDb();
    store = await db.open();
  });
  after(async () => {
    await db.remove();
  });

  it('creates its table on first use in a database made without it', async () => {
    assert.equal(await tableExists(store, API_CLIENTS_TABLE), false);
    assert.deepEqual(await listClients(store), []);
    assert.equal(await tableExists(store, API_CLIENTS_TABLE), true);
  });

  it('verifies the secret it handed out, and refuses a wrong secret or an unknown id', async () => {
    const { clientId, clientSecret } = await addClient(store, 'acme');
    assert.match(clientId, UUID);
    assert.match(clientSecret, /^[A-Za-z0-9_-]{43,}$/);
    assert.ok(Buffer.from(clientSecret, 'base64url').length >= 32);

    const client = await verifyClientSecret(store, clientId, clientSecret);
    assert.equal(client?.clientId, clientId);
    assert.equal(client?.customerId, 'acme');
    assert.equal(client?.revokedAt, null);
    assert.ok(Math.abs(client!.createdAt.getTime() - Date.now()) < 60_000);

    assert.equal(await verifyClientSecret(store, clientId, `${clientSecret}x`), undefined);
    assert.equal(await verifyClientSecret(store, clientId, ''), undefined);
    const other = await addClient(store, 'acme');
    assert.equal(await verifyClientSecret(store, clientId, other.clientSecret), undefined, "another client's secret");
    assert.equal(await verifyClientSecret(store, '00000000-0000-0000-0000-000000000000', clientSecret), undefined);
  });

  it('keeps only salted hashes: not the secret, different for two clients and for the same secret twice', async () => {
    const a = await addClient(store, 'hash-test');
    const b = await addClient(store, 'hash-test');
    const hashA = await storedHash(store, a.clientId);
    const hashB = await storedHash(store, b.clientId);
    for (const [hash, secret] of [[hashA, a.clientSecret], [hashB, b.clientSecret]]) {
      assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
      assert.ok(!hash.includes(secret));
    }
    assert.notEqual(hashA, hashB);

    const once = await hashSecret('same secret');
    const twice = await hashSecret('same secret');
    assert.notEqual(once, twice);
    assert.equal(await secretMatches('same secret', once), true);
    assert.equal(await secretMatches('same secret', twice), true);
    assert.equal(await secretMatches('same secret', 'scrypt$16384$8$1$bad'), false, 'a malformed hash matches nothing');
  });

  it('takes about as long to refuse an unknown id as a wrong secret', async () => {
    const { clientId } = await addClient(store, 'timing');
    const time = async (id: string) => {
      const started = performance.now();
      assert.equal(await verifyClientSecret(store, id, 'wrong'), undefined);
      return performance.now() - started;
    };
    const wrongSecret: number[] = [];
    const unknownId: number[] = [];
    for (let i = 0; i < 5; i++) {
      wrongSecret.push(await time(clientId));
      unknownId.push(await time('11111111-1111-1111-1111-111111111111'));
    }
    // Without the stand-in hash an unknown id would answer after one indexed read, in well under a tenth of the time.
    assert.ok(median(unknownId) > 0.5 * median(wrongSecret), `unknown id ${median(unknownId)} ms, wrong secret ${median(wrongSecret)} ms`);
  });

  it('lists clients per customer and revokes them, keeping them listed', async () => {
    const first = await addClient(store, 'listed');
    const second = await addClient(store, 'listed');
    await addClient(store, 'someone-else');

    assert.equal(await removeClient(store, first.clientId), true);
    const listed = await listClients(store, 'listed');
    assert.deepEqual(listed.map((c) => c.clientId), [first.clientId, second.clientId]);
    assert.ok(listed[0].revokedAt instanceof Date, 'the removed client is flagged');
    assert.ok(listed[0].revokedAt.getTime() >= listed[0].createdAt.getTime(), 'revoked after created');
    assert.equal(listed[1].revokedAt, null);
    assert.ok((await listClients(store)).some((c) => c.customerId === 'someone-else'), 'without a customer, every client is listed');

    assert.equal(await verifyClientSecret(store, first.clientId, first.clientSecret), undefined, 'a revoked client');
    assert.equal((await verifyClientSecret(store, second.clientId, second.clientSecret))?.clientId, second.clientId);

    const revokedAt = listed[0].revokedAt;
    assert.equal(await removeClient(store, first.clientId), true, 'removing twice');
    assert.deepEqual((await listClients(store, 'listed'))[0].revokedAt, revokedAt, 'the first revocation time stays');
    assert.equal(await removeClient(store, 'no-such-client'), false);
  });

  it('refuses a customer id the generator would refuse', async () => {
    await assert.rejects(addClient(store, 'bad id'), /customer id must be/);
    await assert.rejects(addClient(store, ''), /customer id must be/);
  });
});
