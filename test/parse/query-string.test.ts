// The query string: decoding, option-name rules, duplicates, unknown names, error targets and spans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ODataError } from '../../src/odata/errors.js';
import { parseQueryString } from '../../src/odata/parse/index.js';
import { orderBy, sexpr } from './sexpr.js';

function rejects(raw: string, message: RegExp): ODataError {
  try {
    parseQueryString(raw);
  } catch (error) {
    assert.ok(error instanceof ODataError, String(error));
    assert.equal(error.kind, 'syntax');
    assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${raw} to be rejected`);
}

describe('decoding', () => {
  it("decodes '+' and %20 as spaces and other escapes as UTF-8", () => {
    const options = parseQueryString("$filter=Name+eq%20'caf%C3%A9'&$top=%31%30");
    assert.equal(sexpr(options.filter!.value), "(eq Name 'café')");
    assert.equal(options.top!.value, 10);
  });

  it("reads a raw '+' as a space and %2B as a plus", () => {
    for (const raw of ['$filter=cast(2024-07-31T02:56:57.996Z,+Edm.DateTimeOffset) gt 1', '$filter=cast(2024-07-31T02:56:57.996Z,%2BEdm.DateTimeOffset) gt 1']) {
      const options = parseQueryString(raw);
      assert.equal(sexpr(options.filter!.value), '(gt (cast dto:2024-07-31T02:56:57.996Z type:Edm.DateTimeOffset) 1)');
    }
    const withEncodedPlus = parseQueryString('$filter=X eq 2024-07-30T08:00:00%2B02:00');
    assert.equal(sexpr(withEncodedPlus.filter!.value), '(eq X dto:2024-07-30T08:00:00+02:00)');
    rejects('$filter=X eq 2024-07-30T08:00:00+02:00', /time zone information is missing .* write the offset as %2B/);
  });

  it('turns a malformed escape into a syntax error with the option as target', () => {
    const error = rejects("$filter=Name eq '%ZZ'", /Malformed percent-encoding '%ZZ' at position 9/);
    assert.equal(error.target, '$filter');
    assert.deepEqual(error.span, { start: 9, end: 12 });
    rejects('$filter=Name eq %E2%82', /not valid UTF-8/);
    rejects('$top=1%', /Malformed percent-encoding/);
  });

  it('ignores a stray %$top=1000 from a real client instead of crashing', () => {
    assert.deepEqual(parseQueryString('%$top=1000'), {});
    assert.deepEqual(parseQueryString('$filter=A eq 1&%$top=1000').top, undefined);
  });
});

describe('option names', () => {
  it('matches system options case-insensitively with the $ optional (OData 4.01)', () => {
    const options = parseQueryString('OrderBy=StartDate Desc&top=5&$SKIP=10&Count=true&FILTER=A eq 1');
    assert.equal(orderBy(options.orderby!.value), 'StartDate desc');
    assert.equal(options.top!.value, 5);
    assert.equal(options.skip!.value, 10);
    assert.equal(options.count!.value, true);
    assert.equal(sexpr(options.filter!.value), '(eq A 1)');
  });

  it('ignores unknown names without $ and parameters without =', () => {
    assert.deepEqual(parseQueryString('null=null&foo=1&!special&@p=1&&'), {});
  });

  it('rejects unknown $ names, including "$filter " with a space before =', () => {
    const error = rejects('$foo=1', /^The query parameter '\$foo' is not supported\.$/);
    assert.equal(error.target, '$foo');
    rejects('$filter =Name eq 1', /^The query parameter '\$filter ' is not supported\.$/);
    rejects('$levels=2', /'\$levels' is not supported/);
  });

  it('rejects a system option given twice, also across spellings', () => {
    const error = rejects('$top=1&$top=2', /^Query option '\$top' was specified more than once, but it must be specified at most once\.$/);
    assert.equal(error.target, '$top');
    rejects('$filter=A eq 1&filter=B eq 2', /Query option '\$filter' was specified more than once/);
  });

  it('treats a missing value as empty', () => {
    rejects('$count', /'' is not a valid count option/);
    assert.deepEqual(parseQueryString('$select=').select!.value, []);
  });
});

describe('each option', () => {
  it('parses every system option and keeps $search, $skiptoken and $format as text', () => {
    const options = parseQueryString(
      '$filter=A eq 1&$select=A,B&$expand=C&$orderby=A&$top=1&$skip=2&$count=false&$compute=A add 1 as D' +
        '&$apply=aggregate(A with sum as S)&$search=blue&$skiptoken=abc%3D&$format=application/json;odata.metadata=none',
    );
    assert.equal(options.select!.value.length, 2);
    assert.equal(options.expand!.value.length, 1);
    assert.equal(options.compute!.value[0]!.alias.name, 'D');
    assert.equal(options.apply!.value[0]!.kind, 'aggregate');
    assert.equal(options.count!.value, false);
    assert.deepEqual(options.search, { value: 'blue', span: { start: 0, end: 4 } });
    assert.equal(options.skiptoken!.value, 'abc=');
    assert.equal(options.format!.value, 'application/json;odata.metadata=none');
  });

  it('gives each option the span of its whole decoded value', () => {
    const options = parseQueryString('$filter=Name+eq+1');
    assert.deepEqual(options.filter!.span, { start: 0, end: 9 });
  });

  it('attributes errors to the canonical option name, with spans into the decoded value', () => {
    const cases: [string, string, RegExp][] = [
      ['$filter=Name eq ', '$filter', /Expression expected at position 8 in 'Name eq '/],
      ['orderby=Name,', '$orderby', /Expression expected/],
      ['$Top=-1', '$top', /Invalid value '-1' for \$top/],
      ['$count=yes', '$count', /'yes' is not a valid count option/],
      ['$expand=A(', '$expand', /Query option name expected/],
      ['$apply=aggregate(A)', '$apply', /'with' and an aggregation method expected/],
      ['$compute=A', '$compute', /'as' expected/],
      ['$select=A(', '$select', /Options on \$select items/],
    ];
    for (const [raw, target, message] of cases) {
      const error = rejects(raw, message);
      assert.equal(error.target, target, raw);
      assert.ok(error.span, raw);
    }
    const error = rejects("$filter=Name+eq+'x", /Unterminated string literal at position 8 in 'Name eq 'x'/);
    assert.deepEqual(error.span, { start: 8, end: 10 });
  });

  it('rejects v3 typed literals in any option', () => {
    const error = rejects("$filter=SummaryDate ge datetime'2022-05-10T09:19:49'", /not supported in OData v4/);
    assert.equal(error.target, '$filter');
  });
});
