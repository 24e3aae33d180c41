// Tenant isolation over every query path: two customers in one database, each asking every kind of
// question; no answer may hold, count or reveal anything of the other. A row is recognised by its
// GUIDs: every GUID column of every entity set of the other customer is collected by plain SQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { CUSTOMER_COLUMN, monitorModel, tableOf } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { isoOfMicros, openFleet, SECOND_CUSTOMER, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
const apps = new Map<string, FastifyInstance>();
const guidsOf = new Map<string, Set<string>>();

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

async function guidsOfCustomer(customerId: string): Promise<Set<string>> {
  const guids = new Set<string>();
  for (const set of monitorModel.sets) {
    const type = monitorModel.entityType(set.entityType);
    for (const property of type.properties.filter((p) => p.type === 'Edm.Guid')) {
      const rows = await fleet.sql(`SELECT DISTINCT "${property.name}"::VARCHAR FROM "${tableOf(monitorModel, set.entityType)}" WHERE ${CUSTOMER_COLUMN} = $1 AND "${property.name}" IS NOT NULL`, [customerId]);
      for (const [g] of rows) guids.add(g as string);
    }
  }
  return guids;
}

before(async () => {
  fleet = await openFleet({ machines: 30, days: 2 });
  for (const customer of [fleet.customerId, SECOND_CUSTOMER]) {
    apps.set(customer, await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(customer) }));
    guidsOf.set(customer, await guidsOfCustomer(customer));
  }
});

after(async () => {
  for (const app of apps.values()) await app.close();
  await fleet?.close();
});

const other = (customer: string) => (customer === fleet.customerId ? SECOND_CUSTOMER : fleet.customerId);

/** Every page of the answer (following next links), as text. */
async function pagesOf(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<{ status: number; texts: string[] }> {
  const texts: string[] = [];
  let next: string | undefined = url;
  let status = 0;
  while (next) {
    const response: { statusCode: number; body: string; headers: Record<string, unknown> } = await app.inject({ method: 'GET', url: next, headers });
    status = response.statusCode;
    texts.push(response.body);
    const link: string | undefined = status === 200 && response.headers['content-type']?.toString().includes('json') ? JSON.parse(response.body)['@odata.nextLink'] : undefined;
    next = link ? new URL(link).pathname + new URL(link).search : undefined;
  }
  return { status, texts };
}

/** A customer's rows of a single-key entity set, by key text, as JSON would write each value. */
const rowsOf = new Map<string, Map<string, Record<string, string>>>();

function asText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return String(value);
  return String(value);
}

async function ownRows(customer: string, setName: string): Promise<Map<string, Record<string, string>>> {
  const cacheKey = `${customer}/${setName}`;
  let rows = rowsOf.get(cacheKey);
  if (rows) return rows;
  const set = monitorModel.entitySet(setName)!;
  const type = monitorModel.entityType(set.entityType);
  const props = type.properties;
  const result = await fleet.sql(`SELECT ${props.map((p) => `"${p.name}"`).join(', ')} FROM "${tableOf(monitorModel, set.entityType)}" WHERE ${CUSTOMER_COLUMN} = $1`, [customer]);
  rows = new Map();
  for (const row of result) {
    const values: Record<string, string> = {};
    props.forEach((p, i) => (values[p.name] = p.type === 'Edm.DateTimeOffset' && typeof row[i] === 'bigint' ? isoOfMicros(row[i] as bigint) : asText(row[i])));
    rows.set(values[type.key[0]!]!, values);
  }
  rowsOf.set(cacheKey, rows);
  return rows;
}

/**
 * Every entity in a full-metadata answer is the asking customer's own: its `@odata.id` names a key
 * of that customer, and every property written equals that row's (a join that forgot the tenant
 * would bring in the other customer's row with the same key).
 */
