// Query limits (odata/validate): each refused with a 400 naming the limit, each passed exactly at the limit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { handleQuery } from '../../src/http/query-handler.js';
import { monitorModel } from '../../src/model/model.js';
import { ODataError } from '../../src/odata/errors.js';
import { parseQueryString } from '../../src/odata/parse/index.js';
import { DEFAULT_QUERY_LIMITS, validateQuery, type QueryLimits } from '../../src/odata/validate/index.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { ResultCache } from '../../src/store/result-cache.js';
import { openFleet, type Fleet } from '../support/fleet.js';

let fleet: Fleet;
before(async () => {
  fleet = await openFleet({ machines: 12, days: 2 });
});
after(async () => {
  await fleet?.close();
});

const ROOT = '/monitorodata/';

/** GET below the service root, with spaces and quotes percent-encoded. */
function get(pathAndQuery: string) {
  return fleet.get(ROOT + pathAndQuery.replace(/[ ']/g, encodeURIComponent));
}

/** The 400 of an exceeded limit: OData error shape, message prefixed as ASP.NET does, naming the limit. */
async function assertRefused(pathAndQuery: string, message: RegExp, target: string): Promise<void> {
  const { status, body } = await get(pathAndQuery);
  assert.equal(status, 400, JSON.stringify(body));
  assert.equal(body.error.code, 'BadRequest');
  assert.equal(typeof body.error.message, 'string');
  assert.match(body.error.message, /^The query specified in the URI is not valid\. /);
  assert.match(body.error.message, message);
  assert.equal(body.error.target, target);
}

async function assertServed(pathAndQuery: string): Promise<any> {
  const { status, body } = await get(pathAndQuery);
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

/** The error validateQuery throws for a query string, with `limits` over the defaults. */
function refusal(rawQuery: string, limits: Partial<QueryLimits>): ODataError {
  const options = parseQueryString(rawQuery);
  try {
    validateQuery(options, { ...DEFAULT_QUERY_LIMITS, ...limits });
  } catch (error) {
    assert.ok(error instanceof ODataError);
    assert.equal(error.status, 400);
    return error;
  }
  assert.fail(`'${rawQuery}' passed the limits`);
}

function passes(rawQuery: string, limits: Partial<QueryLimits>): void {
  validateQuery(parseQueryString(rawQuery), { ...DEFAULT_QUERY_LIMITS, ...limits });
}

/** `n` terms `Name eq 'a' or ...`: 4n - 1 nodes (eq, property, literal per term; one `or` between). */
function orChain(n: number): string {
  return Array.from({ length: n }, () => "Name eq 'a'").join(' or ');
}

/** `$expand` of `depth` levels down a real chain of navigations from DesktopGroups, kept small at each level. */
function expandChain(depth: number): string {
  const chain = [
    ['Machines', '$top=1'],
    ['Sessions', '$top=1'],
    ['Connections', '$top=1'],
    ['Session', '$select=SessionKey'],
    ['User', '$select=UserName'],
  ].slice(0, depth);
  return chain.reduceRight((inner, [nav, option]) => `${nav}(${option}${inner ? `;$expand=${inner}` : ''})`, '');
}

describe('$top', () => {
  const message = /The limit of '100000' for Top query has been exceeded\. The value from the incoming request is '100001'\./;

  test('above maxTop is refused', async () => {
    await assertRefused('Machines?$top=100001', message, '$top');
  });

  test('at maxTop is served (server paging still applies)', async () => {
    const body = await assertServed('Machines?$top=100000');
    assert.ok(body.value.length > 0);
  });

  test('inside $expand options', async () => {
    await assertRefused('Machines?$expand=Sessions($top=100001)', message, '$expand');
    await assertServed('Machines?$top=2&$expand=Sessions($top=100000)');
  });

  test('top() in $apply', async () => {
    await assertRefused('Machines?$apply=top(100001)', message, '$apply');
  });
});

describe('$expand depth', () => {
  test('depth 4 is served', async () => {
    const body = await assertServed(`DesktopGroups?$top=1&$expand=${expandChain(4)}`);
    assert.equal(body.value.length, 1);
  });

  test('depth 5 is refused', async () => {
    await assertRefused(
      `DesktopGroups?$top=1&$expand=${expandChain(5)}`,
      /The request includes a \$expand path which is too deep\. The maximum depth allowed is 4\. To increase the limit, set the 'maxExpansionDepth' query limit of the server\./,
      '$expand',
    );
  });

  test('counted as ASP.NET counts it: A($expand=B) is depth 2, siblings do not add', () => {
    passes('$expand=Machines,Sessions($expand=Machine)', { maxExpansionDepth: 2 });
    const text = 'Machines,Sessions($expand=Machine($expand=DesktopGroup))';
    const error = refusal(`$expand=${text}`, { maxExpansionDepth: 2 });
    assert.match(error.message, /maximum depth allowed is 2\./);
    assert.equal(error.target, '$expand');
    // The span is the item one level too deep, within the $expand text.
    const start = text.indexOf('DesktopGroup');
    assert.deepEqual(error.span, { start, end: start + 'DesktopGroup'.length });
  });

  test('expand() nested in $apply counts alike', async () => {
    assert.match(refusal('$apply=expand(Session, expand(Machine, expand(DesktopGroup)))', { maxExpansionDepth: 2 }).message, /maximum depth allowed is 2\./);
    passes('$apply=expand(Session, expand(Machine))/groupby((Session/Machine/Name), expand(Machine, expand(DesktopGroup)))', { maxExpansionDepth: 2 });
    await assertRefused('Connections?$apply=expand(Session, expand(Machine, expand(DesktopGroup, expand(Machines, expand(Sessions)))))', /maximum depth allowed is 4\./, '$apply');
  });
});

describe('node count', () => {
  const message = /The node count limit of '1000' has been exceeded\. To increase the limit, set the 'maxNodeCount' query limit of the server\./;
  // 250 terms are 999 nodes; one `not` makes exactly 1000, a second 1001.
  const atLimit = `not (${orChain(250)})`;

  test('a $filter of exactly maxNodeCount nodes is served', async () => {
    const body = await assertServed(`Machines?$filter=${atLimit}&$count=true`);
    assert.ok(body['@odata.count'] > 0);
  });

  test('one node more is refused', async () => {
    await assertRefused(`Machines?$filter=not ${atLimit}`, message, '$filter');
  });

  test('a 100,000-term or chain is refused, not bound', async () => {
    const query = `$filter=${orChain(100_000)}`;
    const { status, body } = await get(`Machines?${query}`);
    // Refused at the HTTP level by this limit, or by maxUrlLength where http/ enforces it first.
    assert.equal(status, 400, JSON.stringify(body).slice(0, 300));
    assert.equal(body.error.code, 'BadRequest');
    assert.match(body.error.message, /limit/);
    // Below HTTP, the node count refuses it by itself.
    assert.match(refusal(query, {}).message, message);
  });

  test('counts each node kind once; an `in` list of literals is one constant', () => {
    // eq, call, path, literal, literal: 5 nodes.
    passes("$filter=contains(Name, 'x') eq true", { maxNodeCount: 5 });
    // in, path, the list: 3 nodes, however long the list.
    passes(`$filter=CurrentSessionCount in (${Array.from({ length: 500 }, (_, i) => i).join(',')})`, { maxNodeCount: 3 });
    // any, its source path, eq, path, literal: 5 nodes.
    passes('$filter=Sessions/any(s: s/LogOnDuration eq 1)', { maxNodeCount: 5 });
    assert.equal(refusal('$filter=Sessions/any(s: s/LogOnDuration eq 1)', { maxNodeCount: 4 }).target, '$filter');
  });

  test('$orderby, $compute, $apply and nested $expand expressions each have a budget of their own', () => {
    const limits = { maxNodeCount: 3 };
    passes('$filter=A eq 1&$orderby=A add 1&$compute=A mul 2 as B&$apply=filter(A eq 2)&$expand=Sessions($filter=A eq 3)', limits);
    assert.equal(refusal('$orderby=A, B add 1 desc', limits).target, '$orderby');
    assert.equal(refusal('$compute=A add 1 as B, A as C', limits).target, '$compute');
    assert.equal(refusal('$apply=filter(A eq 2)/compute(A as B)', limits).target, '$apply');
    assert.equal(refusal('$apply=groupby((A), aggregate(A add 1 with sum as S))/filter(S gt 0)', limits).target, '$apply');
    assert.equal(refusal('$apply=expand(Machine, filter(Name ne null and Name ne \'x\'))', limits).target, '$apply');
    assert.equal(refusal('$expand=Sessions($filter=A eq 3;$orderby=B)', limits).target, '$expand');
  });
});

describe('any/all nesting', () => {
  const nested = (depth: number) => {
    let body = 'true';
    for (let i = depth; i >= 1; i--) body = `x${i}/Sessions/any(x${i + 1}: ${body})`;
    return body.replace('x1/', '');
  };

  test('beyond maxAnyAllExpressionDepth is refused', async () => {
    await assertRefused(
      `Users?$filter=${nested(5)}`,
      /The Any\/All nesting limit of '4' has been exceeded\. To increase the limit, set the 'maxAnyAllExpressionDepth' query limit of the server\./,
      '$filter',
    );
  });

  test('real nesting is served', async () => {
    await assertServed('Users?$filter=Sessions/any(s: s/Connections/any(c: c/IsReconnect eq false))&$top=1');
  });

  test('custom depth is honoured', () => {
    passes(`$filter=${nested(2)}`, { maxAnyAllExpressionDepth: 2 });
    assert.match(refusal(`$filter=${nested(3)}`, { maxAnyAllExpressionDepth: 2 }).message, /nesting limit of '2'/);
  });
});

test('limits given to handleQuery are honoured', async () => {
  const request = (rawQuery: string) =>
    handleQuery({
      model: monitorModel,
      store: fleet.store,
      compiler: () => new DuckDbQueryCompiler(),
      customerId: fleet.customerId,
      serviceRoot: 'http://localhost/monitorodata',
      path: 'Machines',
      rawQuery,
      accept: undefined,
      prefer: undefined,
      now: new Date(),
      cache: new ResultCache(),
      limits: { ...DEFAULT_QUERY_LIMITS, maxTop: 10 },
    });
  const served = await request('$top=10');
  assert.equal(served.status, 200);
  await assert.rejects(request('$top=11'), (error: unknown) => {
    assert.ok(error instanceof ODataError);
    assert.equal(error.status, 400);
    assert.equal(error.target, '$top');
    assert.equal(error.message, "The limit of '10' for Top query has been exceeded. The value from the incoming request is '11'.");
    return true;
  });
});

describe('expanded entities a response writes (found by the query fuzzer: 513 MB of JSON on a small fleet)', () => {
  /** Read-ahead blocks of a walk, kept across its pages: a shortened page's link points into them. */
  const cache = new ResultCache();
  /** The answer to GET Set?query through handleQuery, with at most `budget` entities a response. */
  const answer = async (path: string, rawQuery: string, budget: number) => {
    const response = await handleQuery({
      model: monitorModel,
      store: fleet.store,
      compiler: () => new DuckDbQueryCompiler(),
      customerId: fleet.customerId,
      serviceRoot: 'http://localhost/monitorodata',
      path,
      rawQuery,
      accept: undefined,
      prefer: undefined,
      now: new Date(),
      cache,
      limits: { ...DEFAULT_QUERY_LIMITS, maxExpandedEntities: budget },
    });
    return { ...response, body: JSON.parse(String(response.body)) };
  };

  test('a page whose expansions pass the budget holds fewer rows, and its next link goes on from there', async () => {
    // Every summary repeats its delivery group's summaries: the JSON grows with rows x summaries of a group.
    const query = '$select=MachineId,SummaryDate,Granularity&$expand=DesktopGroup($select=Id;$expand=ResourceUtilizationSummary($select=Granularity))';
    const [[perGroup]] = await fleet.sql(`SELECT max(n) FROM (SELECT count(*) AS n FROM ResourceUtilizationSummary WHERE _customer_id = $1 GROUP BY DesktopGroupId)`, [fleet.customerId]);
    const budget = Number(perGroup) * 5;
    const rows: string[] = [];
    let rawQuery: string | undefined = query;
    while (rawQuery !== undefined) {
      const page = await answer('ResourceUtilizationSummary', rawQuery, budget);
      assert.equal(page.status, 200);
      const written = page.body.value.reduce((n: number, row: any) => n + 1 + (row.DesktopGroup ? 1 + row.DesktopGroup.ResourceUtilizationSummary.length : 0), 0);
      assert.ok(written <= budget, `${written} entities written`);
      rows.push(...page.body.value.map((row: any) => `${row.MachineId} ${row.SummaryDate} ${row.Granularity}`));
      rawQuery = page.next?.rawQuery;
    }
    const [[all]] = await fleet.sql(`SELECT count(*) FROM ResourceUtilizationSummary WHERE _customer_id = $1`, [fleet.customerId]);
    assert.equal(rows.length, Number(all));
    assert.equal(new Set(rows).size, rows.length, 'no row twice');
  });

  test('one entity that alone passes the budget is refused with a 400 naming $expand', async () => {
    const [[group]] = await fleet.sql(`SELECT Id::VARCHAR FROM DesktopGroups WHERE _customer_id = $1 AND Id IN (SELECT DesktopGroupId FROM ResourceUtilizationSummary)`, [fleet.customerId]);
    for (const [path, rawQuery] of [[`DesktopGroups(${group})`, '$expand=ResourceUtilizationSummary'], ['DesktopGroups', `$filter=Id eq ${group}&$expand=ResourceUtilizationSummary`]] as const) {
      await assert.rejects(answer(path, rawQuery, 10), (error: unknown) => {
        assert.ok(error instanceof ODataError);
        assert.deepEqual([error.status, error.target], [400, '$expand']);
        assert.match(error.message, /more than 10 entities/);
        return true;
      });
    }
    assert.equal((await answer(`DesktopGroups(${group})`, '$expand=ResourceUtilizationSummary($top=5)', 10)).status, 200);
  });
});

describe('URL length', () => {
  test('a URL past the limit gets a 400 naming the limit, also over a real connection (not a bare 431)', async () => {
    const long = `Machines?$filter=${encodeURIComponent(`Name eq '${'x'.repeat(DEFAULT_QUERY_LIMITS.maxUrlLength)}'`)}`;
    const injected = await fleet.get(ROOT + long);
    assert.equal(injected.status, 400);
    assert.match(injected.body.error.message, new RegExp(`limit of ${DEFAULT_QUERY_LIMITS.maxUrlLength}`));
    const address = await fleet.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}${ROOT}${long}`);
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as any).error.message, /MaxUrlLength/);
    const atLimit = `Machines?$filter=${encodeURIComponent(`Name eq '${'x'.repeat(DEFAULT_QUERY_LIMITS.maxUrlLength - 200)}'`)}`;
    assert.ok((ROOT + atLimit).length <= DEFAULT_QUERY_LIMITS.maxUrlLength);
    assert.equal((await fetch(`${address}${ROOT}${atLimit}`)).status, 200);
  });
});
