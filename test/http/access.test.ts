// The access model end to end: the token endpoint, tokens and customer headers on every route,
// per-customer concurrency (429) and the query time limit (503), over a fleet of two customers.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { addClient, removeClient } from '../../src/auth/api-clients.js';
import { TokenService } from '../../src/auth/tokens.js';
import { buildApp, type AppDependencies } from '../../src/http/app.js';
import type { IssueToken } from '../../src/http/token-route.js';
import { verifyClientSecret } from '../../src/auth/api-clients.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { QueryCancelledError, type Store } from '../../src/store/store.js';
import { openFleet, SECOND_CUSTOMER, type Fleet } from '../support/fleet.js';

const C = '_customer_id';
const execFileAsync = promisify(execFile);
let fleet: Fleet;
let tokens: TokenService;
let clock = new Date();
let app: FastifyInstance;
let first: { clientId: string; clientSecret: string };
let second: { clientId: string; clientSecret: string };

function issueWith(store: Store, service: TokenService): IssueToken {
  return async ({ clientId, clientSecret, customerId }) => {
    const client = await verifyClientSecret(store, clientId, clientSecret);
    if (!client || (customerId !== undefined && customerId.toLowerCase() !== client.customerId.toLowerCase())) return undefined;
    return service.issue({ clientId: client.clientId, customerId: client.customerId }, clock);
  };
}

async function tokenApp(overrides: Partial<AppDependencies> = {}): Promise<FastifyInstance> {
  return buildApp({
    model: monitorModel,
    store: fleet.store,
    compiler: () => new DuckDbQueryCompiler(),
    access: { kind: 'tokens', tokens },
    issueToken: issueWith(fleet.store, tokens),
    now: () => clock,
    ...overrides,
  });
}

