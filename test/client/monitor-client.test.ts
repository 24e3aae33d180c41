// The client against the real server over HTTP: walks of several pages, tokens renewed before
// they expire and once when refused, and errors as MonitorODataError with the service's code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { MonitorClient, MonitorODataError, query } from '../../src/client/index.js';
import { monitorModel } from '../../src/model/model.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { isTokenRequest, openServer, openTokenServer, recordingFetch, type TokenServer } from '../support/servers.js';

const HOUR = 3_600_000;
let fleet: Fleet;
let open: { app: FastifyInstance; baseUrl: string };
let secured: TokenServer;

before(async () => {
  fleet = await openFleet({ postgres: false, machines: 12, days: 2 });
  open = await openServer(fleet);
  secured = await openTokenServer(fleet, Date.parse('2025-05-06T12:00:00Z'));
});

after(async () => {
  await open?.app.close();
  await secured?.app.close();
  await fleet?.close();
});

async function sqlCount(set: string): Promise<number> {
  const [[n]] = await fleet.sql(`SELECT count(*) FROM ${set} WHERE _customer_id = $1`, [fleet.customerId]);
  return Number(n);
}

/** A client of the token server whose clock the test moves, and what it sent. */
function securedClient(change?: Parameters<typeof recordingFetch>[0]) {
  const clock = { now: secured.now };
  const recorded = recordingFetch(change);
  const client = new MonitorClient({ baseUrl: secured.baseUrl, customerId: fleet.customerId, ...secured.credentials, fetch: recorded.fetch, now: () => clock.now });
  return { client, clock, exchanges: recorded.exchanges };
}

