// $apply over a generated fleet: every Citrix example verbatim, the transformations of the Data
// Aggregation extension, and their type rules; expected answers come from hand-written SQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { openFleet, walk, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
const C = '_customer_id';
const root = '/monitorodata';

before(async () => {
  fleet = await openFleet({ machines: 40, days: 10, end: '2025-05-11' });
});
after(async () => {
  await fleet?.close();
});

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function assertRowsClose(actual: unknown[][], expected: unknown[][]) {
  assert.equal(actual.length, expected.length, 'row count');
  actual.forEach((row, i) => {
    row.forEach((v, j) => {
      const e = expected[i]![j];
      if (typeof v === 'number' && typeof e === 'number') assert.ok(close(v, e), `row ${i} col ${j}: ${v} vs ${e}`);
      else assert.deepEqual(v, typeof e === 'bigint' ? Number(e) : e, `row ${i} col ${j}`);
    });
  });
}

describe('Citrix seed requests, verbatim', () => {
  test('machine utilization aggregates by delivery group', async () => {
    const url = `${root}/ResourceUtilizationSummary?$apply=filter(Granularity eq 60 and SummaryDate ge 2025-05-03 and UptimeInMinutes gt 0 and AvgTotalMemory gt 0 and AvgUsedMemory gt 0 and PeakUsedMemory gt 0)/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, 100 mul PeakUsedMemory div AvgTotalMemory as PeakPercentMemory)/expand(DesktopGroup,filter(Name ne null))/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, AvgPercentMemory with average as AvgPercentMemory, PeakPercentMemory with max as PeakPercentMemory))`;
    const { rows } = await walk(fleet, url);
    const expected = await fleet.sql(
      `SELECT d.Name, epoch_us(r.SummaryDate), avg(r.AvgPercentCpu), max(r.PeakPercentCpu), avg(100 * r.AvgUsedMemory / r.AvgTotalMemory), max(100 * r.PeakUsedMemory / r.AvgTotalMemory)
         FROM ResourceUtilizationSummary r JOIN DesktopGroups d ON d.Id = r.DesktopGroupId AND d.${C} = r.${C}
        WHERE r.${C} = $1 AND r.Granularity = 60 AND r.SummaryDate >= '2025-05-03' AND r.UptimeInMinutes > 0 AND r.AvgTotalMemory > 0 AND r.AvgUsedMemory > 0 AND r.PeakUsedMemory > 0 AND d.Name IS NOT NULL
        GROUP BY d.Name, r.SummaryDate ORDER BY d.Name, r.SummaryDate`,
      [fleet.customerId],
    );
    assert.ok(expected.length > 10);
    assertRowsClose(
      rows.map((r) => [r.DesktopGroup.Name, Date.parse(r.SummaryDate) * 1000, r.AvgPercentCpu, r.PeakPercentCpu, r.AvgPercentMemory, r.PeakPercentMemory]),
      expected.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))),
    );
    assert.deepEqual(Object.keys(rows[0]), ['@odata.id', 'SummaryDate', 'PeakPercentMemory', 'AvgPercentMemory', 'PeakPercentCpu', 'AvgPercentCpu', 'DesktopGroup']);
    assert.deepEqual(Object.keys(rows[0].DesktopGroup), ['@odata.id', 'Name']);
    assert.equal(rows[0]['@odata.id'], null);
    const first = await fleet.get(url);
    assert.ok(String(first.body['@odata.context']).endsWith('/monitorodata/$metadata#ResourceUtilizationSummary'), first.body['@odata.context']);
  });

  test('daily average uptime by delivery group', async () => {
    const { status, body } = await fleet.get(
      `${root}/ResourceUtilizationSummary?$apply=filter(Granularity eq 1440 and SummaryDate ge 2025-05-01 and SummaryDate le 2025-05-10)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/groupby((DesktopGroupId, DesktopGroup/Name), aggregate(cast(UptimeInMinutes, Edm.Int32) with average as AvgUptimeInMinutes))`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await fleet.sql(
      `SELECT r.DesktopGroupId::VARCHAR, rd.Name, avg(CAST(r.UptimeInMinutes AS INTEGER))
         FROM ResourceUtilizationSummary r
         JOIN Machines m ON m.Id = r.MachineId AND m.${C} = r.${C}
         JOIN DesktopGroups md ON md.Id = m.DesktopGroupId AND md.${C} = m.${C}
         LEFT JOIN DesktopGroups rd ON rd.Id = r.DesktopGroupId AND rd.${C} = r.${C}
        WHERE r.${C} = $1 AND r.Granularity = 1440 AND r.SummaryDate >= '2025-05-01' AND r.SummaryDate < '2025-05-11' AND md.Name IS NOT NULL
        GROUP BY r.DesktopGroupId, rd.Name ORDER BY r.DesktopGroupId, rd.Name`,
      [fleet.customerId],
    );
    assert.ok(expected.length >= 2);
    const got = [...body.value].sort((a: any, b: any) => (a.DesktopGroupId < b.DesktopGroupId ? -1 : 1));
    assertRowsClose(got.map((r: any) => [r.DesktopGroupId, r.DesktopGroup.Name, r.AvgUptimeInMinutes]), expected.map((r) => [...r]));
    assert.deepEqual(Object.keys(got[0]), ['@odata.id', 'DesktopGroupId', 'AvgUptimeInMinutes', 'DesktopGroup']);
  });

  test('unused machines over a time period, with $count', async () => {
    const { status, body } = await fleet.get(
      `${root}/ResourceUtilizationSummary?$apply=filter(Granularity eq 60 and SummaryDate ge 2025-05-05 and UptimeInMinutes gt 0)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/compute(cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64 )/groupby((DesktopGroup/Name,MachineId,Machine/Name),aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))/filter(TotalSessionCountSum eq 0)&$count=true`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await fleet.sql(
      `SELECT r.MachineId::VARCHAR, m.Name, rd.Name, sum(CAST(r.TotalSessionCount AS BIGINT)) AS s
         FROM ResourceUtilizationSummary r
         JOIN Machines m ON m.Id = r.MachineId AND m.${C} = r.${C}
         JOIN DesktopGroups md ON md.Id = m.DesktopGroupId AND md.${C} = m.${C}
         LEFT JOIN DesktopGroups rd ON rd.Id = r.DesktopGroupId AND rd.${C} = r.${C}
        WHERE r.${C} = $1 AND r.Granularity = 60 AND r.SummaryDate >= '2025-05-05' AND r.UptimeInMinutes > 0 AND md.Name IS NOT NULL
        GROUP BY rd.Name, r.MachineId, m.Name HAVING sum(CAST(r.TotalSessionCount AS BIGINT)) = 0 ORDER BY r.MachineId`,
      [fleet.customerId],
    );
    assert.ok(expected.length > 0, 'the fleet has powered-on machines without sessions');
    assert.equal(body['@odata.count'], expected.length);
    const got = [...body.value].sort((a: any, b: any) => (a.MachineId < b.MachineId ? -1 : 1));
    assert.deepEqual(got.map((r: any) => [r.MachineId, r.Machine.Name, r.DesktopGroup.Name, r.TotalSessionCountSum]), expected.map((r) => [r[0], r[1], r[2], Number(r[3])]));
    assert.deepEqual(Object.keys(got[0]), ['@odata.id', 'MachineId', 'TotalSessionCountSum', 'Machine', 'DesktopGroup']);
  });
});