async function tokenFor(client: { clientId: string; clientSecret: string }, customer = 'root'): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/cctrustoauth2/${customer}/tokens/clients`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }).toString(),
  });
  assert.equal(response.statusCode, 200, response.body);
  return JSON.parse(response.body).access_token;
}

before(async () => {
  fleet = await openFleet();
  tokens = await TokenService.open(fleet.store);
  first = await addClient(fleet.store, fleet.customerId);
  second = await addClient(fleet.store, SECOND_CUSTOMER);
  app = await tokenApp();
});

after(async () => {
  await app?.close();
  await fleet?.close();
});

describe('token endpoint', () => {
  test('client credentials get a one-hour bearer token, at root and at the customer id', async () => {
    for (const customer of ['root', fleet.customerId]) {
      const response = await app.inject({
        method: 'POST',
        url: `/cctrustoauth2/${customer}/tokens/clients`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        payload: `grant_type=client_credentials&client_id=${encodeURIComponent(first.clientId)}&client_secret=${encodeURIComponent(first.clientSecret)}`,
      });
      assert.equal(response.statusCode, 200, response.body);
      const body = JSON.parse(response.body);
      assert.equal(body.token_type, 'bearer');
      assert.equal(body.expires_in, 3600);
      assert.match(body.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    }
  });

  test('wrong credentials get 401, malformed requests 400, as OAuth 2 answers', async () => {
    const post = (payload: string, customer = 'root') =>
      app.inject({ method: 'POST', url: `/cctrustoauth2/${customer}/tokens/clients`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
    const cases: [string, number, string, string?][] = [
      [`grant_type=client_credentials&client_id=${first.clientId}&client_secret=wrong`, 401, 'invalid_client'],
      [`grant_type=client_credentials&client_id=00000000-0000-0000-0000-000000000000&client_secret=${first.clientSecret}`, 401, 'invalid_client'],
      // A client of another customer than the URL names.
      [`grant_type=client_credentials&client_id=${second.clientId}&client_secret=${second.clientSecret}`, 401, 'invalid_client', fleet.customerId],
      [`grant_type=client_credentials&client_id=${first.clientId}`, 400, 'invalid_request'],
      ['', 400, 'invalid_request'],
      [`grant_type=password&client_id=${first.clientId}&client_secret=${first.clientSecret}`, 400, 'unsupported_grant_type'],
    ];
    for (const [payload, status, error, customer] of cases) {
      const response = await post(payload, customer);
      assert.equal(response.statusCode, status, `${payload}: ${response.body}`);
      assert.equal(JSON.parse(response.body).error, error, payload);
    }
  });
});

describe('requests with tokens', () => {
  test('every route asks for a token: 401 with the Citrix Cloud body without one', async () => {
    for (const url of ['/monitorodata/', '/monitorodata/$metadata', '/monitorodata/Machines', '/Citrix/Monitor/OData/v4/Data/Sessions?$top=1']) {
      for (const authorization of [undefined, 'CWSAuth bearer=not-a-token', 'Basic dXNlcjpwYXNz']) {
        const response = await app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
        assert.equal(response.statusCode, 401, `${url} ${authorization}`);
        const body = JSON.parse(response.body);
        assert.equal(body.type, 'https://errors-api.cloud.com/common/authentication');
        assert.ok(typeof body.detail === 'string' && body.detail.length > 0);
      }
    }
  });

  test('the Authorization spellings real clients send, with Citrix-CustomerId or the legacy Customer header', async () => {
    const token = await tokenFor(first);
    const [[machines]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE ${C} = $1`, [fleet.customerId]);
    const spellings = [`CWSAuth bearer=${token}`, `CwsAuth Bearer=${token}`, `CWSAuth Bearer= ${token}`, `Bearer ${token}`];
    for (const authorization of spellings) {
      for (const customerHeader of [{ 'citrix-customerid': fleet.customerId }, { customer: fleet.customerId }, {}]) {
        const response = await app.inject({ method: 'GET', url: '/monitorodata/Machines?$count=true&$top=0', headers: { authorization, ...customerHeader } });
        assert.equal(response.statusCode, 200, `${authorization} ${JSON.stringify(customerHeader)}: ${response.body}`);
        assert.equal(JSON.parse(response.body)['@odata.count'], Number(machines));
      }
    }
    const metadata = await app.inject({ method: 'GET', url: '/monitorodata/$metadata', headers: { authorization: `CWSAuth bearer=${token}` } });
    assert.equal(metadata.statusCode, 200);
  });

  test('a token used for another customer than the header names gets 403', async () => {
    const token = await tokenFor(first);
    for (const header of ['citrix-customerid', 'customer']) {
      const response = await app.inject({ method: 'GET', url: '/monitorodata/Machines', headers: { authorization: `CWSAuth bearer=${token}`, [header]: SECOND_CUSTOMER } });
      assert.equal(response.statusCode, 403);
      assert.equal(JSON.parse(response.body).type, 'https://errors-api.cloud.com/common/authorization');
    }
  });

  test('each token sees its own customer only', async () => {
    const token = await tokenFor(second);
    const [[expected]] = await fleet.sql(`SELECT count(*) FROM Sessions WHERE ${C} = $1`, [SECOND_CUSTOMER]);
    const response = await app.inject({ method: 'GET', url: '/monitorodata/Sessions/$count', headers: { authorization: `CWSAuth bearer=${token}`, 'citrix-customerid': SECOND_CUSTOMER } });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(Number(response.body), Number(expected));
    const [[mine]] = await fleet.sql(`SELECT count(*) FROM Sessions WHERE ${C} = $1`, [fleet.customerId]);
    assert.notEqual(Number(mine), Number(expected));
  });

  test('a token expires after an hour', async () => {
    const issuedAt = clock;
    const token = await tokenFor(first);
    const get = () => app.inject({ method: 'GET', url: '/monitorodata/Machines?$top=1', headers: { authorization: `CWSAuth bearer=${token}` } });
    try {
      clock = new Date(issuedAt.getTime() + 3590_000);
      assert.equal((await get()).statusCode, 200);
      clock = new Date(issuedAt.getTime() + 3610_000);
      assert.equal((await get()).statusCode, 401);
    } finally {
      clock = issuedAt;
    }
  });

  test("a revoked client's token stops working", async () => {
    const client = await addClient(fleet.store, fleet.customerId);
    const token = await tokenFor(client);
    const get = () => app.inject({ method: 'GET', url: '/monitorodata/Machines?$top=1', headers: { authorization: `CWSAuth bearer=${token}` } });
    assert.equal((await get()).statusCode, 200);
    assert.equal(await removeClient(fleet.store, client.clientId), true);
    // A fresh service (what a restart loads) and the running one after its cache of active clients turns over.
    const restarted = await tokenApp({ access: { kind: 'tokens', tokens: await TokenService.open(fleet.store) } });
    try {
      const response = await restarted.inject({ method: 'GET', url: '/monitorodata/Machines?$top=1', headers: { authorization: `CWSAuth bearer=${token}` } });
      assert.equal(response.statusCode, 401);
    } finally {
      await restarted.close();
    }
  });
});

