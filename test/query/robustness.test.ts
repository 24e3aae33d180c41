// Bad input must get a clear 4xx, never a 500: a seeded grammar-aware mutation of real queries.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openFleet, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
before(async () => {
  fleet = await openFleet({ machines: 12, days: 2 });
});
after(async () => {
  await fleet?.close();
});

const bases = [
  'Machines?$orderby=Name&$top=10',
  'Machines?$filter=DesktopGroup eq null&$select=Name,Id',
  "Machines?$filter=contains(tolower(Name),'w10') and CurrentSessionCount ge 1",
  'Users?$filter=Sessions/any(s: s/LogOnDuration gt 600000)&$count=true',
  'ResourceUtilizationSummary?$filter=Granularity eq 60 and SummaryDate eq 2024-07-30T08:00:00Z and UptimeInMinutes gt 0&$expand=Machine($select=Name,AgentVersion),DesktopGroup($select=Name)',
  'ResourceUtilizationSummary?$filter=SummaryDate ge 2025-05-03&$orderby=AvgPercentCpu desc&$top=5',
  'Connections?$filter=Session/FailureDate ge 2024-07-24T00:00:00.000Z &$select=*,&$expand=Session($select=*;$expand=User($select=UPN,UserName),Failure($select=ConnectionFailureEnumValue,Category))',
  'ResourceUtilizationSummary?$apply=filter(Granularity eq 60 and UptimeInMinutes gt 0)/compute(100 mul AvgUsedMemory div AvgTotalMemory as P)/expand(DesktopGroup,filter(Name ne null))/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as A, P with max as M))',
  'ResourceUtilizationSummary?$apply=groupby((MachineId),aggregate(cast(TotalSessionCount,Edm.Int64) with sum as S))/filter(S eq 0)&$count=true',
  'Sessions?$apply=groupby((ConnectionState), aggregate(SessionKey with countdistinct as N))&$orderby=N desc',
  'DesktopGroups?$expand=Machines($select=Name;$top=2;$orderby=Name desc;$count=true)',
  'ResourceUtilizationSummary(MachineId=00000000-0000-0000-0000-000000000001,Granularity=60,SummaryDate=2024-07-30T08:00:00Z)',
  'Machines(00000000-0000-0000-0000-000000000001)/Sessions?$select=SessionKey',
  'Sessions?$compute=year(StartDate) as Y&$filter=Y eq 2025 and round(LogOnDuration div 1000) in (1,2,3)',
  'Machines/$count?$filter=isof(Name, Edm.String) and cast(CurrentSessionCount, Edm.Int64) lt 5',
];

const fragments = ['(', ')', "'", ',', '/', ' eq ', ' and ', ' or ', ' not ', '$', '%', '%zz', '%2', 'null', '0', '-1', '9223372036854775808', '1e999', 'Name', 'any(', ':', ';', '=', '&', '$top=', '$filter=', 'cast(', 'Edm.Int16', '2024-13-45', '00000000-0000', "''", '\u00e9', '*', '@p', '+'];

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  switch (Math.floor(next() * 5)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + fragments[Math.floor(next() * fragments.length)] + text.slice(at);
    case 2:
      return text.slice(0, at);
    case 3:
      return text.slice(0, at) + text.slice(at, at + 1).repeat(2 + Math.floor(next() * 3)) + text.slice(at + 1);
    default: {
      const to = Math.floor(next() * (text.length + 1));
      return text.slice(0, Math.min(at, to)) + fragments[Math.floor(next() * fragments.length)] + text.slice(Math.max(at, to));
    }
  }
}

