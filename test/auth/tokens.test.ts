import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { addClient, removeClient } from '../../src/auth/api-clients.js';
import { TOKEN_LIFETIME_SECONDS, TokenService, type TokenClaims } from '../../src/auth/tokens.js';
import type { Store } from '../../src/store/store.js';
import { tempDb, UUID, type TempDb } from './auth-fixture.js';

const T0 = new Date('2025-05-06T12:00:00Z');

function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

/** The token with one character of its part `index` (0 header, 1 payload, 2 signature) changed. */
function tampered(token: string, index: number): string {
  const parts = token.split('.');
  const part = parts[index];
  const i = Math.floor(part.length / 2);
  parts[index] = part.slice(0, i) + (part[i] === 'A' ? 'B' : 'A') + part.slice(i + 1);
  return parts.join('.');
}

describe('access tokens', () => {
  let db: TempDb;
  let store: Store;
  let tokens: TokenService;
  let client: TokenClaims;
  before(async () => {
    db = tempDb();
    store = await db.open();
    tokens = await TokenService.open(store);
    client = { clientId: (await addClient(store, 'acme')).clientId, customerId: 'acme' };
  });
  after(async () => {
    await db.remove();
  });

  it('issues a signed token naming the client and its customer, valid for an hour', async () => {
    const { accessToken, expiresIn } = await tokens.issue(client, T0);
    assert.equal(expiresIn, TOKEN_LIFETIME_SECONDS);
    assert.equal(TOKEN_LIFETIME_SECONDS, 3600);
    const header = decodeProtectedHeader(accessToken);
    assert.equal(header.alg, 'HS256');
    assert.match(String(header.kid), UUID);
    const payload = decodeJwt(accessToken);
    assert.equal(payload.sub, client.clientId);
    assert.equal(payload.customer, 'acme');
    assert.equal(payload.iat, T0.getTime() / 1000);
    assert.equal(payload.exp, T0.getTime() / 1000 + 3600);
    assert.deepEqual(await tokens.verify(accessToken, at(1)), client);
  });

  it('expires after 3,600 seconds', async () => {
    const { accessToken } = await tokens.issue(client, T0);
    assert.deepEqual(await tokens.verify(accessToken, at(3599)), client);
    assert.equal(await tokens.verify(accessToken, at(3601)), undefined);
    assert.equal(await tokens.verify(accessToken, at(100_000)), undefined);
  });

  it('rejects tampered, malformed and foreign tokens', async () => {
    const { accessToken } = await tokens.issue(client, T0);
    for (const index of [0, 1, 2]) assert.equal(await tokens.verify(tampered(accessToken, index), at(1)), undefined, `part ${index} changed`);
    for (const bad of ['', 'abc', 'a.b.c', `${accessToken}x`, accessToken.split('.').slice(0, 2).join('.')]) {
      assert.equal(await tokens.verify(bad, at(1)), undefined, JSON.stringify(bad));
    }
    // Another customer's claim under the original signature.
    const [header, , signature] = accessToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(accessToken), customer: 'other' })).toString('base64url');
    assert.equal(await tokens.verify(`${header}.${forged}.${signature}`, at(1)), undefined);
    // Signed with another key, and unsigned.
    const otherKey = new TextEncoder().encode('x'.repeat(32));
    const foreign = await new SignJWT({ customer: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setSubject(client.clientId).setIssuedAt(T0).setExpirationTime(at(3600)).sign(otherKey);
    assert.equal(await tokens.verify(foreign, at(1)), undefined);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${accessToken.split('.')[1]}.`;
    assert.equal(await tokens.verify(unsigned, at(1)), undefined);
  });

  it('rejects a validly signed token of a client that does not exist', async () => {
    const { accessToken } = await tokens.issue({ clientId: 'no-such-client', customerId: 'acme' }, T0);
    assert.equal(await tokens.verify(accessToken, at(1)), undefined);
  });

  it('keeps its signing key across a reopening of the database', async () => {
    const { accessToken } = await tokens.issue(client, T0);
    const kid = decodeProtectedHeader(accessToken).kid;
    await store.close();
    store = await db.open();
    tokens = await TokenService.open(store);
    assert.deepEqual(await tokens.verify(accessToken, at(10)), client);
    assert.equal(decodeProtectedHeader((await tokens.issue(client, T0)).accessToken).kid, kid);
  });

  it("stops accepting a removed client's tokens once its cached list of clients is older than the TTL", async () => {
    const shortLived = await TokenService.open(store, { activeClientsTtlMs: 300 });
    const added = await addClient(store, 'revoked-soon');
    const claims = { clientId: added.clientId, customerId: 'revoked-soon' };
    const { accessToken } = await shortLived.issue(claims, T0);
    assert.deepEqual(await shortLived.verify(accessToken, at(1)), claims);

    assert.equal(await removeClient(store, added.clientId), true);
    assert.deepEqual(await shortLived.verify(accessToken, at(2)), claims, 'still cached: the TTL bounds the delay');
    await sleep(350);
    assert.equal(await shortLived.verify(accessToken, at(3)), undefined);
    assert.deepEqual(await shortLived.verify((await shortLived.issue(client, T0)).accessToken, at(3)), client, 'other clients still pass');
  });

  it('accepts the first token of a client added after the active clients were read', async () => {
    assert.deepEqual(await tokens.verify((await tokens.issue(client, T0)).accessToken, at(1)), client, 'the copy is fresh');
    const added = await addClient(store, 'newcomer');
    const claims = { clientId: added.clientId, customerId: 'newcomer' };
    assert.deepEqual(await tokens.verify((await tokens.issue(claims, T0)).accessToken, at(1)), claims);
  });

  it('reads the table neither per request nor per request with a removed client\'s token', async () => {
    let reads = 0;
    const counting: Store = { engine: store.engine, execute: (sql, p) => store.execute(sql, p), close: () => store.close(), query: (q) => (reads++, store.query(q)) };
    const service = await TokenService.open(counting, { activeClientsTtlMs: 60_000 });
    const added = await addClient(store, 'counted');
    const claims = { clientId: added.clientId, customerId: 'counted' };
    const valid = (await service.issue(client, T0)).accessToken;
    const removed = (await service.issue(claims, T0)).accessToken;
    assert.deepEqual(await service.verify(valid, at(1)), client);
    assert.deepEqual(await service.verify(removed, at(1)), claims);
    await removeClient(store, added.clientId);
    await service.refreshActiveClients();
    const before = reads;
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(await service.verify(valid, at(1)), client);
      assert.equal(await service.verify(removed, at(1)), undefined);
    }
    assert.ok(reads - before <= 1, `${reads - before} reads for 100 verifications`);
  });

  it('stops at once after refreshActiveClients()', async () => {
    const added = await addClient(store, 'acme');
    const claims = { clientId: added.clientId, customerId: 'acme' };
    const { accessToken } = await tokens.issue(claims, T0);
    assert.deepEqual(await tokens.verify(accessToken, at(1)), claims);
    await removeClient(store, added.clientId);
    await tokens.refreshActiveClients();
    assert.equal(await tokens.verify(accessToken, at(2)), undefined);
  });
});
