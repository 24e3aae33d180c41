// Every query Citrix publishes (monitor-schema.md §3.4, §4.3, §4.4) and every request of the seed
// documentation must parse; each assertion checks the resulting tree, not just "no throw".
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ODataError } from '../../src/odata/errors.js';
import { parseQueryString, parseResourcePath, type QueryOptionsToken } from '../../src/odata/parse/index.js';
import { applySteps, expandItems, orderBy, sexpr } from './sexpr.js';

/** A request line as written: path after the service root, `?`, raw query. */
function request(url: string): { set: string; options: QueryOptionsToken } {
  const question = url.indexOf('?');
  const path = parseResourcePath(question < 0 ? url : url.slice(0, question));
  const segment = path.segments[0]!;
  assert.equal(segment.kind, 'name');
  return { set: segment.kind === 'name' ? segment.name : '', options: parseQueryString(question < 0 ? '' : url.slice(question + 1)) };
}

describe('Citrix developer-docs examples (§3.4)', () => {
  it('1-3: resource utilisation at hour and day level', () => {
    const { set, options } = request(
      'ResourceUtilizationSummary?$filter=Granularity eq 60 and SummaryDate eq 2024-07-30T08:00:00Z and UptimeInMinutes gt 0' +
        '&$expand=Machine($select=Name,AgentVersion),DesktopGroup($select=Name)',
    );
    assert.equal(set, 'ResourceUtilizationSummary');
    assert.equal(
      sexpr(options.filter!.value),
      '(and (and (eq Granularity 60) (eq SummaryDate dto:2024-07-30T08:00:00Z)) (gt UptimeInMinutes 0))',
    );
    assert.equal(expandItems(options.expand!.value), 'Machine($select=Name,AgentVersion),DesktopGroup($select=Name)');
    assert.equal(
      sexpr(request('ResourceUtilizationSummary?$filter=Granularity eq 1440 and SummaryDate eq 2025-04-20T00:00:00Z and UptimeInMinutes gt 0').options.filter!.value),
      '(and (and (eq Granularity 1440) (eq SummaryDate dto:2025-04-20T00:00:00Z)) (gt UptimeInMinutes 0))',
    );
  });

  it('4-5: connection failure logs with parenthesised filters and expands', () => {
    assert.equal(
      sexpr(request('ConnectionFailureLogs?$filter=(FailureDate ge 2024-07-30T00:00:00Z and FailureDate le 2024-07-31T00:00:00Z)').options.filter!.value),
      '(and (ge FailureDate dto:2024-07-30T00:00:00Z) (le FailureDate dto:2024-07-31T00:00:00Z))',
    );
    const { options } = request(
      'ConnectionFailureLogs?$filter=(FailureDate ge 2024-07-31T00:00:00Z)&$expand=Machine($select=Name,CurrentRegistrationState,IsInMaintenanceMode),' +
        'User($select=Sid,Upn,UserName,Domain),Session',
    );
    assert.equal(
      expandItems(options.expand!.value),
      'Machine($select=Name,CurrentRegistrationState,IsInMaintenanceMode),User($select=Sid,Upn,UserName,Domain),Session',
    );
  });

  it('6: connections with a space before &, $select=*, and a three-level expand', () => {
    const { options } = request(
      'Connections?$filter=Session/FailureDate ge 2024-07-24T00:00:00.000Z and Session/FailureDate le 2024-07-25T00:00:00.000Z &$select=*,' +
        '&$expand=Session($select=*;$expand=User($select=UPN,UserName),Failure($select=ConnectionFailureEnumValue,Category),' +
        'Machine($select=DnsName,DesktopGroupId,IsInMaintenanceMode))',
    );
    assert.equal(
      sexpr(options.filter!.value),
      '(and (ge Session/FailureDate dto:2024-07-24T00:00:00.000Z) (le Session/FailureDate dto:2024-07-25T00:00:00.000Z))',
    );
    assert.deepEqual(options.select!.value.map((item) => item.kind), ['star']);
    assert.equal(
      expandItems(options.expand!.value),
      'Session($select=*;$expand=User($select=UPN,UserName),Failure($select=ConnectionFailureEnumValue,Category),' +
        'Machine($select=DnsName,DesktopGroupId,IsInMaintenanceMode))',
    );
  });

  it('7-8: double spaces, $orderby with $top', () => {
    assert.equal(
      sexpr(request('Connections?$filter=(ModifiedDate ge 2024-06-04T00:00:00Z and ModifiedDate le  2024-06-05T00:00:00Z)').options.filter!.value),
      '(and (ge ModifiedDate dto:2024-06-04T00:00:00Z) (le ModifiedDate dto:2024-06-05T00:00:00Z))',
    );
    const { options } = request('Machines?$orderby=Name&$top=10');
    assert.equal(orderBy(options.orderby!.value), 'Name asc');
    assert.equal(options.top!.value, 10);
  });

  it('9-12: blog aggregations and the any() lambda', () => {
    assert.equal(
      applySteps(request('Sessions?$apply=groupby((ConnectionState), aggregate(SessionKey with countdistinct as NumberOfSessions))').options.apply!.value),
      'groupby((ConnectionState), aggregate(SessionKey with countdistinct as NumberOfSessions))',
    );
    assert.equal(
      applySteps(request('Sessions?$apply=filter(StartDate ge 2016-07-01)/groupby((UserId))').options.apply!.value),
      'filter((ge StartDate date:2016-7-1))/groupby((UserId))',
    );
    assert.equal(
      sexpr(request('Users?$filter=Sessions/any(session: session/LogOnDuration gt 600000)').options.filter!.value),
      '(any Sessions session (gt session/LogOnDuration 600000))',
    );
  });

  it('S3: Machines() with spaces in $select, $orderby desc with $skip, quoted names with backslashes', () => {
    const select = request('Machines()?$select=Name, IPAddress');
    assert.deepEqual(select.options.select!.value.map((item) => item.kind === 'path' && sexpr(item.path)), ['Name', 'IPAddress']);
    const paged = request('Machines()?$orderby=Id desc&$skip=40&$top=10');
    assert.equal(orderBy(paged.options.orderby!.value), 'Id desc');
    assert.equal(paged.options.skip!.value, 40);
    assert.equal(sexpr(request("Catalogs()?$filter=Name eq '$Name'").options.filter!.value), "(eq Name '$Name')");
    assert.equal(sexpr(request("Machines?$filter=Name eq 'DOMAIN\\HOSTNAME'").options.filter!.value), "(eq Name 'DOMAIN\\HOSTNAME')");
  });

  it('S1: the per-set $filter examples', () => {
    const filters: [string, string][] = [
      ['SummaryDate gt 2024-12-01T00:00:00Z and SummaryDate lt 2024-12-02T00:00:00Z', '(and (gt SummaryDate dto:2024-12-01T00:00:00Z) (lt SummaryDate dto:2024-12-02T00:00:00Z))'],
      ["BrowserName eq 'MyBrowserName'", "(eq BrowserName 'MyBrowserName')"],
      ['SessionKey eq 61827d05-88f3-4793-a808-1f797406f162', '(eq SessionKey guid:61827d05-88f3-4793-a808-1f797406f162)'],
      ['CurrentState eq true and CreatedDate gt 2024-12-01T00:00:00Z', '(and (eq CurrentState true) (gt CreatedDate dto:2024-12-01T00:00:00Z))'],
      ['DesktopGroupId eq dd1c6df8-be81-4d11-8d39-291233f32fb9', '(eq DesktopGroupId guid:dd1c6df8-be81-4d11-8d39-291233f32fb9)'],
      ['ProbeLogId eq 1234', '(eq ProbeLogId 1234)'],
      ["MachineId eq '1234'", "(eq MachineId '1234')"],
    ];
    for (const [filter, expected] of filters) {
      assert.equal(sexpr(request(`Sets?$filter=${filter}`).options.filter!.value), expected);
    }
  });
});

