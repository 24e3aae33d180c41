// The typed query builder: the query strings it writes, that it never changes in place, and (by
// tsc, which `npm test` runs first) that `select` and `expand` take only names of the set's type.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MonitorClient, query, type Machine, type RowOf } from '../../src/client/index.js';
import { appendQueryOptions, encodeQueryValue } from '../../src/client/query-string.js';
import { parseQueryString } from '../../src/odata/parse/query-string.js';

/** Compile-time equality of two types. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

describe('query builder', () => {
  test('writes each option once, in a fixed order, with values percent-encoded', () => {
    const q = query('Machines')
      .filter('Name ne null')
      .select('Id', 'Name')
      .expand('DesktopGroup')
      .orderby('Name desc')
      .top(10)
      .skip(5)
      .count();
    assert.equal(q.toString(), 'Machines?$filter=Name%20ne%20null&$select=Id,Name&$expand=DesktopGroup&$orderby=Name%20desc&$top=10&$skip=5&$count=true');
    assert.equal(query('Sessions').toString(), 'Sessions');
    assert.equal(
      query('ResourceUtilizationSummary')
        .apply('filter(Granularity eq 60)/groupby((MachineId),aggregate(TotalSessionCount with sum as Total))')
        .compute('AvgPercentCpu mul 2 as Double')
        .toString(),
      'ResourceUtilizationSummary?$apply=filter(Granularity%20eq%2060)/groupby((MachineId),aggregate(TotalSessionCount%20with%20sum%20as%20Total))&$compute=AvgPercentCpu%20mul%202%20as%20Double',
    );
    assert.equal(
      query('Machines').expand('DesktopGroup($select=Name;$filter=Name ne null)', 'Sessions').option('$format', 'json').toString(),
      'Machines?$expand=DesktopGroup($select=Name;$filter=Name%20ne%20null),Sessions&$format=json',
    );
  });

  test('text that means something in a URL is encoded so the server reads it back as written', () => {
    const filter = "Name eq 'CORP\\a&b+c#d%e' and contains(Name,'é?=/')";
    const q = query('Machines').filter(filter).select('Name');
    assert.match(q.toString(), /%26/);
    assert.match(q.toString(), /%2B/);
    assert.match(q.toString(), /%23/);
    const options = parseQueryString(q.toString().slice(q.toString().indexOf('?') + 1));
    assert.ok(options.filter, 'the server parses the filter');
    assert.equal(decodeURIComponent(encodeQueryValue(filter)), filter);
    assert.equal(encodeQueryValue("a b,c/d(e)'f':$g;h@i"), "a%20b,c/d(e)'f':$g;h@i");
  });

  test('each call returns a new builder; filters combine with and; lists add', () => {
    const base = query('Sessions').select('SessionKey');
    const one = base.filter('ConnectionState eq 1');
    const two = one.filter('StartDate ge 2025-05-01 or EndDate eq null').select('StartDate', 'SessionKey');
    assert.equal(base.toString(), 'Sessions?$select=SessionKey');
    assert.equal(one.toString(), 'Sessions?$filter=ConnectionState%20eq%201&$select=SessionKey');
    assert.equal(
      two.toString(),
      'Sessions?$filter=(ConnectionState%20eq%201)%20and%20(StartDate%20ge%202025-05-01%20or%20EndDate%20eq%20null)&$select=SessionKey,StartDate',
    );
    assert.equal(base.top(3).top(4).count(false).toString(), 'Sessions?$select=SessionKey&$top=4&$count=false');
    assert.throws(() => base.top(-1), RangeError);
    assert.throws(() => base.skip(1.5), RangeError);
  });

  test('a client resolves builders, relative paths and absolute URLs against its service root', () => {
    const client = new MonitorClient({ baseUrl: 'http://127.0.0.1:8080/monitorodata/' });
    assert.equal(client.url(client.query('Machines').top(3)), 'http://127.0.0.1:8080/monitorodata/Machines?$top=3');
    assert.equal(client.url('Machines?$top=3'), 'http://127.0.0.1:8080/monitorodata/Machines?$top=3');
    assert.equal(client.url('https://api.cloud.com/monitorodata/Sessions'), 'https://api.cloud.com/monitorodata/Sessions');
    assert.equal(client.url(new URL('http://h/Citrix/Monitor/OData/v4/Data/Machines')), 'http://h/Citrix/Monitor/OData/v4/Data/Machines');
    assert.equal(appendQueryOptions('Machines?$top=3', [['$filter', 'Name ne null']]), 'Machines?$top=3&$filter=Name%20ne%20null');
    assert.equal(appendQueryOptions('http://h/x/Machines', [['$count', 'true']]), 'http://h/x/Machines?$count=true');
    assert.equal(appendQueryOptions('Machines?', [['$top', '1']]), 'Machines?$top=1');
  });

  test('rows are typed by what is selected and expanded', () => {
    const selected = query('Machines').select('Id', 'Name').expand('DesktopGroup');
    type Row = RowOf<typeof selected>;
    assertType<Equal<Row['Name'], string | null>>();
    assertType<Equal<keyof Row, 'Id' | 'Name' | 'DesktopGroup'>>();
    assertType<Equal<RowOf<ReturnType<typeof query<'Machines'>>>, Machine>>();
    assertType<Equal<RowOf<'Machines?$top=1'>, Record<string, unknown>>>();
    // @ts-expect-error: Machines have no property NoSuchProperty
    query('Machines').select('Id', 'NoSuchProperty');
    // @ts-expect-error: Sessions is a navigation property, not a property
    query('Machines').select('Sessions');
    // @ts-expect-error: Name is a property, not a navigation property
    query('Machines').expand('Name');
    // @ts-expect-error: no entity set of that name
    query('Machine');
  });
});