describe('walks', () => {
  test('rows() walks every page of a large set: as many rows as the table holds, each key once', async () => {
    const expected = await sqlCount('ResourceUtilization');
    assert.ok(expected > 2000, `${expected} rows make several pages`);
    const client = new MonitorClient({ baseUrl: open.baseUrl, customerId: fleet.customerId });
    const keys = new Set<string>();
    let rows = 0;
    for await (const row of client.rows(query('ResourceUtilization').select('MachineId', 'CollectedDate', 'PercentCpu'))) {
      rows++;
      keys.add(`${row.MachineId}|${row.CollectedDate}`);
      assert.equal(typeof row.PercentCpu, 'number');
    }
    assert.equal(rows, expected);
    assert.equal(keys.size, expected);
  });

  test('pages() yields each page with its count, context and next link', async () => {
    const client = new MonitorClient({ baseUrl: open.baseUrl });
    const pages = [];
    for await (const page of client.pages('ResourceUtilization?$count=true&$select=MachineId')) pages.push(page);
    const expected = await sqlCount('ResourceUtilization');
    assert.equal(pages.length, Math.ceil(expected / 1000));
    assert.equal(pages[0]!.count, expected);
    assert.match(pages[0]!.context!, /\$metadata#ResourceUtilization\(MachineId\)$/);
    assert.deepEqual(pages.map((p) => p.nextLink === undefined), [...pages.slice(1).map(() => false), true]);
    assert.equal(pages.reduce((n, p) => n + p.value.length, 0), expected);
  });

  test('get() and text() answer single requests; absolute URLs and the other service root work too', async () => {
    const client = new MonitorClient({ baseUrl: open.baseUrl });
    const service = await client.get<{ value: { name: string }[] }>('');
    assert.equal(service.value.length, monitorModel.sets.length);
    assert.match(await client.text('$metadata'), /<edmx:Edmx/);
    assert.equal(Number(await client.text('Machines/$count')), await sqlCount('Machines'));
    const onPrem = open.baseUrl.replace('/monitorodata', '/Citrix/Monitor/OData/v4/Data');
    const rows = [];
    for await (const row of client.rows(`${onPrem}/Machines?$select=Id&$top=3`)) rows.push(row);
    assert.equal(rows.length, 3);
  });
});

describe('tokens', () => {
  test('a token that expires during a walk is replaced before it does, and the walk completes', async () => {
    const { client, clock, exchanges } = securedClient();
    let rows = 0;
    let pages = 0;
    for await (const page of client.pages(query('ResourceUtilization').select('MachineId'))) {
      rows += page.value.length;
      if (++pages === 1) {
        // An hour and a second later, on both clocks: the first token has expired.
        secured.now += HOUR + 1000;
        clock.now += HOUR + 1000;
      }
    }
    assert.ok(pages > 1);
    assert.equal(rows, await sqlCount('ResourceUtilization'));
    assert.equal(exchanges.filter(isTokenRequest).length, 2, 'a second token was fetched');
    assert.ok(exchanges.every((e) => e.status === 200), 'no request was refused');
    const tokenRequest = exchanges.find(isTokenRequest)!;
    assert.equal(tokenRequest.method, 'POST');
    assert.match(tokenRequest.url, new RegExp(`/cctrustoauth2/${fleet.customerId}/tokens/clients$`));
    const data = exchanges.filter((e) => !isTokenRequest(e));
    assert.ok(data.every((e) => e.headers.get('citrix-customerid') === fleet.customerId && /^CWSAuth bearer=\S+$/.test(e.headers.get('authorization') ?? '')));
    assert.notEqual(data[0]!.headers.get('authorization'), data.at(-1)!.headers.get('authorization'));
  });

  test('a token the service refuses (401) is replaced once and the request sent again', async () => {
    const { client, exchanges } = securedClient();
    let rows = 0;
    let pages = 0;
    for await (const page of client.pages(query('ResourceUtilization').select('MachineId'))) {
      rows += page.value.length;
      // Only the server's clock moves: the client believes its token good until the service says otherwise.
      if (++pages === 1) secured.now += HOUR + 1000;
    }
    assert.equal(rows, await sqlCount('ResourceUtilization'));
    assert.equal(exchanges.filter(isTokenRequest).length, 2);
    assert.deepEqual(
      exchanges.filter((e) => e.status === 401).map((e) => isTokenRequest(e)),
      [false],
      'exactly one data request was refused',
    );
  });

  test('refused again after a new token: the 401 surfaces, after exactly one renewal', async () => {
    // A proxy that loses the Authorization header of data requests.
    const { client, exchanges } = securedClient((url, init) => {
      if (url.includes('/cctrustoauth2/')) return init;
      const headers = new Headers(init.headers);
      headers.delete('authorization');
      return { ...init, headers };
    });
    const error = await client.get('Machines?$top=1').then(
      () => assert.fail('expected a 401'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof MonitorODataError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'authentication');
    assert.equal(error.message, 'Missing or invalid authentication details');
    assert.equal(exchanges.filter(isTokenRequest).length, 2);
    assert.equal(exchanges.filter((e) => !isTokenRequest(e)).length, 2);
  });

  test('wrong credentials: the OAuth error of the token endpoint; a static token is sent as is', async () => {
    const wrong = new MonitorClient({ baseUrl: secured.baseUrl, clientId: secured.credentials.clientId, clientSecret: 'wrong', retry: { retries: 0 } });
    await assert.rejects(wrong.get('Machines'), (e: unknown) => e instanceof MonitorODataError && e.status === 401 && e.code === 'invalid_client' && e.message === 'The client id or secret is not valid.');
    const { accessToken } = await secured.tokens.issue({ clientId: secured.credentials.clientId, customerId: fleet.customerId }, new Date(secured.now));
    const fixed = new MonitorClient({ baseUrl: secured.baseUrl, token: accessToken });
    assert.equal((await fixed.get<{ value: unknown[] }>('Machines?$top=2')).value.length, 2);
    const none = new MonitorClient({ baseUrl: secured.baseUrl });
    await assert.rejects(none.get('Machines'), (e: unknown) => e instanceof MonitorODataError && e.status === 401 && e.code === 'authentication');
  });
});

describe('errors', () => {
  test('a bad query surfaces as MonitorODataError with the OData code, message and option', async () => {
    const client = new MonitorClient({ baseUrl: open.baseUrl });
    const walk = async () => {
      for await (const _ of client.rows(query('Machines').filter('Nme eq 1'))) assert.fail('no rows');
    };
    await assert.rejects(walk, (e: unknown) => {
      assert.ok(e instanceof MonitorODataError);
      assert.equal(e.status, 400);
      assert.equal(e.code, 'BadRequest');
      assert.match(e.message, /Could not find a property named 'Nme' on type 'Citrix\.Monitor\.Model\.Machine'/);
      assert.equal(e.target, '$filter');
      assert.match(e.url, /\/monitorodata\/Machines\?\$filter=Nme%20eq%201$/);
      return true;
    });
    await assert.rejects(client.get('NoSuchSet'), (e: unknown) => e instanceof MonitorODataError && e.status === 404 && e.code === 'NotFound');
  });
});
