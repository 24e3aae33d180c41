// Retries through a stub in front of the real app that fails the requests the test says (429 with
// Retry-After, 503 without, a reset connection) before it passes them on.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MonitorClient, MonitorODataError, query, retryAfterMs, type RetryInfo } from '../../src/client/index.js';
import { backoffMs, retryPolicy } from '../../src/client/retry.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { openServer } from '../support/servers.js';

type Failure = { status: 429 | 503; retryAfter?: string } | 'reset';

let fleet: Fleet;
let upstream: { app: FastifyInstance; baseUrl: string };
let stub: Server;
let stubRoot: string;
/** What the next requests meet, in order; once it is empty they reach the app. */
let failures: Failure[] = [];
let requests: string[] = [];

async function pass(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const answer = await upstream.app.inject({ method: 'GET', url: request.url!, headers: request.headers as Record<string, string> });
  response.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type']) });
  response.end(answer.rawPayload);
}

before(async () => {
  fleet = await openFleet({ postgres: false, machines: 12, days: 2 });
  upstream = await openServer(fleet);
  stub = createServer((request, response) => {
    requests.push(request.url!);
    const failure = failures.shift();
    if (failure === 'reset') return void request.socket.destroy();
    if (failure === undefined) return void pass(request, response);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (failure.retryAfter !== undefined) headers['retry-after'] = failure.retryAfter;
    const body = { type: 'https://errors-api.cloud.com/common/rateLimitExceeded', detail: 'Rate limit exceeded; try again in 0 seconds' };
    response.writeHead(failure.status, headers).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  stubRoot = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/monitorodata`;
});

beforeEach(() => {
  failures = [];
  requests = [];
});

after(async () => {
  stub?.closeAllConnections();
  await new Promise((resolve) => stub?.close(resolve));
  await upstream?.app.close();
  await fleet?.close();
});

function client(retries?: number) {
  const retried: RetryInfo[] = [];
  const c = new MonitorClient({ baseUrl: stubRoot, retry: { retries, minDelayMs: 1, maxDelayMs: 20 }, onRetry: (info) => retried.push(info) });
  return { client: c, retried };
}

async function machineIds(): Promise<string[]> {
  return (await fleet.sql(`SELECT Id FROM Machines WHERE _customer_id = $1 ORDER BY Id`, [fleet.customerId])).map(([id]) => String(id));
}

async function rowsOf(c: MonitorClient): Promise<string[]> {
  const ids: string[] = [];
  for await (const row of c.rows(query('Machines').select('Id').orderby('Id'))) ids.push(row.Id);
  return ids;
}

describe('retries', () => {
  test('429 twice with Retry-After: 0, then the answer: three requests, two retries, the right rows', async () => {
    failures = [
      { status: 429, retryAfter: '0' },
      { status: 429, retryAfter: '0' },
    ];
    const { client: c, retried } = client();
    assert.deepEqual(await rowsOf(c), await machineIds());
    assert.equal(requests.length, 3);
    assert.equal(new Set(requests).size, 1, 'the same request each time');
    assert.deepEqual(
      retried.map(({ attempt, status, delayMs }) => ({ attempt, status, delayMs })),
      [
        { attempt: 1, status: 429, delayMs: 0 },
        { attempt: 2, status: 429, delayMs: 0 },
      ],
    );
    assert.equal(retried[0]!.url, `${stubRoot}/Machines?$select=Id&$orderby=Id`);
  });

  test('503 without Retry-After and a reset connection are retried with backoff, on a later page too', async () => {
    const expected = Number((await fleet.sql(`SELECT count(*) FROM ResourceUtilization WHERE _customer_id = $1`, [fleet.customerId]))[0]![0]);
    const { client: c, retried } = client();
    let rows = 0;
    let pages = 0;
    for await (const page of c.pages('ResourceUtilization?$select=MachineId')) {
      rows += page.value.length;
      if (++pages === 1) failures = [{ status: 503 }, 'reset'];
    }
    assert.equal(rows, expected);
    assert.equal(retried.length, 2);
    assert.equal(retried[0]!.status, 503);
    assert.ok(retried[1]!.status === undefined && retried[1]!.error instanceof Error, 'the reset is a network error');
    assert.ok(retried.every((r) => r.delayMs >= 1 && r.delayMs <= 20));
    assert.match(retried[0]!.url, /\$skiptoken=/);
  });

  test('once the retries are spent the 429 surfaces with the Citrix code and message', async () => {
    failures = Array.from({ length: 5 }, () => ({ status: 429 as const, retryAfter: '0' }));
    const { client: c } = client(2);
    await assert.rejects(c.get('Machines'), (e: unknown) => {
      assert.ok(e instanceof MonitorODataError);
      assert.equal(e.status, 429);
      assert.equal(e.code, 'rateLimitExceeded');
      assert.equal(e.message, 'Rate limit exceeded; try again in 0 seconds');
      return true;
    });
    assert.equal(requests.length, 3);
  });

  test('an abort stops the walk without more retries', async () => {
    failures = [{ status: 503, retryAfter: '10' }];
    const c = new MonitorClient({ baseUrl: stubRoot });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 50);
    const started = performance.now();
    await assert.rejects(c.get('Machines', { signal: controller.signal }), /stop/);
    assert.ok(performance.now() - started < 2000);
    assert.equal(requests.length, 1);
  });
});

describe('delays', () => {
  test('Retry-After in seconds or as an HTTP date; backoff grows within its bounds', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(null), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
    const now = Date.parse('2025-05-06T12:00:00Z');
    assert.equal(retryAfterMs('Tue, 06 May 2025 12:00:07 GMT', now), 7000);
    assert.equal(retryAfterMs('Tue, 06 May 2025 11:00:00 GMT', now), 0);
    const policy = { ...retryPolicy({ minDelayMs: 100, maxDelayMs: 1000 }), random: () => 1 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy)), [200, 400, 800, 1000, 1000]);
    assert.equal(backoffMs(3, { ...policy, random: () => 0 }), 100);
  });
});