describe('aggregation examples (§4.3)', () => {
  it('aggregate alone, cast inside aggregate and compute, arithmetic aliases', () => {
    assert.equal(
      applySteps(request('MachineCostSavingsSummaries?$apply=aggregate(TotalAmountSaved with sum as TotalAmountSavedSum)').options.apply!.value),
      'aggregate(TotalAmountSaved with sum as TotalAmountSavedSum)',
    );
    assert.equal(
      applySteps(request('Sessions?$apply=groupby((Session/User/FullName,Machine/DesktopGroup/Name,DesktopGroup/Id),aggregate(id with countdistinct as N))').options.apply!.value),
      'groupby((Session/User/FullName, Machine/DesktopGroup/Name, DesktopGroup/Id), aggregate(id with countdistinct as N))',
    );
  });

  it('combines $apply with $orderby/$top, $count and $expand', () => {
    const ranked = request('ConnectionFailureLogs?$apply=groupby((MachineId),aggregate(Id with countdistinct as FailureCount))&$orderby=FailureCount desc&$top=20');
    assert.equal(orderBy(ranked.options.orderby!.value), 'FailureCount desc');
    assert.equal(ranked.options.top!.value, 20);
    const counted = request('Machines?$apply=filter(LifecycleState eq 0)&$count=true');
    assert.equal(counted.options.count!.value, true);
    const expanded = request('Connections?$apply=filter(StartDate ge 2025-05-02)&$expand=Session($expand=Machine,User)');
    assert.equal(expandItems(expanded.options.expand!.value), 'Session($expand=Machine,User)');
  });
});

