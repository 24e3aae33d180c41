// $apply: every transformation of the Data Aggregation grammar in syntax.ts, nesting, errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ODataError } from '../../src/odata/errors.js';
import { parseApply } from '../../src/odata/parse/index.js';
import { applySteps } from './sexpr.js';

function apply(text: string): string {
  return applySteps(parseApply(text));
}

function rejects(text: string, message: RegExp): ODataError {
  try {
    parseApply(text);
  } catch (error) {
    assert.ok(error instanceof ODataError, String(error));
    assert.equal(error.kind, 'syntax');
    assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${text} to be rejected`);
}

describe('aggregate', () => {
  it('reads built-in methods, $count and custom qualified methods', () => {
    assert.equal(
      apply('aggregate(Amount with sum as Total, Amount with MIN as Lo, X with max as Hi, Y with average as Avg, Z with countdistinct as N)'),
      'aggregate(Amount with sum as Total, Amount with min as Lo, X with max as Hi, Y with average as Avg, Z with countdistinct as N)',
    );
    assert.equal(apply('aggregate($count as SalesCount)'), 'aggregate($count as SalesCount)');
    assert.equal(apply('aggregate(Product/Name with Custom.concat as Names)'), 'aggregate(Product/Name with Custom.concat as Names)');
    assert.equal(apply('aggregate(Self.DigitalProduct with Custom.discount as Stuff)'), 'aggregate(Self.DigitalProduct with Custom.discount as Stuff)');
  });

  it('reads expressions before with', () => {
    assert.equal(
      apply('aggregate(100 mul X div Y with average as Z)'),
      'aggregate((div (mul 100 X) Y) with average as Z)',
    );
    assert.equal(
      apply('aggregate(cast(UptimeInMinutes, Edm.Int32) with average as AvgUptimeInMinutes)'),
      'aggregate((cast UptimeInMinutes type:Edm.Int32) with average as AvgUptimeInMinutes)',
    );
  });

  it('requires a method and an alias', () => {
    rejects('aggregate(Amount)', /'with' and an aggregation method expected at position 16/);
    rejects('aggregate(Amount as Total)', /'with' and an aggregation method expected/);
    const error = rejects('aggregate(Amount with sum)', /'as' expected at position 25/);
    assert.deepEqual(error.span, { start: 25, end: 26 });
    rejects('aggregate(Amount with count as N)', /'count' is not an aggregation method/);
    rejects('aggregate($count with sum as N)', /\$count/);
    rejects('aggregate()', /Expression expected/);
    rejects('aggregate(Amount with sum from Time with average as X)', /'from' is not supported/);
  });
});

describe('groupby', () => {
  it('reads grouping paths and the transformations that follow, including nested groupby', () => {
    assert.equal(
      apply('groupby((ConnectionState), aggregate(SessionKey with countdistinct as NumberOfSessions))'),
      'groupby((ConnectionState), aggregate(SessionKey with countdistinct as NumberOfSessions))',
    );
    assert.equal(apply('groupby((DesktopGroup/Name,Machine/DesktopGroup/Name))'), 'groupby((DesktopGroup/Name, Machine/DesktopGroup/Name))');
    assert.equal(
      apply('groupby((A), groupby((B), aggregate(C with sum as D))/filter(D gt 1))'),
      'groupby((A), groupby((B), aggregate(C with sum as D))/filter((gt D 1)))',
    );
  });

  it('rejects rollup and an empty grouping list', () => {
    rejects('groupby((rollup(A,B)))', /'rollup\(\.\.\.\)' is not supported in a groupby list/);
    rejects('groupby(())', /Property name expected/);
    rejects('groupby(A)', /groupby takes a parenthesised list/);
  });
});

describe('other transformations', () => {
  it('reads filter, compute, orderby, top, skip, identity and search', () => {
    assert.equal(apply('filter(Amount gt 3)/compute(A mul 2 as B)'), 'filter((gt Amount 3))/compute((mul A 2) as B)');
    assert.equal(apply('orderby(Total desc, Name)/skip(10)/top(5)'), 'orderby(Total desc, Name asc)/skip(10)/top(5)');
    assert.equal(apply('identity'), 'identity');
    assert.equal(apply('search(coffee)'), 'search(coffee)');
    assert.equal(apply("search(')/top(1')/top(1)"), "search(')/top(1')/top(1)");
    assert.equal(apply('search( "blue green" OR (red #1) )/top(2)'), 'search("blue green" OR (red #1))/top(2)');
    const [search] = parseApply('search( coffee )');
    assert.deepEqual(search!.span, { start: 0, end: 16 });
    rejects('search()', /Search text expected/);
    rejects('search(coffee', /'\)' expected/);
  });

  it('reads the top/bottom count/sum/percent family', () => {
    for (const name of ['topcount', 'bottomcount', 'topsum', 'bottomsum', 'toppercent', 'bottompercent']) {
      assert.equal(apply(`${name}(2,Amount)`), `${name}(2, Amount)`);
    }
  });

  it('reads concat of several sequences', () => {
    assert.equal(
      apply('concat(topcount(2,Amount),bottomcount(2,Amount)/top(1))'),
      'concat(topcount(2, Amount), bottomcount(2, Amount)/top(1))',
    );
    rejects('concat(identity)', /at least two/);
  });

  it('reads ASP.NET expand() with filter and nested expand', () => {
    assert.equal(apply('expand(DesktopGroup,filter(Name ne null))'), 'expand(DesktopGroup, filter (ne Name null))');
    assert.equal(
      apply('expand(Machine,expand(DesktopGroup,filter(Name ne null)))'),
      'expand(Machine, expand(DesktopGroup, filter (ne Name null)))',
    );
    rejects('expand(Machine,orderby(Name))', /'filter\(\.\.\.\)' or 'expand\(\.\.\.\)' expected/);
  });

  it('names unsupported and unknown transformations', () => {
    rejects('join(Sales as S)', /'join' is not supported/);
    rejects('Custom.condense()', /Custom transformations .* not supported/);
    rejects('frobnicate(1)', /'frobnicate' is not a transformation/);
    rejects('identity()', /takes no parentheses/);
    rejects('top(-1)', /non-negative integer/);
  });

  it('keeps spans of steps', () => {
    const [first, second] = parseApply('filter(A)/top(5)');
    assert.deepEqual(first!.span, { start: 0, end: 9 });
    assert.deepEqual(second!.span, { start: 10, end: 16 });
  });

  it('limits nesting depth of transformations', () => {
    rejects('concat('.repeat(3_000) + 'identity,identity' + ')'.repeat(3_000), /limit of 100 levels/);
    rejects('groupby((A),'.repeat(3_000) + 'identity' + ')'.repeat(3_000), /limit of 100 levels/);
    rejects('expand(A,'.repeat(3_000) + 'expand(B)' + ')'.repeat(3_000), /limit of 100 levels/);
  });
});

describe('the Citrix examples', () => {
  it('parses the resource-utilisation queries of the seed documentation', () => {
    assert.equal(
      apply(
        'filter(Granularity eq 60 and SummaryDate ge 2025-05-03 and UptimeInMinutes gt 0 and AvgTotalMemory gt 0 and AvgUsedMemory gt 0 and PeakUsedMemory gt 0)' +
          '/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, 100 mul PeakUsedMemory div AvgTotalMemory as PeakPercentMemory)' +
          '/expand(DesktopGroup,filter(Name ne null))' +
          '/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, ' +
          'AvgPercentMemory with average as AvgPercentMemory, PeakPercentMemory with max as PeakPercentMemory))',
      ),
      'filter((and (and (and (and (and (eq Granularity 60) (ge SummaryDate date:2025-5-3)) (gt UptimeInMinutes 0)) (gt AvgTotalMemory 0)) (gt AvgUsedMemory 0)) (gt PeakUsedMemory 0)))' +
        '/compute((div (mul 100 AvgUsedMemory) AvgTotalMemory) as AvgPercentMemory, (div (mul 100 PeakUsedMemory) AvgTotalMemory) as PeakPercentMemory)' +
        '/expand(DesktopGroup, filter (ne Name null))' +
        '/groupby((DesktopGroup/Name, SummaryDate), aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, ' +
        'AvgPercentMemory with average as AvgPercentMemory, PeakPercentMemory with max as PeakPercentMemory))',
    );
    assert.equal(
      apply(
        'filter(Granularity eq 60 and SummaryDate ge 2025-05-05 and UptimeInMinutes gt 0)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))' +
          '/compute(cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64 )' +
          '/groupby((DesktopGroup/Name,MachineId,Machine/Name),aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))/filter(TotalSessionCountSum eq 0)',
      ),
      'filter((and (and (eq Granularity 60) (ge SummaryDate date:2025-5-5)) (gt UptimeInMinutes 0)))/expand(Machine, expand(DesktopGroup, filter (ne Name null)))' +
        '/compute((cast TotalSessionCount type:Edm.Int64) as TotalSessionCountInt64)' +
        '/groupby((DesktopGroup/Name, MachineId, Machine/Name), aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))/filter((eq TotalSessionCountSum 0))',
    );
  });

  it('keeps mis-cased names as written for the binder', () => {
    assert.equal(apply('groupby((DesktopGroup/Name),aggregate(NAme with countdistinct as N))'), 'groupby((DesktopGroup/Name), aggregate(NAme with countdistinct as N))');
  });
});
