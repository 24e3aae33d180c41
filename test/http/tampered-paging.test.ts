// Tampered paging (issue 8): a `$skiptoken` is sealed to the customer, path and options of the query
// that wrote it (src/sql/keyset.ts, src/http/query-handler.ts). Forged, truncated, bit-flipped,
// cross-tenant and cross-query tokens get a 400 naming `$skiptoken`, never another customer's rows,
// nor rows of a query the token was not written for, nor a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { CUSTOMER_COLUMN, monitorModel } from '../../src/model/model.js';
import { ODataError } from '../../src/odata/errors.js';
import { decodePageToken, encodePageToken, sealPageToken } from '../../src/sql/keyset.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { openFleet, SECOND_CUSTOMER, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
let first: FastifyInstance;
let second: FastifyInstance;
/** Every GUID of each customer's machines, sessions and delivery groups. */
const guids = new Map<string, Set<string>>();

before(async () => {
  fleet = await openFleet({ machines: 12, days: 2, postgres: false });
  first = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId) });
  second = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(SECOND_CUSTOMER) });
  for (const customer of [fleet.customerId, SECOND_CUSTOMER]) {
    const rows = await fleet.sql(
      `SELECT Id::VARCHAR FROM Machines WHERE ${CUSTOMER_COLUMN} = $1 UNION ALL SELECT SessionKey::VARCHAR FROM Sessions WHERE ${CUSTOMER_COLUMN} = $1 UNION ALL SELECT Id::VARCHAR FROM DesktopGroups WHERE ${CUSTOMER_COLUMN} = $1`,
      [customer],
    );
    guids.set(customer, new Set(rows.map(([g]) => g as string)));
  }
});

after(async () => {
  await first?.close();
  await second?.close();
  await fleet?.close();
});

const root = '/monitorodata';
const PAGE = { Prefer: 'odata.maxpagesize=2' };

async function get(app: FastifyInstance, url: string, headers: Record<string, string> = PAGE): Promise<{ status: number; body: any; text: string }> {
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: JSON.parse(response.body), text: response.body };
}

/** The next link of a page, below the host. */
function nextOf(body: any): string {
  const link = new URL(body['@odata.nextLink']);
  return link.pathname + link.search;
}

function tokenOf(url: string): string {
  return /[?&]\$skiptoken=([^&]*)/.exec(url)![1]!;
}

function withToken(url: string, token: string): string {
  return url.replace(/([?&]\$skiptoken=)[^&]*/, (_, head: string) => `${head}${token}`);
}

/** The answer is the 400 of an invalid `$skiptoken`, and names no row of either customer. */
function assertRefused(answer: { status: number; body: any; text: string }, what: string): void {
  assert.equal(answer.status, 400, `${what}: ${answer.text}`);
  assert.equal(answer.body.error.code, 'BadRequest', what);
  assert.equal(answer.body.error.target, '$skiptoken', what);
  assert.match(answer.body.error.message, /\$skiptoken is not valid/, what);
  for (const [guid] of answer.text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)) {
    assert.ok(!guids.get(fleet.customerId)!.has(guid) && !guids.get(SECOND_CUSTOMER)!.has(guid), `${what}: the error names ${guid}`);
  }
}

/** The second page's link of a query (its token names a read-ahead block), and the first page's. */
async function links(app: FastifyInstance, url: string): Promise<{ firstNext: string; secondNext: string }> {
  const page1 = await get(app, url);
  assert.equal(page1.status, 200, page1.text);
  const firstNext = nextOf(page1.body);
  const page2 = await get(app, firstNext);
  assert.equal(page2.status, 200, page2.text);
  return { firstNext, secondNext: nextOf(page2.body) };
}

