// End-to-end queries over a generated fleet; every expected answer is computed by hand-written
// SQL run directly on the database (or by plain JS over rows read that way).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { noAuth } from '../../src/http/access.js';
import { buildApp, type Answer } from '../../src/http/app.js';
import { PreparedPages } from '../../src/http/prepared-pages.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { isoOfMicros, openFleet, SECOND_CUSTOMER, walk, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
const C = '_customer_id';

before(async () => {
  fleet = await openFleet();
});
after(async () => {
  await fleet?.close();
});

const root = '/monitorodata';

describe('service roots and documents', () => {
  test('service document at both roots lists the 74 sets', async () => {
    for (const r of [root, '/Citrix/Monitor/OData/v4/Data', '/citrix/monitor/odata/v4/data']) {
      const { status, body, headers } = await fleet.get(`${r}/`);
      assert.equal(status, 200, r);
      assert.equal(body.value.length, 74);
      assert.equal(headers['odata-version'], '4.0');
    }
  });

  test('$metadata is XML', async () => {
    const res = await fleet.app.inject({ method: 'GET', url: `${root}/$metadata` });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/xml/);
    assert.match(res.body, /<EntitySet Name="ResourceUtilizationSummary"/);
  });

  test('every entity set answers, empty sets with an empty value', async () => {
    const sets = (await fleet.get(`${root}/`)).body.value as { name: string }[];
    for (const { name } of sets) {
      const { status, body } = await fleet.get(`${root}/${name}?$top=1`);
      assert.equal(status, 200, `${name}: ${JSON.stringify(body)}`);
      const [[n]] = await fleet.sql(`SELECT count(*) FROM "${name}" WHERE ${C} = $1`, [fleet.customerId]);
      assert.equal(body.value.length, Number(n) > 0 ? 1 : 0, name);
    }
  });
});