describe('type rules', () => {
  test('sum of an Int16 without a cast is a 400 that says to cast', async () => {
    const res = await fleet.get(`${root}/ResourceUtilizationSummary?$apply=aggregate(TotalSessionCount with sum as S)`);
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /cast/);
    assert.equal(res.body.error.target, '$apply');
  });

  test('result types: average Double, sum of Int32 Int64, countdistinct and $count Int64 numbers', async () => {
    const { body } = await fleet.get(`${root}/Sessions?$apply=aggregate(LogOnDuration with average as A, LogOnDuration with sum as S, UserId with countdistinct as U, $count as N, LogOnDuration with min as Lo, LogOnDuration with max as Hi)`);
    const [[a, s, u, n, lo, hi]] = await fleet.sql(
      `SELECT avg(LogOnDuration::DOUBLE), sum(LogOnDuration)::BIGINT, count(DISTINCT UserId), count(*), min(LogOnDuration), max(LogOnDuration) FROM Sessions WHERE ${C} = $1`,
      [fleet.customerId],
    );
    const row = body.value[0];
    assert.ok(close(row.A, a as number));
    assert.equal(row.S, Number(s));
    assert.equal(row.U, Number(u));
    assert.equal(row.N, Number(n));
    assert.equal(row.Lo, lo);
    assert.equal(row.Hi, hi);
    const ieee = await fleet.get(`${root}/Sessions?$apply=aggregate($count as N)`, { Accept: 'application/json;IEEE754Compatible=true' });
    assert.equal(ieee.body.value[0].N, String(n));
  });

  test('aggregate over no rows answers an empty value; null keys form one group', async () => {
    const empty = await fleet.get(`${root}/Sessions?$apply=filter(StartDate ge 2099-01-01)/aggregate($count as N)`);
    assert.deepEqual(empty.body.value, []);
    const { body } = await fleet.get(`${root}/Machines?$apply=groupby((DesktopGroupId),aggregate($count as N))`);
    const expected = await fleet.sql(`SELECT DesktopGroupId::VARCHAR, count(*) FROM Machines WHERE ${C} = $1 GROUP BY DesktopGroupId`, [fleet.customerId]);
    assert.equal(body.value.length, expected.length);
    const nulls = body.value.filter((r: any) => r.DesktopGroupId === null);
    assert.equal(nulls.length, 1);
    assert.equal(nulls[0].N, Number(expected.find((r) => r[0] === null)![1]));
  });

  test('expressions inside aggregate, and groupby without aggregate gives the distinct groups', async () => {
    const { status, body } = await fleet.get(`${root}/ResourceUtilizationSummary?$apply=filter(AvgTotalMemory gt 0)/groupby((Granularity),aggregate(100 mul AvgUsedMemory div AvgTotalMemory with average as P))`);
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await fleet.sql(`SELECT Granularity, avg(100 * AvgUsedMemory / AvgTotalMemory) FROM ResourceUtilizationSummary WHERE ${C} = $1 AND AvgTotalMemory > 0 GROUP BY Granularity ORDER BY Granularity`, [fleet.customerId]);
    assertRowsClose(body.value.map((r: any) => [r.Granularity, r.P]), expected.map((r) => [...r]));
    const distinct = await fleet.get(`${root}/Sessions?$apply=groupby((ConnectionState,SessionType))&$orderby=ConnectionState,SessionType`);
    const groups = await fleet.sql(`SELECT DISTINCT ConnectionState, SessionType FROM Sessions WHERE ${C} = $1 ORDER BY ConnectionState NULLS FIRST, SessionType NULLS FIRST`, [fleet.customerId]);
    assert.deepEqual(distinct.body.value.map((r: any) => [r.ConnectionState, r.SessionType]), groups.map((g) => [...g]));
  });

  test('names in $apply resolve case-insensitively (NAme, id in the official collection)', async () => {
    const { status, body } = await fleet.get(`${root}/Machines?$apply=aggregate(NAme with countdistinct as Names, id with countdistinct as Ids)`);
    assert.equal(status, 200, JSON.stringify(body));
    const [[names, ids]] = await fleet.sql(`SELECT count(DISTINCT Name), count(DISTINCT Id) FROM Machines WHERE ${C} = $1`, [fleet.customerId]);
    assert.deepEqual([body.value[0].Names, body.value[0].Ids], [Number(names), Number(ids)]);
  });
});