/** The fleet's store, with every query held until `open()` (or its signal) lets it go: requests stay in flight as long as a test needs. */
function heldStore(store: Store) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const aborted: unknown[] = [];
  const state = { started: 0 };
  const held: Store = {
    engine: store.engine,
    async query(query, options) {
      state.started++;
      await new Promise<void>((resolve, reject) => {
        const signal = options?.signal;
        signal?.addEventListener('abort', () => {
          aborted.push(signal.reason);
          reject(new QueryCancelledError(signal.reason));
        });
        void gate.then(resolve);
      });
      return store.query(query);
    },
    execute: (sql, parameters) => store.execute(sql, parameters),
    close: async () => undefined,
  };
  return { store: held, open, aborted, state };
}

describe('concurrency and time limits', () => {
  test('a burst gets one answer per customer and 429s for the rest; the slot is free afterwards', async () => {
    const held = heldStore(fleet.store);
    const limited = await tokenApp({ store: held.store });
    try {
      const mine = `CWSAuth bearer=${await tokenFor(first)}`;
      const theirs = `CWSAuth bearer=${await tokenFor(second)}`;
      const get = (authorization: string) => limited.inject({ method: 'GET', url: '/monitorodata/Machines?$top=2', headers: { authorization } });
      const burst = Array.from({ length: 5 }, () => get(mine));
      // Give the burst time to reach the limit while the first query is held.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const other = get(theirs);
      held.open();
      const statuses = (await Promise.all(burst)).map((r) => r.statusCode);
      assert.deepEqual(statuses.filter((s) => s === 200).length, 1, String(statuses));
      assert.deepEqual(statuses.filter((s) => s === 429).length, 4, String(statuses));
      const refused = (await Promise.all(burst)).find((r) => r.statusCode === 429)!;
      assert.equal(refused.headers['retry-after'], '4');
      const body = JSON.parse(refused.body);
      assert.equal(body.type, 'https://errors-api.cloud.com/common/rateLimitExceeded');
      assert.deepEqual(body.parameters, [{ name: 'retryDelay', value: '4' }, { name: 'transactionId', value: refused.headers['citrix-transactionid'] }]);
      assert.equal((await other).statusCode, 200, 'another customer is not held back');
      assert.equal((await get(mine)).statusCode, 200, 'the slot is free again');
    } finally {
      await limited.close();
    }
  });

  test('a failed query frees its slot', async () => {
    const token = `CWSAuth bearer=${await tokenFor(first)}`;
    for (const url of ['/monitorodata/Machines?$filter=NoSuchProperty eq 1', '/monitorodata/Machines(00000000-0000-0000-0000-000000000000)', '/monitorodata/Machines?$top=1']) {
      const response = await app.inject({ method: 'GET', url, headers: { authorization: token } });
      assert.notEqual(response.statusCode, 429, url);
    }
  });

  test('a query past the time limit is cancelled and answered 503; the slot is free afterwards', async () => {
    const held = heldStore(fleet.store);
    const limited = await tokenApp({ store: held.store, queryTimeoutMs: 100 });
    try {
      const token = `CWSAuth bearer=${await tokenFor(first)}`;
      const response = await limited.inject({ method: 'GET', url: '/monitorodata/Machines?$top=2', headers: { authorization: token } });
      assert.equal(response.statusCode, 503, response.body);
      const body = JSON.parse(response.body);
      assert.equal(body.error.code, 'QueryTimeout');
      assert.match(body.error.message, /0\.1 s/);
      assert.equal(held.aborted.length, 1);
      held.open();
      assert.equal((await limited.inject({ method: 'GET', url: '/monitorodata/Machines?$top=2', headers: { authorization: token } })).statusCode, 200);
    } finally {
      await limited.close();
    }
  });

  test('a client that goes away cancels its query and frees its slot', async () => {
    const held = heldStore(fleet.store);
    const limited = await tokenApp({ store: held.store });
    try {
      const token = `CWSAuth bearer=${await tokenFor(first)}`;
      const address = await limited.listen({ port: 0, host: '127.0.0.1' });
      const controller = new AbortController();
      const gone = fetch(`${address}/monitorodata/Machines?$top=2`, { headers: { authorization: token }, signal: controller.signal }).catch((e: Error) => e.name);
      for (let i = 0; i < 200 && held.state.started === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(held.state.started, 1, 'the query reached the engine');
      controller.abort();
      assert.equal(await gone, 'AbortError');
      for (let i = 0; i < 100 && held.aborted.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(held.aborted.length, 1, 'the query saw the cancellation');
      held.open();
      const again = await fetch(`${address}/monitorodata/Machines?$top=2`, { headers: { authorization: token } });
      assert.equal(again.status, 200);
    } finally {
      await limited.close();
    }
  });
});

describe("Citrix's published token samples, run as written", () => {
  test('the Python sample (form POST, access_token, CWSAuth bearer=) against a listening server', async (t) => {
    const probe = spawnSync('python3', ['-c', 'import requests'], { encoding: 'utf8' });
    if (probe.status !== 0) return t.skip('python3 with requests is not installed here; the fetch variant below covers the same flow');
    const server = await tokenApp();
    try {
      const address = await server.listen({ port: 0, host: '127.0.0.1' });
      // Asynchronously: the server answering it runs in this process.
      const run = await execFileAsync('python3', ['test/clients/citrix_token_sample.py', address, fleet.customerId, first.clientId, first.clientSecret], { encoding: 'utf8', timeout: 60_000 });
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
      assert.equal(result.status, 200);
      const expected = await fleet.sql(`SELECT Id::VARCHAR, Name FROM Machines WHERE ${C} = $1 ORDER BY Id LIMIT 3`, [fleet.customerId]);
      assert.deepEqual(result.body.value.map((m: any) => [m.Id, m.Name]), expected.map((r) => [...r]));
    } finally {
      await server.close();
    }
  });

  test('the same flow with fetch, as the PowerShell sample sends it (root, form body)', async () => {
    const server = await tokenApp();
    try {
      const address = await server.listen({ port: 0, host: '127.0.0.1' });
      const tokenResponse = await fetch(`${address}/cctrustoauth2/root/tokens/clients`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: first.clientId, client_secret: first.clientSecret }),
      });
      assert.equal(tokenResponse.status, 200);
      const bearer = `CWSAuth bearer=${((await tokenResponse.json()) as { access_token: string }).access_token}`;
      const data = await fetch(`${address}/monitorodata/Machines?$top=3&$select=Id,Name`, { headers: { Authorization: bearer, 'Citrix-CustomerId': fleet.customerId } });
      assert.equal(data.status, 200);
      const expected = await fleet.sql(`SELECT Id::VARCHAR FROM Machines WHERE ${C} = $1 ORDER BY Id LIMIT 3`, [fleet.customerId]);
      assert.deepEqual(((await data.json()) as any).value.map((m: any) => m.Id), expected.map((r) => r[0]));
    } finally {
      await server.close();
    }
  });
});