describe('filters, literals and dates (§4.4)', () => {
  it('reads the literal forms working clients send', () => {
    const filters: [string, string][] = [
      ['StartDate ge 2024-07-24T00:00:00.00Z', '(ge StartDate dto:2024-07-24T00:00:00.00Z)'],
      ['StartDate ge 2024-07-24T00:00:00.1234Z', '(ge StartDate dto:2024-07-24T00:00:00.1234Z)'],
      ['ModifiedDate gt cast(2024-07-31T02:56:57.996Z, Edm.DateTimeOffset)', '(gt ModifiedDate (cast dto:2024-07-31T02:56:57.996Z type:Edm.DateTimeOffset))'],
      ['ModifiedDate gt cast(2024-07-31T02:56:57.996Z,+Edm.DateTimeOffset)', '(gt ModifiedDate (cast dto:2024-07-31T02:56:57.996Z type:Edm.DateTimeOffset))'],
      ['SummaryDate ge 2025-05-03', '(ge SummaryDate date:2025-5-3)'],
      ['CollectedDate ge 2025-05-01', '(ge CollectedDate date:2025-5-1)'],
      ['DesktopGroup ne null', '(ne DesktopGroup null)'],
      ["contains(Name,'abc')", "(contains Name 'abc')"],
      ["endswith(tolower(DNSName),'.example.com')", "(endswith (tolower DNSName) '.example.com')"],
      ['Machine/DesktopGroup/Id eq ad9e2d3d-44ac-49b0-a34b-7affb5ce3596', '(eq Machine/DesktopGroup/Id guid:ad9e2d3d-44ac-49b0-a34b-7affb5ce3596)'],
      ['Session/ConnectionState ne 3', '(ne Session/ConnectionState 3)'],
      ["User/UserName eq 'DOMAIN\\jsmith'", "(eq User/UserName 'DOMAIN\\jsmith')"],
    ];
    for (const [filter, expected] of filters) {
      assert.equal(sexpr(request(`Sets?$filter=${filter}`).options.filter!.value), expected, filter);
    }
  });

  it('rejects the v3 datetime literal some clients still send', () => {
    assert.throws(
      () => request("Sessions?$filter=StartDate ge datetime'2022-05-10T09:19:49'"),
      (error: unknown) => error instanceof ODataError && error.kind === 'syntax' && error.target === '$filter' && /OData v4/.test(error.message),
    );
  });

  it('accepts the casings and spellings of official scripts', () => {
    const { options } = request(
      "Sessions?$select=upn&OrderBy=StartDate Desc&$expand=User($select=Username;$OrderBy=Upn),Machine($select = DnsName),application,connections",
    );
    assert.equal(orderBy(options.orderby!.value), 'StartDate desc');
    assert.equal(expandItems(options.expand!.value), 'User($select=Username;$orderby=Upn asc),Machine($select=DnsName),application,connections');
  });

  it('ignores the garbage parameters working clients send', () => {
    const { options } = request('Sessions?$filter=StartDate ge 2025-05-02&null=null&%$top=1000&orderby=StartDate');
    assert.deepEqual(Object.keys(options).sort(), ['filter', 'orderby']);
  });
});

describe('seed documentation requests', () => {
  const seed = '/work/shared/seeds/001_a224416b0e52d567.txt';
  const requests = existsSync(seed)
    ? readFileSync(seed, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('GET /monitorodata/'))
        .map((line) => line.slice('GET /monitorodata/'.length, line.lastIndexOf(' HTTP/')))
    : [];

  it('finds the five GET requests of the seed', { skip: requests.length === 0 && 'seed file not present' }, () => {
    assert.equal(requests.length, 5);
  });

  for (const line of requests) {
    it(`parses ${line.slice(0, 80)}...`, () => {
      const { set, options } = request(line);
      assert.equal(set, 'ResourceUtilizationSummary');
      assert.ok(options.filter || options.apply, 'has $filter or $apply');
      if (options.apply) assert.ok(options.apply.value.length >= 3);
    });
  }
});