describe('combined with query options and paging', () => {
  test('$apply then $filter, $orderby, $top and $select (failures by machine)', async () => {
    const { status, body } = await fleet.get(`${root}/ConnectionFailureLogs?$apply=groupby((Machine/Name),aggregate($count as FailureCount))&$filter=FailureCount gt 1&$orderby=FailureCount desc&$top=5&$select=FailureCount`);
    assert.equal(status, 200, JSON.stringify(body));
    const expected = await fleet.sql(
      `SELECT count(*) AS n FROM ConnectionFailureLogs f LEFT JOIN Machines m ON m.Id = f.MachineId AND m.${C} = f.${C} WHERE f.${C} = $1 GROUP BY m.Name HAVING count(*) > 1 ORDER BY n DESC, m.Name LIMIT 5`,
      [fleet.customerId],
    );
    assert.deepEqual(body.value.map((r: any) => r.FailureCount), expected.map((r) => Number(r[0])));
    assert.deepEqual(Object.keys(body.value[0]), ['@odata.id', 'FailureCount']);
  });

  test('aggregated results page at the page size and a walk returns each group once', async () => {
    const url = `${root}/ResourceUtilizationSummary?$apply=groupby((MachineId,Granularity),aggregate(AvgPercentCpu with max as M))&$count=true`;
    const { rows, pages } = await walk(fleet, url, { Prefer: 'odata.maxpagesize=17' });
    const [[n]] = await fleet.sql(`SELECT count(*) FROM (SELECT DISTINCT MachineId, Granularity FROM ResourceUtilizationSummary WHERE ${C} = $1)`, [fleet.customerId]);
    assert.equal(rows.length, Number(n));
    assert.equal(pages, Math.ceil(Number(n) / 17));
    assert.equal(new Set(rows.map((r) => `${r.MachineId}|${r.Granularity}`)).size, rows.length);
  });

  test('a walk served from the result cache equals one paged by keyset', async () => {
    const url = `${root}/ConnectionFailureLogs?$apply=groupby((UserId,MachineId),aggregate($count as N))&$orderby=N desc&$count=true`;
    const cached = await walk(fleet, url, { Prefer: 'odata.maxpagesize=5' });
    const uncachedApp = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), resultCache: { ttlMs: 60_000, maxRowsPerEntry: 0, maxTotalRows: 0 } });
    const viaKeyset = await walk({ ...fleet, get: async (u: string, h: Record<string, string> = {}) => {
      const r = await uncachedApp.inject({ method: 'GET', url: u, headers: h });
      return { status: r.statusCode, body: JSON.parse(r.body), headers: r.headers, text: r.body };
    } }, url, { Prefer: 'odata.maxpagesize=5' });
    await uncachedApp.close();
    const [[n]] = await fleet.sql(`SELECT count(*) FROM (SELECT DISTINCT UserId, MachineId FROM ConnectionFailureLogs WHERE ${C} = $1)`, [fleet.customerId]);
    assert.equal(cached.rows.length, Number(n));
    assert.ok(cached.pages > 2, `pages ${cached.pages} rows ${cached.rows.length} keyset pages ${viaKeyset.pages}`);
    assert.deepEqual(cached.rows, viaKeyset.rows);
  });

  test('an aggregated result larger than the cache bound is computed up to the bound, then paged by keyset; the count is of all', async () => {
    const url = `${root}/ResourceUtilization?$apply=groupby((MachineId),aggregate(PercentCpu with max as Peak))&$orderby=Peak desc&$count=true`;
    const whole = await walk(fleet, url, { Prefer: 'odata.maxpagesize=7' });
    const boundedApp = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), resultCache: { ttlMs: 60_000, maxRowsPerEntry: 10, maxTotalRows: 1000 } });
    let first: any;
    const bounded = await walk({ ...fleet, get: async (u: string, h: Record<string, string> = {}) => {
      const r = await boundedApp.inject({ method: 'GET', url: u, headers: h });
      first ??= JSON.parse(r.body);
      return { status: r.statusCode, body: JSON.parse(r.body), headers: r.headers, text: r.body };
    } }, url, { Prefer: 'odata.maxpagesize=7' });
    await boundedApp.close();
    const [[n]] = await fleet.sql(`SELECT count(DISTINCT MachineId) FROM ResourceUtilization WHERE ${C} = $1`, [fleet.customerId]);
    assert.ok(Number(n) > 20, `only ${n} groups`);
    assert.equal(first['@odata.count'], Number(n));
    assert.equal(bounded.rows.length, Number(n));
    assert.deepEqual(bounded.rows, whole.rows);
  });

  test('nested groupby equals the flat grouping; filter after groupby', async () => {
    const nested = await fleet.get(`${root}/ResourceUtilizationSummary?$apply=groupby((Granularity),groupby((MachineId),aggregate(UptimeInMinutes with max as U)))/filter(U gt 0)&$count=true&$top=0`);
    const flat = await fleet.get(`${root}/ResourceUtilizationSummary?$apply=groupby((Granularity,MachineId),aggregate(UptimeInMinutes with max as U))/filter(U gt 0)&$count=true&$top=0`);
    const [[n]] = await fleet.sql(`SELECT count(*) FROM (SELECT Granularity, MachineId FROM ResourceUtilizationSummary WHERE ${C} = $1 GROUP BY ALL HAVING max(UptimeInMinutes) > 0)`, [fleet.customerId]);
    assert.equal(nested.body['@odata.count'], Number(n));
    assert.equal(flat.body['@odata.count'], Number(n));
  });

  test('orderby/top/skip and topcount/bottomcount/topsum/toppercent inside $apply', async () => {
    const groups = (await fleet.sql(`SELECT Name, count(*) FROM Sessions s JOIN Machines m ON m.Id = s.MachineId AND m.${C} = s.${C} WHERE s.${C} = $1 GROUP BY Name`, [fleet.customerId])).map(
      (r) => ({ name: r[0] as string, n: Number(r[1]) }),
    );
    const base = `${root}/Sessions?$apply=groupby((Machine/Name),aggregate($count as N))`;
    const names = (body: any) => body.value.map((r: any) => r.Machine.Name).sort();
    const byN = [...groups].sort((a, b) => b.n - a.n || (a.name < b.name ? -1 : 1));

    const top3 = await fleet.get(`${base}/topcount(3,N)`);
    assert.deepEqual(names(top3.body), byN.slice(0, 3).map((g) => g.name).sort());
    const bottom2 = await fleet.get(`${base}/bottomcount(2,N)`);
    const byNAsc = [...groups].sort((a, b) => a.n - b.n || (a.name < b.name ? -1 : 1));
    assert.deepEqual(names(bottom2.body), byNAsc.slice(0, 2).map((g) => g.name).sort());

    const total = groups.reduce((s, g) => s + g.n, 0);
    const bound = Math.floor(total / 3);
    const expectedTopSum: string[] = [];
    let running = 0;
    for (const g of byN) {
      if (running >= bound) break;
      expectedTopSum.push(g.name);
      running += g.n;
    }
    const topsum = await fleet.get(`${base}/topsum(${bound},N)`);
    assert.deepEqual(names(topsum.body), expectedTopSum.sort());

    const expectedPercent: string[] = [];
    running = 0;
    for (const g of byN) {
      if (running >= 0.5 * total) break;
      expectedPercent.push(g.name);
      running += g.n;
    }
    const toppercent = await fleet.get(`${base}/toppercent(50,N)`);
    assert.deepEqual(names(toppercent.body), expectedPercent.sort());

    const expectedBottomSum: string[] = [];
    running = 0;
    for (const g of byNAsc) {
      if (running >= bound) break;
      expectedBottomSum.push(g.name);
      running += g.n;
    }
    const bottomsum = await fleet.get(`${base}/bottomsum(${bound},N)`);
    assert.deepEqual(names(bottomsum.body), expectedBottomSum.sort());
    const expectedBottomPercent: string[] = [];
    running = 0;
    for (const g of byNAsc) {
      if (running >= 0.25 * total) break;
      expectedBottomPercent.push(g.name);
      running += g.n;
    }
    const bottompercent = await fleet.get(`${base}/bottompercent(25,N)`);
    assert.deepEqual(names(bottompercent.body), expectedBottomPercent.sort());

    const paged = await fleet.get(`${base}/orderby(N desc)/skip(1)/top(2)`);
    assert.deepEqual(names(paged.body), byN.slice(1, 3).map((g) => g.name).sort());
  });

  test('an $apply that keeps entities allows $expand on the result (Citrix example)', async () => {
    const { status, body } = await fleet.get(`${root}/ConnectionFailureLogs?$apply=filter(FailureDate ge 2025-05-05)&$expand=Session($expand=Machine,User)&$top=5`);
    assert.equal(status, 200, JSON.stringify(body));
    const [[n]] = await fleet.sql(`SELECT count(*) FROM ConnectionFailureLogs WHERE ${C} = $1 AND FailureDate >= '2025-05-05'`, [fleet.customerId]);
    assert.equal(body.value.length, Math.min(5, Number(n)));
    for (const row of body.value) if (row.Session) assert.ok('Machine' in row.Session && 'User' in row.Session);
  });

  test('concat unites the rows of its branches', async () => {
    const { status, body } = await fleet.get(`${root}/Sessions?$apply=concat(groupby((ConnectionState),aggregate($count as N)),aggregate($count as Total))&$count=true`);
    assert.equal(status, 200, JSON.stringify(body));
    const groups = await fleet.sql(`SELECT ConnectionState, count(*) FROM Sessions WHERE ${C} = $1 GROUP BY ConnectionState`, [fleet.customerId]);
    const [[total]] = await fleet.sql(`SELECT count(*) FROM Sessions WHERE ${C} = $1`, [fleet.customerId]);
    assert.equal(body['@odata.count'], groups.length + 1);
    const perState = body.value.filter((r: any) => r.ConnectionState !== null);
    assert.deepEqual(
      perState.map((r: any) => [r.ConnectionState, r.N]).sort(),
      groups.map((g) => [g[0], Number(g[1])]).sort(),
    );
    const totals = body.value.filter((r: any) => r.Total !== null);
    assert.deepEqual(totals.map((r: any) => r.Total), [Number(total)]);
    assert.ok(body.value.every((r: any) => !('$branch' in r)));
    const twice = await fleet.get(`${root}/Machines?$apply=concat(identity,identity)&$count=true&$top=0`);
    const [[machines]] = await fleet.sql(`SELECT count(*) FROM Machines WHERE ${C} = $1`, [fleet.customerId]);
    assert.equal(twice.body['@odata.count'], 2 * Number(machines));
  });

  test('unsupported transformations get a clear 4xx', async () => {
    const search = await fleet.get(`${root}/Machines?$apply=search(foo)`);
    assert.equal(search.status, 400);
    const expandAfter = await fleet.get(`${root}/Machines?$apply=groupby((Name))&$expand=Sessions`);
    assert.equal(expandAfter.status, 400);
    const unknown = await fleet.get(`${root}/Machines?$apply=groupby((Name))/filter(Nope eq 1)`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /Nope/);
  });
});