describe('tampered paging', () => {
  test("a real next link still pages, at either service root and with the query re-encoded", async () => {
    const url = `${root}/Sessions?$filter=LogOnDuration gt 0 and Machine/Name ne 'x'&$orderby=StartDate desc&$select=SessionKey,StartDate`;
    const { firstNext } = await links(first, url);
    const page = await get(first, firstNext);
    assert.equal(page.status, 200, page.text);
    const other = await get(first, firstNext.replace(root, '/Citrix/Monitor/OData/v4/Data'));
    assert.deepEqual(other.body.value, page.body.value);
    // A client that rebuilds the URL (URLSearchParams: `+` for spaces, `%27` for quotes, `%24` for `$`) follows the same link.
    const rebuilt = new URL(firstNext, 'http://x');
    const reencoded = await get(first, `${rebuilt.pathname}?${new URLSearchParams(rebuilt.search).toString()}`);
    assert.equal(reencoded.status, 200, reencoded.text);
    assert.deepEqual(reencoded.body.value, page.body.value);
    // Walks to the end, ordered by values of every kind a token carries (a BIGINT `length()` for an Int32 alias among them).
    for (const walk of [`${root}/Machines?$compute=length(Name) as L&$orderby=L desc,IsAssigned&$select=Id`, `${root}/ResourceUtilizationSummary?$orderby=AvgPercentCpu desc&$top=30`, `${root}/Sessions?$apply=groupby((MachineId),aggregate(LogOnDuration with average as A))&$orderby=A`]) {
      let next: string | undefined = walk;
      for (let pages = 0; next; pages++) {
        const answer = await get(first, next);
        assert.equal(answer.status, 200, `${walk}, page ${pages + 1}: ${answer.text}`);
        next = answer.body['@odata.nextLink'] ? nextOf(answer.body) : undefined;
      }
    }
  });

  test("customer A's next link replayed by customer B is refused: neither B's rows nor A's", async () => {
    for (const url of [`${root}/ResourceUtilizationSummary?$select=MachineId,SummaryDate,Granularity`, `${root}/Machines?$orderby=Name`, `${root}/Machines?$apply=groupby((Name),aggregate($count as N))`]) {
      const { firstNext, secondNext } = await links(first, url);
      for (const link of [firstNext, secondNext]) {
        assertRefused(await get(second, link), `${url}: A's link as B`);
        // B's own first page, with A's token in it: the same refusal.
        const own = await get(second, url);
        assertRefused(await get(second, withToken(nextOf(own.body), tokenOf(link))), `${url}: A's token in B's link`);
      }
    }
  });

  test('truncated, bit-flipped, cut or padded tokens are refused', async () => {
    const { firstNext, secondNext } = await links(first, `${root}/Machines?$orderby=Name&$select=Id,Name`);
    for (const link of [firstNext, secondNext]) {
      const token = tokenOf(link);
      const [body, seal] = token.split('.') as [string, string];
      const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const variants: [string, string][] = [
        ['empty', ''],
        ['one character short', token.slice(0, -1)],
        ['half', token.slice(0, token.length >> 1)],
        ['body only', body],
        ['seal only', seal],
        ['an extra character', `${token}A`],
        ['base64 padding', `${token}=`],
        ['two seals', `${token}.${seal}`],
        ['the seal of another page', `${body}.${tokenOf(link === firstNext ? secondNext : firstNext).split('.')[1]}`],
      ];
      for (let at = 0; at < body.length; at += 7) variants.push([`body character ${at} flipped`, `${flip(body, at)}.${seal}`]);
      for (let at = 0; at < seal.length; at++) variants.push([`seal character ${at} flipped`, `${body}.${flip(seal, at)}`]);
      // The decoded token changed and encoded again: it still decodes, but no longer matches its seal.
      const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      for (const change of [{ r: 0 }, { c: 999 }, { b: null }, { a: [...decoded.a].reverse() }]) {
        const changed = Buffer.from(JSON.stringify({ ...decoded, ...change })).toString('base64url');
        if (changed !== body) variants.push([`re-encoded with ${JSON.stringify(change)}`, `${changed}.${seal}`]);
      }
      for (const [what, tampered] of variants) assertRefused(await get(first, withToken(link, tampered)), `${what} (${link})`);
    }
  });

  test('a token of another entity set, or of another $filter, $orderby or $select, is refused', async () => {
    const machines = `${root}/Machines?$orderby=Name`;
    const token = tokenOf((await links(first, machines)).firstNext);
    for (const url of [
      `${root}/Machines?$orderby=Name desc`,
      `${root}/Machines?$orderby=Name&$filter=Name ne null`,
      `${root}/Machines?$orderby=Name&$select=Id`,
      `${root}/Machines?$orderby=Name&$top=500`,
      `${root}/Users?$orderby=UserName`,
      `${root}/DesktopGroups?$orderby=Name`,
      `${root}/machines?$orderby=Name`,
    ]) {
      assertRefused(await get(first, `${url}&$skiptoken=${token}`), url);
    }
    // A token of a walk with a filter, used without it: it would otherwise read rows the filter kept out.
    const filtered = tokenOf((await links(first, `${root}/Sessions?$filter=LogOnDuration gt 20000`)).firstNext);
    assertRefused(await get(first, `${root}/Sessions?$skiptoken=${filtered}`), 'filter dropped');
  });

  test('forged tokens are refused: unsealed, sealed for another scope, or noise', async () => {
    const plausible = encodePageToken({ after: ['W10-0001'], returned: 7, count: undefined, stride: undefined, block: undefined });
    const forged = [
      plausible,
      `${plausible}.AAAAAAAAAAAAAAAAAAAAAA`,
      sealPageToken(plausible, JSON.stringify([SECOND_CUSTOMER, 'Machines', ['$orderby=Name']])),
      sealPageToken(plausible, 'anything'),
      'garbage',
      '%00',
      Buffer.from('{"a":[],"r":-1}').toString('base64url'),
    ];
    for (const token of forged) assertRefused(await get(first, `${root}/Machines?$orderby=Name&$skiptoken=${token}`), token);
  });

  test('a token whose values do not fit the ordering is refused by the decoder (was a 500)', () => {
    // The fuzzer's input: a string and a number where a DateTimeOffset and a Guid order the walk.
    const token = encodePageToken({ after: ['sarah.fischer@corp.example.com', 10n], returned: 3, count: undefined, stride: undefined, block: undefined });
    for (const types of [['Edm.DateTimeOffset', 'Edm.Guid'], ['Edm.Int32', 'Edm.String'], ['Edm.String', 'Edm.Boolean']] as const) {
      assert.throws(() => decodePageToken(token, types), (e: unknown) => e instanceof ODataError && e.status === 400 && e.target === '$skiptoken', types.join());
    }
    assert.deepEqual(decodePageToken(token, ['Edm.String', 'Edm.Int64']).after, ['sarah.fischer@corp.example.com', 10n]);
  });
});
