// What an operator and a browser see around every answer: a request id in the headers, in every
// error body and in the one log line per request; no credential in the log; security headers;
// CORS only for the origins the operator names.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { loggableUrl } from '../../src/http/request-log.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { openTokenServer } from '../support/servers.js';

const root = '/monitorodata';
const ORIGIN = 'https://reports.example';
let fleet: Fleet;
let app: FastifyInstance;
let credentials: { clientId: string; clientSecret: string };
let baseUrl: string;
const logged: string[] = [];

before(async () => {
  fleet = await openFleet({ postgres: false, machines: 6, days: 1 });
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logged.push(...chunk.toString().split('\n').filter((l) => l !== '')));
  const server = await openTokenServer(fleet, Date.now(), { log: { level: 'info', stream }, cors: { origins: [ORIGIN] } });
  ({ app, credentials, baseUrl } = server);
});

after(async () => {
  await app?.close();
  await fleet?.close();
});

async function token(): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/cctrustoauth2/root/tokens/clients`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret }).toString(),
  });
  assert.equal(response.statusCode, 200);
  return JSON.parse(response.body).access_token;
}

describe('request ids, logs and headers', () => {
  test('a request id comes back in the headers and in every error body; a usable caller id is kept', async () => {
    const access = await token();
    const headers = { authorization: `CWSAuth bearer=${access}`, 'citrix-customerid': fleet.customerId };
    const ok = await app.inject({ method: 'GET', url: `${root}/Machines?$top=1`, headers });
    assert.equal(ok.statusCode, 200);
    assert.match(String(ok.headers['citrix-transactionid']), /^[0-9a-f-]{36}$/);
    assert.equal(ok.headers['x-request-id'], ok.headers['citrix-transactionid']);

    const bad = await app.inject({ method: 'GET', url: `${root}/Machines?$filter=Name eq`, headers: { ...headers, 'citrix-transactionid': 'trace-42' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.headers['citrix-transactionid'], 'trace-42');
    assert.equal(JSON.parse(bad.body).error.innererror.requestId, 'trace-42');
    assert.equal(typeof JSON.parse(bad.body).error.innererror.position, 'number', 'the position stays');

    const unauthenticated = await app.inject({ method: 'GET', url: `${root}/Machines`, headers: { 'x-request-id': 'bad id with spaces' } });
    assert.equal(unauthenticated.statusCode, 401);
    const id = String(unauthenticated.headers['x-request-id']);
    assert.notEqual(id, 'bad id with spaces', 'an id that is not a plain token is replaced');
    assert.deepEqual(JSON.parse(unauthenticated.body).parameters.at(-1), { name: 'transactionId', value: id });

    const missing = await app.inject({ method: 'GET', url: `${root}/NoSuchSet`, headers });
    assert.equal(JSON.parse(missing.body).error.innererror.requestId, missing.headers['x-request-id']);
  });

  test('one log line per request with its id, and no secret or token anywhere in the log', async () => {
    logged.length = 0;
    const access = await token();
    await app.inject({ method: 'POST', url: `/cctrustoauth2/root/tokens/clients?client_secret=${credentials.clientSecret}`, payload: '' });
    const response = await app.inject({ method: 'GET', url: `${root}/Machines?$top=2`, headers: { authorization: `CWSAuth bearer=${access}`, 'citrix-customerid': fleet.customerId } });
    assert.equal(logged.length, 3, logged.join('\n'));
    const lines = logged.map((l) => JSON.parse(l));
    assert.equal(lines[0].status, 200);
    assert.ok(lines[1].status >= 400 && lines[1].status < 500, 'a token request without credentials is refused');
    assert.equal(lines[2].status, 200);
    assert.equal(lines[2].requestId, response.headers['x-request-id']);
    assert.equal(lines[2].url, `${root}/Machines?$top=2`);
    const text = logged.join('\n');
    for (const secret of [credentials.clientSecret, access]) assert.ok(!text.includes(secret), 'a credential reached the log');
    assert.match(lines[1].url, /client_secret=\*\*\*/);
  });

  test('credential-like query parameters are masked in logged URLs, others kept', () => {
    assert.equal(loggableUrl('/x?client_secret=s&$top=3&access_token=t&Token=u'), '/x?client_secret=***&$top=3&access_token=***&Token=***');
    assert.equal(loggableUrl('/monitorodata/Machines?$filter=Name%20eq%20%27a%27'), '/monitorodata/Machines?$filter=Name%20eq%20%27a%27');
  });

  test('security headers on answers and errors', async () => {
    for (const url of [`${root}/Machines`, '/nowhere']) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(response.headers['cache-control'], 'no-store', url);
      assert.match(String(response.headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/, url);
      assert.equal(response.headers['referrer-policy'], 'no-referrer', url);
      assert.equal(response.headers['x-powered-by'], undefined, url);
    }
  });

  test('CORS answers the named origin only; a server without --cors answers none', async () => {
    const preflight = (origin: string, server: FastifyInstance) =>
      server.inject({ method: 'OPTIONS', url: `${root}/Machines`, headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,citrix-customerid' } });
    const allowed = await preflight(ORIGIN, app);
    assert.equal(allowed.statusCode, 204);
    assert.equal(allowed.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(allowed.headers['access-control-allow-headers']).toLowerCase(), /citrix-customerid/);
    assert.equal((await preflight('https://elsewhere.example', app)).headers['access-control-allow-origin'], undefined);
    const closed = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId) });
    try {
      const response = await closed.inject({ method: 'GET', url: `${root}/Machines?$top=1`, headers: { origin: ORIGIN } });
      assert.equal(response.headers['access-control-allow-origin'], undefined);
    } finally {
      await closed.close();
    }
  });

  test('a request Node refuses (headers past the limit) gets an OData error and Connection: close', async () => {
    const { port } = new URL(baseUrl);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    const answer = await raw(`GET ${root}/Machines?$filter=${'x'.repeat(1_100_000)} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head!, /^HTTP\/1.1 431 /);
    assert.match(head!, /\r\nConnection: close\r\n/i);
    assert.equal(JSON.parse(body!).error.code, 'BadRequest');
    assert.match(JSON.parse(body!).error.message, /at most \d+ characters/);
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1.1 400 /);
    assert.equal(JSON.parse(garbage.split('\r\n\r\n')[1]!).error.code, 'BadRequest');
  });
});