async function assertOwnEntities(customer: string, texts: string[], what: string): Promise<number> {
  let checked = 0;
  const visit = async (node: unknown): Promise<void> => {
    if (Array.isArray(node)) {
      for (const item of node) await visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const entity = node as Record<string, unknown>;
    const id = entity['@odata.id'];
    const single = typeof id === 'string' ? /\/([A-Za-z]+)\(([^=,()]+)\)$/.exec(decodeURI(id)) : null;
    if (single) {
      const rows = await ownRows(customer, single[1]!);
      const own = rows.get(single[2]!.replace(/^'(.*)'$/, '$1'));
      assert.ok(own, `${what}: ${id} is not a row of the asking customer`);
      for (const [name, value] of Object.entries(entity)) {
        if (name.includes('@') || (typeof value === 'object' && value !== null) || !(name in own)) continue;
        assert.equal(asText(value), own[name], `${what}: ${id}.${name}`);
      }
      checked++;
    }
    for (const value of Object.values(entity)) if (typeof value === 'object') await visit(value);
  };
  for (const text of texts) await visit(JSON.parse(text));
  return checked;
}

function assertNothingOf(customer: string, texts: string[], what: string): void {
  const foreign = guidsOf.get(other(customer))!;
  const mine = guidsOf.get(customer)!;
  for (const text of texts) {
    for (const [guid] of text.matchAll(GUID)) {
      assert.ok(!foreign.has(guid) || mine.has(guid), `${what}: ${guid} belongs to the other customer`);
    }
  }
}

const root = '/monitorodata';
const paths = [
  'Machines?$expand=Sessions($expand=Connections,User),DesktopGroup,Catalog,Hypervisor',
  'DesktopGroups?$expand=Machines($expand=Sessions($expand=Connections($expand=Session)))',
  'Sessions?$filter=Machine/DesktopGroup/Name ne null&$expand=Machine($expand=DesktopGroup),User',
  'Users?$filter=Sessions/any(s: s/Machine/Name ne null)&$expand=Sessions($expand=Machine)',
  'Users?$filter=Sessions/all(s: s/Machine/DesktopGroup/Name ne null)',
  'Machines?$filter=Sessions/$count gt 0&$select=Id,Name&$count=true',
  'Machines?$orderby=DesktopGroup/Name desc,Name&$select=Id,DesktopGroupId',
  'Sessions?$compute=length(Machine/Name) as L&$filter=L gt 0&$select=SessionKey,MachineId,L',
  'ResourceUtilizationSummary?$select=MachineId,DesktopGroupId,SummaryDate',
  'ConnectionFailureLogs?$expand=Machine($select=Name,Id),User,Session',
  'MachineFailureLogs?$expand=Machine($expand=DesktopGroup)',
  'LogOnMetrics?$expand=Session($expand=Machine)',
  'Machines?$apply=groupby((DesktopGroup/Name),aggregate($count as N))',
  'ResourceUtilizationSummary?$apply=expand(Machine,expand(DesktopGroup,filter(Name ne null)))/groupby((DesktopGroupId,Machine/DesktopGroup/Name),aggregate(cast(UptimeInMinutes,Edm.Int64) with sum as U))',
  'Sessions?$apply=filter(Machine/Name ne null)/groupby((MachineId,Machine/Name),aggregate(SessionKey with countdistinct as N))',
  'Sessions?$apply=concat(groupby((MachineId)),aggregate($count as N))',
  'Machines?$apply=compute(length(Name) as L)/groupby((CatalogId),aggregate(L with max as M))&$count=true',
];

describe('tenant isolation', () => {
  for (const customer of ['first', 'second']) {
    test(`every query path of the ${customer} customer holds nothing of the other`, async () => {
      const id = customer === 'first' ? fleet.customerId : SECOND_CUSTOMER;
      const app = apps.get(id)!;
      let checked = 0;
      for (const path of paths) {
        for (const headers of [{}, { Prefer: 'odata.maxpagesize=7' }] as Record<string, string>[]) {
          const { status, texts } = await pagesOf(app, `${root}/${path.replace(/ /g, '%20')}`, headers);
          assert.equal(status, 200, `${path}: ${texts.at(-1)}`);
          assertNothingOf(id, texts, path);
          if (!path.includes('$apply')) {
            const full = await pagesOf(app, `${root}/${path.replace(/ /g, '%20')}&$format=application/json;odata.metadata=full`, headers);
            checked += await assertOwnEntities(id, full.texts, path);
          }
        }
      }
      assert.ok(checked > 100, `${checked} entities checked`);
    });
  }

  test('counts count only the asking customer', async () => {
    for (const id of [fleet.customerId, SECOND_CUSTOMER]) {
      const app = apps.get(id)!;
      for (const [url, sql] of [
        ['Sessions/$count', `SELECT count(*) FROM Sessions WHERE ${CUSTOMER_COLUMN} = $1`],
        ['Machines?$count=true&$top=0', `SELECT count(*) FROM Machines WHERE ${CUSTOMER_COLUMN} = $1`],
        ['Users?$apply=aggregate($count as N)', `SELECT count(*) FROM Users WHERE ${CUSTOMER_COLUMN} = $1`],
        ['DesktopGroups?$filter=Machines/$count ge 0&$count=true&$top=0', `SELECT count(*) FROM DesktopGroups WHERE ${CUSTOMER_COLUMN} = $1`],
        // Lambdas and navigation counts are correlated subqueries: each needs the tenant too.
        ['Users?$filter=Sessions/any()&$count=true&$top=0', `SELECT count(*) FROM Users u WHERE u.${CUSTOMER_COLUMN} = $1 AND EXISTS (SELECT 1 FROM Sessions s WHERE s.UserId = u.Id AND s.${CUSTOMER_COLUMN} = $1)`],
        ['Machines?$filter=Sessions/$count gt 1&$count=true&$top=0', `SELECT count(*) FROM Machines m WHERE m.${CUSTOMER_COLUMN} = $1 AND (SELECT count(*) FROM Sessions s WHERE s.MachineId = m.Id AND s.${CUSTOMER_COLUMN} = $1) > 1`],
      ] as const) {
        const [[expected]] = await fleet.sql(sql, [id]);
        const response = await app.inject({ method: 'GET', url: `${root}/${url}` });
        const body = response.body.startsWith('{') ? JSON.parse(response.body) : Number(response.body);
        const got = typeof body === 'number' ? body : (body['@odata.count'] ?? body.value[0].N);
        assert.equal(Number(got), Number(expected), `${id} ${url}`);
      }
    }
  });

  test("the other customer's keys are not found, also after navigation", async () => {
    const [[machine]] = await fleet.sql(`SELECT Id::VARCHAR FROM Machines WHERE ${CUSTOMER_COLUMN} = $1 LIMIT 1`, [SECOND_CUSTOMER]);
    const [[session]] = await fleet.sql(`SELECT SessionKey::VARCHAR FROM Sessions WHERE ${CUSTOMER_COLUMN} = $1 LIMIT 1`, [SECOND_CUSTOMER]);
    const app = apps.get(fleet.customerId)!;
    for (const url of [`Machines(${machine})`, `Machines(${machine})/Name`, `Machines(${machine})/DesktopGroup`, `Sessions(${session})`]) {
      assert.equal((await app.inject({ method: 'GET', url: `${root}/${url}` })).statusCode, 404, url);
    }
    const sessions = await app.inject({ method: 'GET', url: `${root}/Machines(${machine})/Sessions` });
    assert.ok(sessions.statusCode === 404 || JSON.parse(sessions.body).value.length === 0, sessions.body);
    const filtered = await app.inject({ method: 'GET', url: `${root}/Sessions?$filter=MachineId eq ${machine} or SessionKey eq ${session}` });
    assert.equal(JSON.parse(filtered.body).value.length, 0);
  });

  test("a next link of one customer, followed by the other, is refused (its skiptoken is sealed to its customer)", async () => {
    const url = `${root}/ResourceUtilizationSummary?$select=MachineId,SummaryDate,Granularity`;
    const headers = { Prefer: 'odata.maxpagesize=50' };
    const first = JSON.parse((await apps.get(SECOND_CUSTOMER)!.inject({ method: 'GET', url, headers })).body);
    const second = JSON.parse((await apps.get(SECOND_CUSTOMER)!.inject({ method: 'GET', url: new URL(first['@odata.nextLink']).pathname + new URL(first['@odata.nextLink']).search, headers })).body);
    // Its link now names a read-ahead block (and a prepared page) of the second customer.
    const link = new URL(second['@odata.nextLink']);
    const { status, texts } = await pagesOf(apps.get(fleet.customerId)!, link.pathname + link.search, headers);
    assert.equal(status, 400, texts.at(-1));
    assert.equal(JSON.parse(texts.at(-1)!).error.target, '$skiptoken');
    assertNothingOf(fleet.customerId, texts, 'a foreign next link');
  });
});