describe('query options against SQL', () => {
  test('$orderby=Name&$top=10 (Citrix example)', async () => {
    const { body } = await fleet.get(`${root}/Machines?$orderby=Name&$top=10`);
    const expected = await fleet.sql(`SELECT Name FROM Machines WHERE ${C} = $1 ORDER BY Name NULLS FIRST, Id LIMIT 10`, [fleet.customerId]);
    assert.deepEqual(body.value.map((m: any) => m.Name), expected.map((r) => r[0]));
    assert.equal(body['@odata.nextLink'], undefined);
  });

  test('seed request: hourly utilization of powered-on machines with expanded names', async () => {
    const [[hour]] = await fleet.sql(`SELECT max(SummaryDate) FROM ResourceUtilizationSummary WHERE ${C} = $1 AND Granularity = 60 AND UptimeInMinutes > 0`, [fleet.customerId]);
    const iso = isoOfMicros(hour as bigint);
    const { status, body } = await fleet.get(
      `${root}/ResourceUtilizationSummary?$filter=Granularity eq 60 and SummaryDate eq ${iso} and UptimeInMinutes gt 0&$expand=Machine($select=Name,AgentVersion),DesktopGroup($select=Name)`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await fleet.sql(
      `SELECT r.MachineId::VARCHAR, r.AvgPercentCpu, m.Name, m.AgentVersion, d.Name
         FROM ResourceUtilizationSummary r
         LEFT JOIN Machines m ON m.Id = r.MachineId AND m.${C} = r.${C}
         LEFT JOIN DesktopGroups d ON d.Id = r.DesktopGroupId AND d.${C} = r.${C}
        WHERE r.${C} = $1 AND r.Granularity = 60 AND r.SummaryDate = $2::TIMESTAMP AND r.UptimeInMinutes > 0
        ORDER BY r.MachineId`,
      [fleet.customerId, iso.replace('T', ' ').replace('Z', '')],
    );
    assert.ok(expected.length > 0);
    const got = [...body.value].sort((a: any, b: any) => (a.MachineId < b.MachineId ? -1 : 1));
    assert.deepEqual(
      got.map((r: any) => [r.MachineId, r.AvgPercentCpu, r.Machine.Name, r.Machine.AgentVersion, r.DesktopGroup?.Name ?? null]),
      expected.map((r) => [...r]),
    );
    assert.equal(got[0].SummaryDate, iso);
    assert.equal(typeof got[0].TotalSessionCount, 'number');
    assert.deepEqual(Object.keys(got[0].Machine), ['Name', 'AgentVersion']);
    assert.ok(String(body['@odata.context']).endsWith(`${root}/$metadata#ResourceUtilizationSummary(Machine(Name,AgentVersion),DesktopGroup(Name))`), body['@odata.context']);
  });

  test('date-only literals compare calendar dates', async () => {
    const [[day]] = await fleet.sql(`SELECT CAST(min(SummaryDate) AS DATE)::VARCHAR FROM ResourceUtilizationSummary WHERE ${C} = $1`, [fleet.customerId]);
    const cases = [
      ['le', `< CAST($2 AS DATE) + INTERVAL 1 DAY`],
      ['lt', `< CAST($2 AS DATE)`],
      ['gt', `>= CAST($2 AS DATE) + INTERVAL 1 DAY`],
      ['ge', `>= CAST($2 AS DATE)`],
      ['eq', `>= CAST($2 AS DATE) AND SummaryDate < CAST($2 AS DATE) + INTERVAL 1 DAY`],
    ] as const;
    for (const [op, sqlOp] of cases) {
      const [[n]] = await fleet.sql(`SELECT count(*) FROM ResourceUtilizationSummary WHERE ${C} = $1 AND SummaryDate ${sqlOp}`, [fleet.customerId, day]);
      const viaCount = await fleet.app.inject({ method: 'GET', url: `${root}/ResourceUtilizationSummary/$count?$filter=SummaryDate ${op} ${day}` });
      assert.equal(viaCount.statusCode, 200, viaCount.body);
      assert.equal(viaCount.body, String(n), op);
      const viaOption = await fleet.get(`${root}/ResourceUtilizationSummary?$filter=SummaryDate ${op} ${day}&$count=true&$top=0`);
      assert.equal(viaOption.body['@odata.count'], Number(n), op);
    }
  });

  test('ne keeps nulls (C# null semantics); eq null finds them', async () => {
    const [[dg]] = await fleet.sql(`SELECT DesktopGroupId::VARCHAR FROM Machines WHERE ${C} = $1 AND DesktopGroupId IS NOT NULL LIMIT 1`, [fleet.customerId]);
    const ne = await fleet.get(`${root}/Machines?$filter=DesktopGroupId ne ${dg}&$count=true&$top=0`);
    const [[n]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE ${C} = $1 AND DesktopGroupId IS DISTINCT FROM $2::UUID`, [fleet.customerId, dg]);
    assert.equal(ne.body['@odata.count'], Number(n));
    const nulls = await fleet.get(`${root}/Machines?$filter=DesktopGroup eq null&$select=Name`);
    const [[m]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE ${C} = $1 AND DesktopGroupId IS NULL`, [fleet.customerId]);
    assert.ok(Number(m) > 0, 'the fleet has machines without a delivery group');
    assert.equal(nulls.body.value.length, Number(m));
  });

  test('names resolve case-insensitively; the response uses the model spelling', async () => {
    const [[name]] = await fleet.sql(`SELECT Name FROM Machines WHERE ${C} = $1 ORDER BY Name LIMIT 1`, [fleet.customerId]);
    const { status, body } = await fleet.get(`${root}/machines?$select=NAme,id&$filter=name eq '${String(name).toLowerCase().replaceAll("'", "''")}'`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.value.length, 1);
    assert.deepEqual(Object.keys(body.value[0]), ['Id', 'Name']);
    assert.equal(body.value[0].Name, name);
  });

  test('lambda any over a collection navigation (Citrix blog example)', async () => {
    const { status, body } = await fleet.get(`${root}/Users?$filter=Sessions/any(session: session/LogOnDuration gt 30000)&$select=Id&$count=true`);
    assert.equal(status, 200, JSON.stringify(body));
    const [[n]] = await fleet.sql(
      `SELECT count(*) FROM Users u WHERE u.${C} = $1 AND EXISTS (SELECT 1 FROM Sessions s WHERE s.${C} = u.${C} AND s.UserId = u.Id AND s.LogOnDuration > 30000)`,
      [fleet.customerId],
    );
    assert.equal(body['@odata.count'], Number(n));
    const all = await fleet.get(`${root}/Users?$filter=Sessions/all(s: s/LogOnDuration gt 30000)&$count=true&$top=0`);
    const [[m]] = await fleet.sql(
      `SELECT count(*) FROM Users u WHERE u.${C} = $1 AND NOT EXISTS (SELECT 1 FROM Sessions s WHERE s.${C} = u.${C} AND s.UserId = u.Id AND NOT coalesce(s.LogOnDuration > 30000, false))`,
      [fleet.customerId],
    );
    assert.equal(all.body['@odata.count'], Number(m));
  });

  test('navigation paths in $filter and $orderby', async () => {
    const [[groupName]] = await fleet.sql(`SELECT d.Name FROM DesktopGroups d WHERE d.${C} = $1 ORDER BY d.Name LIMIT 1`, [fleet.customerId]);
    const { status, body } = await fleet.get(`${root}/Sessions?$filter=Machine/DesktopGroup/Name eq '${groupName}'&$orderby=Machine/Name desc,StartDate&$select=SessionKey&$top=50`);
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await fleet.sql(
      `SELECT s.SessionKey::VARCHAR FROM Sessions s JOIN Machines m ON m.Id = s.MachineId AND m.${C} = s.${C} JOIN DesktopGroups d ON d.Id = m.DesktopGroupId AND d.${C} = m.${C}
        WHERE s.${C} = $1 AND d.Name = $2 ORDER BY m.Name DESC NULLS LAST, s.StartDate NULLS FIRST, s.SessionKey LIMIT 50`,
      [fleet.customerId, groupName],
    );
    assert.deepEqual(body.value.map((s: any) => s.SessionKey), expected.map((r) => r[0]));
  });

  test('string functions and arithmetic', async () => {
    const { body } = await fleet.get(`${root}/Machines?$filter=contains(Name,'00') and length(Name) gt 3 and CurrentSessionCount add 1 ge 1&$count=true&$top=0`);
    const [[n]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE ${C} = $1 AND lower(Name) LIKE '%00%' AND length(Name) > 3 AND CurrentSessionCount + 1 >= 1`, [fleet.customerId]);
    assert.equal(body['@odata.count'], Number(n));
  });

  test('$compute adds values usable in $filter, $orderby and $select', async () => {
    const { status, body } = await fleet.get(
      `${root}/ResourceUtilizationSummary?$compute=100 mul AvgUsedMemory div AvgTotalMemory as PctMem&$filter=Granularity eq 1440 and AvgTotalMemory gt 0&$orderby=PctMem desc&$select=MachineId,PctMem&$top=5`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await fleet.sql(
      `SELECT MachineId::VARCHAR, 100 * AvgUsedMemory / AvgTotalMemory AS p FROM ResourceUtilizationSummary WHERE ${C} = $1 AND Granularity = 1440 AND AvgTotalMemory > 0 ORDER BY p DESC, SummaryDate, MachineId, Granularity LIMIT 5`,
      [fleet.customerId],
    );
    assert.deepEqual(body.value.map((r: any) => [r.MachineId, r.PctMem]), expected.map((r) => [...r]));
  });
});

describe('response formats', () => {
  test('metadata none, full and IEEE754Compatible', async () => {
    const [[id, count]] = await fleet.sql(`SELECT Id::VARCHAR, (SELECT count(*) FROM Machines WHERE ${C} = $1) FROM Machines WHERE ${C} = $1 ORDER BY Id LIMIT 1`, [fleet.customerId]);
    const none = await fleet.get(`${root}/Machines?$top=1&$select=Id,CurrentLoadIndexId`, { Accept: 'application/json;odata.metadata=none' });
    assert.equal(none.body['@odata.context'], undefined);
    assert.match(String(none.headers['content-type']), /odata.metadata=none/);
    const full = await fleet.get(`${root}/Machines?$top=1&$select=Id,Name,CreatedDate&$format=application/json;odata.metadata=full`);
    const row = full.body.value[0];
    assert.equal(row['@odata.type'], '#Citrix.Monitor.Model.Machine');
    assert.equal(row['@odata.id'], `http://localhost:80${root}/Machines(${id})`);
    assert.equal(row['Id@odata.type'], '#Guid');
    assert.equal(row['CreatedDate@odata.type'], '#DateTimeOffset');
    assert.equal(row['Name@odata.type'], undefined);
    const ieee = await fleet.get(`${root}/Machines?$top=1&$count=true&$select=CurrentLoadIndexId`, { Accept: 'application/json;IEEE754Compatible=true' });
    assert.equal(ieee.body['@odata.count'], String(count));
    const value = ieee.body.value[0].CurrentLoadIndexId;
    assert.ok(value === null || typeof value === 'string');
    const unsupported = await fleet.get(`${root}/Machines?$format=xml`);
    assert.equal(unsupported.status, 406);
  });

  test('Int64 values beyond what a double holds are written exactly', async () => {
    const url = `${root}/Connections?$compute=Id add 9007199254740000 as Big&$select=Id,Big&$orderby=Id&$top=20`;
    const plain = await fleet.get(url);
    assert.equal(plain.status, 200, plain.text);
    const expected = await fleet.sql(`SELECT (Id + 9007199254740000)::VARCHAR FROM Connections WHERE ${C} = $1 ORDER BY Id LIMIT 20`, [fleet.customerId]);
    assert.ok(expected.length > 0);
    // JSON.parse would round these: read the digits from the text.
    assert.deepEqual([...plain.text.matchAll(/"Big":(-?\d+)/g)].map((m) => m[1]), expected.map((r) => r[0]));
    const ieee = await fleet.get(url, { Accept: 'application/json;IEEE754Compatible=true' });
    assert.deepEqual(ieee.body.value.map((r: any) => r.Big), expected.map((r) => r[0]));
    const one = await fleet.get(`${root}/Connections(${String(plain.body.value[0].Id)})/Id/$value`);
    assert.equal(one.text, String(plain.body.value[0].Id));
  });

  test('text beyond ASCII is written as UTF-8', async () => {
    const { status, body, text } = await fleet.get(`${root}/Machines?$compute=concat(Name,'${encodeURIComponent('é ✓ 𝄞')}') as Label&$select=Name,Label&$orderby=Id&$top=3`);
    assert.equal(status, 200, text);
    assert.ok(body.value.length > 0);
    for (const row of body.value) assert.equal(row.Label, row.Name === null ? null : `${row.Name}é ✓ 𝄞`);
  });

  test('a computed member called __proto__ is written as a member', async () => {
    const { status, body, text } = await fleet.get(`${root}/Machines?$compute=length(Name) as __proto__&$select=Name,__proto__&$orderby=Id&$top=3`);
    assert.equal(status, 200, text);
    for (const row of body.value) {
      assert.ok(Object.hasOwn(row, '__proto__'));
      assert.equal(row.__proto__, row.Name === null ? null : row.Name.length);
    }
    assert.match(text, /"__proto__":\d+/);
  });

  test('DateTimeOffset values are UTC with a trimmed fraction', async () => {
    const { body } = await fleet.get(`${root}/Sessions?$top=50&$select=StartDate`);
    for (const s of body.value) if (s.StartDate !== null) assert.match(s.StartDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/);
  });
});

describe('more Citrix examples', () => {
  test('day-level utilization (seed request 2)', async () => {
    const [[day]] = await fleet.sql(`SELECT max(SummaryDate) FROM ResourceUtilizationSummary WHERE ${C} = $1 AND Granularity = 1440`, [fleet.customerId]);
    const { status, body } = await fleet.get(`${root}/ResourceUtilizationSummary?$filter=Granularity eq 1440 and SummaryDate eq ${isoOfMicros(day as bigint)} and UptimeInMinutes gt 0`);
    assert.equal(status, 200, JSON.stringify(body));
    const [[n]] = await fleet.sql(`SELECT count(*) FROM ResourceUtilizationSummary WHERE ${C} = $1 AND Granularity = 1440 AND SummaryDate = $2::TIMESTAMP AND UptimeInMinutes > 0`, [fleet.customerId, isoOfMicros(day as bigint).replace('T', ' ').replace('Z', '')]);
    assert.ok(Number(n) > 0);
    assert.equal(body.value.length, Number(n));
    assert.ok(body.value.every((r: any) => r.Granularity === 1440 && r.UptimeInMinutes > 0));
  });

  test('connections with nested expands, $select=*, and UPN casing (Citrix how-to)', async () => {
    const url = `${root}/Connections?$filter=Session/StartDate ge 2025-05-04T00:00:00.000Z and Session/StartDate le 2025-05-05T00:00:00.000Z &$select=*,&$expand=Session($select=*;$expand=User($select=UPN,UserName),Failure($select=ConnectionFailureEnumValue,Category),Machine($select=DnsName,DesktopGroupId,IsInMaintenanceMode))`;
    const { status, body } = await fleet.get(url);
    assert.equal(status, 200, JSON.stringify(body));
    assert.ok(String(body['@odata.context']).endsWith('$metadata#Connections(*,Session(*,User(Upn,UserName),Failure(ConnectionFailureEnumValue,Category),Machine(DnsName,DesktopGroupId,IsInMaintenanceMode)))'), body['@odata.context']);
    const expected = await fleet.sql(
      `SELECT c.Id, u.Upn, m.DnsName FROM Connections c JOIN Sessions s ON s.SessionKey = c.SessionKey AND s.${C} = c.${C}
         LEFT JOIN Users u ON u.Id = s.UserId AND u.${C} = s.${C} LEFT JOIN Machines m ON m.Id = s.MachineId AND m.${C} = s.${C}
        WHERE c.${C} = $1 AND s.StartDate >= '2025-05-04' AND s.StartDate <= '2025-05-05' ORDER BY c.Id LIMIT 1000`,
      [fleet.customerId],
    );
    assert.ok(expected.length > 0);
    assert.deepEqual(body.value.map((c: any) => [BigInt(c.Id), c.Session.User?.Upn ?? null, c.Session.Machine?.DnsName ?? null]), expected.map((r) => [...r]));
    assert.deepEqual(Object.keys(body.value[0].Session.User), ['Upn', 'UserName']);
  });

  test('in, cast, isof, date and math functions against SQL', async () => {
    const checks: [string, string][] = [
      [`Granularity in (60, 1440) and UptimeInMinutes in (60)`, `Granularity IN (60, 1440) AND UptimeInMinutes IN (60)`],
      [`cast(TotalSessionCount, Edm.Int64) gt 1`, `TotalSessionCount > 1`],
      [`year(SummaryDate) eq 2025 and month(SummaryDate) eq 5 and hour(SummaryDate) eq 8`, `year(SummaryDate) = 2025 AND month(SummaryDate) = 5 AND hour(SummaryDate) = 8`],
      [`round(AvgPercentCpu) ge 10 or floor(PeakPercentCpu) eq 50 or ceiling(AvgPercentCpu) eq 3`, `round(AvgPercentCpu) >= 10 OR floor(PeakPercentCpu) = 50 OR ceil(AvgPercentCpu) = 3`],
      [`isof(Granularity, Edm.Int16) and not (UptimeInMinutes lt 30)`, `NOT coalesce(UptimeInMinutes < 30, false)`],
      [`AvgIcaRttInMs eq null or AvgIcaRttInMs mod 7 eq 0`, `AvgIcaRttInMs IS NULL OR AvgIcaRttInMs % 7 = 0`],
      [`SummaryDate lt now() and date(SummaryDate) eq 2025-05-04`, `SummaryDate < now()::TIMESTAMP AND CAST(SummaryDate AS DATE) = DATE '2025-05-04'`],
      [`SummaryDate ge cast(2025-05-04T06:30:00.5Z, Edm.DateTimeOffset) and SummaryDate lt 2025-05-04T08:00:00%2B01:00`, `SummaryDate >= TIMESTAMP '2025-05-04 06:30:00.5' AND SummaryDate < TIMESTAMP '2025-05-04 07:00:00'`],
    ];
    for (const [filter, sql] of checks) {
      const res = await fleet.get(`${root}/ResourceUtilizationSummary?$filter=${filter}&$count=true&$top=0`);
      assert.equal(res.status, 200, `${filter}: ${res.text}`);
      const [[n]] = await fleet.sql(`SELECT count(*) FROM ResourceUtilizationSummary WHERE ${C} = $1 AND (${sql})`, [fleet.customerId]);
      assert.equal(res.body['@odata.count'], Number(n), filter);
    }
  });
});

describe('addressing', () => {
  test('key lookup, EntitySet(), navigation after a key, /$count', async () => {
    const [[id, name]] = await fleet.sql(`SELECT Id::VARCHAR, Name FROM Machines WHERE ${C} = $1 AND CurrentSessionCount >= 0 ORDER BY Name LIMIT 1`, [fleet.customerId]);
    const one = await fleet.get(`${root}/Machines(${id})`);
    assert.equal(one.status, 200);
    assert.equal(one.body.Name, name);
    assert.match(one.body['@odata.context'], /#Machines\/\$entity$/);
    const named = await fleet.get(`${root}/Machines(Id=${id})?$select=Name`);
    assert.deepEqual(named.body.Name, name);
    const list = await fleet.get(`${root}/Machines()?$select=Name&$top=3`);
    assert.equal(list.body.value.length, 3);
    const sessions = await fleet.get(`${root}/Machines(${id})/Sessions?$select=SessionKey`);
    const [[n]] = await fleet.sql(`SELECT count(*) FROM Sessions WHERE ${C} = $1 AND MachineId = $2::UUID`, [fleet.customerId, id]);
    assert.equal(sessions.body.value.length, Math.min(Number(n), 1000));
    const count = await fleet.app.inject({ method: 'GET', url: `${root}/Machines/$count` });
    const [[m]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE ${C} = $1`, [fleet.customerId]);
    assert.equal(count.body, String(m));
    const missing = await fleet.get(`${root}/Machines(00000000-0000-0000-0000-000000000000)`);
    assert.equal(missing.status, 404);
  });

  test('nested $filter inside $expand, and function names in any case', async () => {
    const { status, body } = await fleet.get(`${root}/DesktopGroups?$select=Id&$expand=Machines($filter=CONTAINS(ToLower(Name),'0') and CurrentSessionCount ge 0;$select=Name)`);
    assert.equal(status, 200, JSON.stringify(body));
    for (const group of body.value) {
      const expected = await fleet.sql(
        `SELECT Name FROM Machines WHERE ${C} = $1 AND DesktopGroupId = $2::UUID AND lower(Name) LIKE '%0%' AND CurrentSessionCount >= 0 ORDER BY Id`,
        [fleet.customerId, group.Id],
      );
      assert.deepEqual(group.Machines.map((m: any) => m.Name), expected.map((r) => r[0]));
    }
  });

  test('composite key of ResourceUtilizationSummary', async () => {
    const [[machine, summary, cpu]] = await fleet.sql(`SELECT MachineId::VARCHAR, SummaryDate, AvgPercentCpu FROM ResourceUtilizationSummary WHERE ${C} = $1 AND Granularity = 60 LIMIT 1`, [fleet.customerId]);
    const { status, body } = await fleet.get(`${root}/ResourceUtilizationSummary(MachineId=${machine},Granularity=60,SummaryDate=${isoOfMicros(summary as bigint)})`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.AvgPercentCpu, cpu);
  });

  test('expand of a collection with nested options', async () => {
    const { status, body } = await fleet.get(`${root}/DesktopGroups?$select=Name&$expand=Machines($select=Name;$orderby=Name desc;$top=2;$count=true)&$orderby=Name`);
    assert.equal(status, 200, JSON.stringify(body));
    for (const group of body.value) {
      const expected = await fleet.sql(
        `SELECT m.Name FROM Machines m JOIN DesktopGroups d ON d.Id = m.DesktopGroupId AND d.${C} = m.${C} WHERE m.${C} = $1 AND d.Name = $2 ORDER BY m.Name DESC LIMIT 2`,
        [fleet.customerId, group.Name],
      );
      assert.deepEqual(group.Machines.map((m: any) => m.Name), expected.map((r) => r[0]));
      const [[n]] = await fleet.sql(`SELECT count(*) FROM Machines m JOIN DesktopGroups d ON d.Id = m.DesktopGroupId AND d.${C} = m.${C} WHERE m.${C} = $1 AND d.Name = $2`, [fleet.customerId, group.Name]);
      assert.equal(group['Machines@odata.count'], Number(n));
    }
  });
});

describe('paging', () => {
  test('a full next-link walk returns every row exactly once', async () => {
    const [[n]] = await fleet.sql(`SELECT count(*) FROM ResourceUtilizationSummary WHERE ${C} = $1`, [fleet.customerId]);
    const { rows, pages } = await walk(fleet, `${root}/ResourceUtilizationSummary?$select=MachineId,Granularity,SummaryDate`);
    assert.equal(rows.length, Number(n));
    assert.equal(pages, Math.ceil(Number(n) / 1000));
    assert.equal(new Set(rows.map((r) => `${r.MachineId}|${r.Granularity}|${r.SummaryDate}`)).size, rows.length);
  });

  test('walk with $orderby on a nullable column, maxpagesize and $top', async () => {
    const { rows } = await walk(fleet, `${root}/Sessions?$orderby=EndDate desc&$select=SessionKey,EndDate&$top=777`, { Prefer: 'odata.maxpagesize=100' });
    const expected = await fleet.sql(`SELECT SessionKey::VARCHAR FROM Sessions WHERE ${C} = $1 ORDER BY EndDate DESC NULLS LAST, SessionKey LIMIT 777`, [fleet.customerId]);
    assert.deepEqual(rows.map((r) => r.SessionKey), expected.map((r) => r[0]));
    const first = await fleet.get(`${root}/Sessions?$top=150`, { Prefer: 'odata.maxpagesize=100' });
    assert.equal(first.headers['preference-applied'], 'odata.maxpagesize=100');
    assert.equal(first.body.value.length, 100);
  });

  test('a walk ordered by an instant with gaps (nights, weekends) stays exact when pages look ahead', async () => {
    const { rows } = await walk(fleet, `${root}/Sessions?$orderby=StartDate&$select=SessionKey`, { Prefer: 'odata.maxpagesize=37' });
    const expected = await fleet.sql(`SELECT SessionKey::VARCHAR FROM Sessions WHERE ${C} = $1 ORDER BY StartDate NULLS FIRST, SessionKey`, [fleet.customerId]);
    assert.deepEqual(rows.map((r) => r.SessionKey), expected.map((r) => r[0]));
  });

  test('a next link requested again after its read-ahead block is gone gives the same page', async () => {
    const url = `${root}/Sessions?$orderby=StartDate&$select=SessionKey`;
    const headers = { Prefer: 'odata.maxpagesize=7' };
    const links: string[] = [];
    const pages: string[][] = [];
    let next: string | undefined = url;
    while (next) {
      const { body } = await fleet.get(next, headers);
      pages.push(body.value.map((r: any) => r.SessionKey));
      links.push(next);
      next = body['@odata.nextLink'] ? new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search : undefined;
    }
    assert.ok(pages.length > 12, 'the walk spans more than one read-ahead block');
    for (const i of [3, 11, pages.length - 1]) {
      const again = await fleet.get(links[i]!, headers);
      assert.deepEqual(again.body.value.map((r: any) => r.SessionKey), pages[i], `page ${i}`);
    }
  });

  test('a walk whose next pages are answered ahead gives the pages computed on demand', async () => {
    const prepared = new PreparedPages<Answer>();
    const ahead = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), preparedPages: prepared });
    const onDemand = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), preparedPages: { maxEntries: 0, ttlMs: 0 } });
    const pagesOf = async (app: typeof ahead, headers: Record<string, string>) => {
      const pages: unknown[] = [];
      let next: string | undefined = `${root}/Sessions?$orderby=StartDate&$select=SessionKey,StartDate&$count=true`;
      while (next) {
        const response: { statusCode: number; body: string } = await app.inject({ method: 'GET', url: next, headers });
        assert.equal(response.statusCode, 200, response.body);
        const body = JSON.parse(response.body);
        pages.push([body['@odata.count'], body.value]);
        next = body['@odata.nextLink'] ? new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search : undefined;
      }
      return pages;
    };
    try {
      const headers = { Prefer: 'odata.maxpagesize=15' };
      const expected = await pagesOf(onDemand, headers);
      assert.ok(expected.length > 12);
      assert.deepEqual(await pagesOf(ahead, headers), expected);
      // Every page after the second was prepared while the one before was read.
      assert.equal(prepared.stats.taken, expected.length - 2);
      // A request that differs (here in its metadata level) is not given the page prepared for another.
      const get = async (url: string, extra: Record<string, string> = {}) => JSON.parse((await ahead.inject({ method: 'GET', url, headers: { ...headers, ...extra } })).body);
      const linkOf = (body: any) => new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search;
      const second = await get(linkOf(await get(`${root}/Sessions?$select=SessionKey`)));
      const takenBefore = prepared.stats.taken;
      const third = await get(linkOf(second), { Accept: 'application/json;odata.metadata=none' });
      assert.equal(prepared.stats.taken, takenBefore);
      assert.equal(third['@odata.context'], undefined);
      assert.equal(third.value.length, 15);
    } finally {
      await ahead.close();
      await onDemand.close();
    }
  });

  test('client-driven $skip paging as Power BI does it', async () => {
    const count = (await fleet.get(`${root}/Connections?$count=true&$top=0`)).body['@odata.count'];
    const seen: string[] = [];
    for (let skip = 0; skip < count; skip += 1000) {
      const { body } = await fleet.get(`${root}/Connections?$skip=${skip}&$select=Id`);
      seen.push(...body.value.map((c: any) => String(c.Id)));
    }
    assert.equal(seen.length, count);
    assert.equal(new Set(seen).size, count);
  });
});

describe('tenant isolation', () => {
  test('the other customer is never visible', async () => {
    const [[otherMachine]] = await fleet.sql(`SELECT Id::VARCHAR FROM Machines WHERE ${C} = $1 LIMIT 1`, [SECOND_CUSTOMER]);
    assert.equal((await fleet.get(`${root}/Machines(${otherMachine})`)).status, 404);
    assert.equal((await fleet.get(`${root}/Machines?$filter=Id eq ${otherMachine}`)).body.value.length, 0);
    const [[mine]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE ${C} = $1`, [fleet.customerId]);
    assert.equal((await fleet.get(`${root}/Machines?$count=true&$top=0`)).body['@odata.count'], Number(mine));
  });
});

describe('errors', () => {
  test('bad input gets a 4xx OData error', async () => {
    const cases: [string, number, RegExp][] = [
      [`${root}/Machines?$filter=Nope eq 1`, 400, /Could not find a property named 'Nope'/],
      [`${root}/Machines?$filter=Name eq`, 400, /position/],
      [`${root}/Machines?$filter=Id eq guid'00000000-0000-0000-0000-000000000000'`, 400, /./],
      [`${root}/Machines?$filter=CreatedDate gt datetime'2022-05-10T09:19:49'`, 400, /./],
      [`${root}/Machines?$top=-1`, 400, /./],
      [`${root}/Machines?$top=1&$top=2`, 400, /more than once/],
      [`${root}/Machines?$foo=1`, 400, /not supported/],
      [`${root}/Machines?$filter=Id eq 'x'`, 400, /incompatible types/],
      [`${root}/Machines?$skiptoken=garbage`, 400, /skiptoken/],
      [`${root}/NoSuchSet`, 404, /NoSuchSet/],
      [`${root}/Machines?$search=blue`, 400, /search/],
      [`${root}/Machines?$filter=LifecycleState has 1`, 400, /has/],
      [`${root}/Machines?$expand=Name`, 400, /navigation/],
      [`${root}/Machines?$expand=Sessions($levels=2)`, 400, /levels/],
      [`${root}/Machines?$count=maybe`, 400, /count/],
      [`${root}/Machines?$filter=${'('.repeat(5000)}`, 400, /./],
    ];
    for (const [url, status, message] of cases) {
      const res = await fleet.get(url);
      assert.equal(res.status, status, `${url}: ${res.text}`);
      assert.match(res.body.error.message, message, url);
      assert.equal(typeof res.body.error.code, 'string');
    }
    const post = await fleet.app.inject({ method: 'POST', url: `${root}/Machines`, payload: {} });
    assert.equal(post.statusCode, 405);
  });

  test('syntax errors name the option and position', async () => {
    const res = await fleet.get(`${root}/Machines?$filter=Name eq 'a' and`);
    assert.equal(res.status, 400);
    assert.equal(res.body.error.target, '$filter');
    assert.equal(typeof res.body.error.innererror.position, 'number');
  });

  test('unknown parameters without $ are ignored; + and %20 are spaces', async () => {
    const a = await fleet.get(`${root}/Machines?null=null&$top=2&$orderby=Name+desc`);
    const b = await fleet.get(`${root}/Machines?$top=2&$orderby=Name%20desc`);
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.value, b.body.value);
  });
});