function encode(text: string): string {
  // Keep what the mutation wrote, but make the URL transmissible: spaces, quotes and non-ASCII encoded.
  return text.replace(/[ "'<>\\^`{|}\u0080-\uffff#]/g, (c) => encodeURIComponent(c));
}

// A longer search: MUTATIONS=50000 MUTATION_SEED=7 node --import tsx --test test/query/robustness.test.ts
const count = Number(process.env.MUTATIONS ?? 3000);
const seed = Number(process.env.MUTATION_SEED ?? 20261123);

test(`${count} mutated queries: no 5xx, every error an OData error with a message`, async () => {
  const next = random(seed);
  const failures: string[] = [];
  let errors = 0;
  for (let i = 0; i < count; i++) {
    let text = bases[i % bases.length]!;
    const rounds = 1 + Math.floor(next() * 3);
    for (let r = 0; r < rounds; r++) text = mutate(text, next);
    const url = `/monitorodata/${encode(text)}`;
    const response = await fleet.app.inject({ method: 'GET', url });
    if (response.statusCode >= 500) failures.push(`${response.statusCode} ${url} ${response.body.slice(0, 200)}`);
    else if (response.statusCode >= 400) {
      errors++;
      const body = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
      if (typeof body.error?.message !== 'string' || body.error.message.length === 0 || typeof body.error.code !== 'string') {
        failures.push(`no OData error body: ${response.statusCode} ${url} ${response.body.slice(0, 200)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(errors > count / 6, `mutations should mostly be invalid, got ${errors} errors`);
});

// Regressions found by the query fuzzer (test/fuzz/query-fuzz.test.ts, bench/fuzz.bench.ts): each
// answered 500 (on one engine or both) before; fleet.get asks DuckDB and PostgreSQL alike.
const root = '/monitorodata';

async function expectError(url: string, status: number, code: string, message: RegExp): Promise<any> {
  const { status: got, body, text } = await fleet.get(url);
  assert.equal(got, status, `${url}: ${text}`);
  assert.equal(body.error.code, code, url);
  assert.match(body.error.message, message, url);
  return body.error;
}

test('an empty in list matches nothing (was invalid SQL `IN ()`)', async () => {
  const none = await fleet.get(`${root}/DesktopGroups?$filter=IsInMaintenanceMode in ()&$count=true`);
  assert.equal(none.status, 200, none.text);
  assert.deepEqual([none.body['@odata.count'], none.body.value], [0, []]);
  const all = await fleet.get(`${root}/Machines/$count?$filter=not (2025-05-05 in ())`);
  const [[machines]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE _customer_id = $1`, [fleet.customerId]);
  assert.equal(all.text, String(machines));
});

test('unsupported OData answers 400 NotImplemented, not 501', async () => {
  for (const [url, message] of [
    ['Machines?$expand=Sessions($levels=2)', /\$levels/],
    ['ConnectionFailureLogs?$expand=User/$count', /'User\/\$count' in \$expand/],
    ['Machines?$apply=aggregate(Id with custom.method as X)', /custom aggregation method/],
    ['DesktopGroups?$apply=groupby((Name),topcount(1,MachineCost))', /topcount\(\) inside groupby\(\)/],
  ] as const) {
    const error = await expectError(`${root}/${url}`, 400, 'NotImplemented', message);
    assert.equal(typeof error.innererror.position, 'number', url);
  }
});

test('a NUL character in a string literal is a 400 with its position (PostgreSQL text cannot hold it)', async () => {
  const error = await expectError(`${root}/Connections?$filter=contains(ClientAddress,'a%00')`, 400, 'BadRequest', /U\+0000/);
  assert.deepEqual([error.target, error.innererror.position], ['$filter', 23]);
  await expectError(`${root}/Machines('%00')`, 400, 'BadRequest', /U\+0000/);
});

test('a cast between types with no conversion is null on both engines (PostgreSQL refused the SQL)', async () => {
  const { body } = await fleet.get(`${root}/Machines?$filter=cast(Id,Edm.Int32) eq null and cast(CreatedDate,Edm.Guid) eq null&$count=true&$top=0`);
  const [[machines]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE _customer_id = $1`, [fleet.customerId]);
  assert.equal(body['@odata.count'], Number(machines));
  const computed = await fleet.get(`${root}/Machines?$compute=cast(CreatedDate,Edm.Int64) as A,cast(true,Edm.Double) as B,cast(IsAssigned,Edm.Int16) as C&$select=A,B,C&$top=1`);
  assert.equal(computed.status, 200, computed.text);
  assert.deepEqual(computed.body.value[0], { A: null, B: null, C: null });
  assert.equal((await fleet.get(`${root}/Machines?$orderby=cast(Id,Edm.Boolean) desc&$top=2`)).status, 200);
  // Such a null has its target type: it is no Boolean, so it cannot be a filter (PostgreSQL refused `WHERE CAST(NULL AS TIMESTAMP)`).
  await expectError(`${root}/Sessions?$filter=cast(1,Edm.DateTimeOffset)`, 400, 'BadRequest', /must evaluate to a single boolean value/);
  await expectError(`${root}/Sessions?$filter=cast(SessionKey,Edm.Date) and true`, 400, 'BadRequest', /incompatible types/);
});

test('ordering by a constant orders nothing (was a SQL column position, or NULL refused by PostgreSQL)', async () => {
  const plain = await fleet.get(`${root}/Sessions?$select=SessionKey&$top=5`);
  for (const order of ['null', '1', "'x'", '1 add 2 desc', 'cast(UserId,Edm.Guid)']) {
    const ordered = await fleet.get(`${root}/Sessions?$select=SessionKey&$top=5&$orderby=${order}`);
    assert.equal(ordered.status, 200, `${order}: ${ordered.text}`);
    assert.deepEqual(ordered.body.value, plain.body.value, order);
  }
});

test('an entity where a primitive value is expected is a 400 with its position', async () => {
  for (const [url, position] of [
    ["Sessions?$filter=endswith($it,'.com')", 9],
    ['Sessions?$filter=2025-05-05 in ($it)', 15],
    ['Machines?$filter=$it add 1 eq 2', 4],
    ['Machines?$filter=length(DesktopGroup) gt 1', 7],
    ['Machines?$compute=$it as X&$select=X', 0],
    ['Machines?$apply=compute(DesktopGroup as X)', 8],
  ] as const) {
    const error = await expectError(`${root}/${url}`, 400, 'BadRequest', /./);
    assert.equal(error.innererror.position, position, url);
  }
});

test('mod of doubles works on PostgreSQL too (it has no % for double precision)', async () => {
  const { status, body, text } = await fleet.get(`${root}/ResourceUtilization?$compute=PercentCpu mod 3.5 as M&$select=PercentCpu,M&$orderby=PercentCpu desc&$top=20`);
  assert.equal(status, 200, text);
  for (const row of body.value) assert.ok(Math.abs(row.M - (row.PercentCpu % 3.5)) < 1e-9, JSON.stringify(row));
  // A huge operand, as the fuzzer sent it, in an ordering.
  assert.equal((await fleet.get(`${root}/ResourceUtilization?$orderby=1.5E%2B300 mod 1e308 desc,PercentCpu&$top=1`)).status, 200);
});

test('division by zero is a 400 on PostgreSQL (a data exception), not a 500', async () => {
  await expectError(`${root}/Machines?$filter=CurrentSessionCount div 0 eq 1`, 400, 'BadRequest', /could not be evaluated/);
  const postgres = fleet.postgres!.app;
  for (const url of ['Machines?$filter=CurrentSessionCount mod 0 eq 1', 'ResourceUtilizationSummary?$compute=AvgUsedMemory div 0 as P&$select=P']) {
    const response = await postgres.inject({ method: 'GET', url: `${root}/${url.replaceAll(' ', '%20')}` });
    assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
    assert.match(JSON.parse(response.body).error.message, /division by zero/);
  }
});

test('min and max of a Guid work on PostgreSQL too (it has no min(uuid))', async () => {
  const { status, body, text } = await fleet.get(`${root}/Machines?$apply=groupby((DesktopGroupId),aggregate(Id with min as A,Id with max as B,$count as N))&$orderby=DesktopGroupId`);
  assert.equal(status, 200, text);
  const rows = await fleet.sql(`SELECT DesktopGroupId::VARCHAR, min(Id)::VARCHAR, max(Id)::VARCHAR FROM Machines WHERE _customer_id = $1 GROUP BY 1`, [fleet.customerId]);
  const expected = new Map(rows.map(([g, a, b]) => [g, [a, b]]));
  for (const row of body.value) assert.deepEqual([row.A, row.B], expected.get(row.DesktopGroupId), JSON.stringify(row));
});

test('a null constant where SQL wants a type or an ordering: computed aliases, topsum, topcount', async () => {
  const ordered = await fleet.get(`${root}/DesktopGroups?$compute=cast(false,Edm.Date) as A&$select=Name,A&$orderby=A desc`);
  assert.equal(ordered.status, 200, ordered.text);
  assert.ok(ordered.body.value.every((row: { A: unknown }) => row.A === null));
  for (const apply of ['topcount(2,cast(Id,Edm.Int32))', 'topsum(2,cast(Id,Edm.Int32))', 'aggregate(cast(Id,Edm.Int32) with sum as S)']) {
    const { status, text } = await fleet.get(`${root}/Machines?$apply=${apply}`);
    assert.equal(status, 200, `${apply}: ${text}`);
  }
});
