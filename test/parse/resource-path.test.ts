// The resource path after the service root.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ODataError } from '../../src/odata/errors.js';
import { parseResourcePath, type ResourcePathToken } from '../../src/odata/parse/index.js';
import { literal } from './sexpr.js';

function show(path: ResourcePathToken): string {
  return path.segments
    .map((segment) => {
      if (segment.kind !== 'name') return `$${segment.kind}`;
      if (segment.key === undefined) return segment.name;
      const keys = segment.key.map((key) => (key.name ? `${key.name.name}=` : '') + literal(key.value));
      return `${segment.name}(${keys.join(',')})`;
    })
    .join('/');
}

function rejects(path: string, message: RegExp): ODataError {
  try {
    parseResourcePath(path);
  } catch (error) {
    assert.ok(error instanceof ODataError, String(error));
    assert.equal(error.kind, 'syntax');
    assert.equal(error.target, 'path');
    assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${path} to be rejected`);
}

const GUID = '31a02fb0-b673-4520-b94d-017fa2acd3b8';

describe('resource paths', () => {
  it('reads entity sets, empty parentheses and keys', () => {
    assert.equal(show(parseResourcePath('Machines')), 'Machines');
    assert.equal(show(parseResourcePath('Machines()')), 'Machines()');
    assert.equal(show(parseResourcePath(`Machines(${GUID})`)), `Machines(guid:${GUID})`);
    assert.equal(show(parseResourcePath(`Machines(Id=${GUID.toUpperCase()})`)), `Machines(Id=guid:${GUID})`);
    assert.equal(
      show(parseResourcePath(`ResourceUtilizationSummary(MachineId=${GUID},Granularity=60,SummaryDate=2024-07-30T08:00:00Z)`)),
      `ResourceUtilizationSummary(MachineId=guid:${GUID},Granularity=60,SummaryDate=dto:2024-07-30T08:00:00Z)`,
    );
    assert.equal(show(parseResourcePath("Catalogs('O''Neil')")), "Catalogs('O''Neil')");
  });

  it('reads navigation, $count, $value, $metadata and $batch', () => {
    assert.equal(show(parseResourcePath(`Machines(${GUID})/Sessions`)), `Machines(guid:${GUID})/Sessions`);
    assert.equal(show(parseResourcePath('Machines/$count')), 'Machines/$count');
    assert.equal(show(parseResourcePath('Machines(1)/Name/$value')), 'Machines(1)/Name/$value');
    assert.equal(show(parseResourcePath('$metadata')), '$metadata');
    assert.equal(show(parseResourcePath('$batch')), '$batch');
    assert.deepEqual(parseResourcePath(''), { segments: [] });
  });

  it('tolerates a leading slash and trailing slashes', () => {
    assert.equal(show(parseResourcePath('/Machines/')), 'Machines');
    assert.equal(show(parseResourcePath('Machines/$count//')), 'Machines/$count');
  });

  it('decodes each segment after splitting, so %2F stays inside a key', () => {
    assert.equal(show(parseResourcePath("Categories('Tablet%2FSlate')")), "Categories('Tablet/Slate')");
    assert.equal(show(parseResourcePath('Customers%28%27O%27%27Neil%27%29')), "Customers('O''Neil')");
    rejects("Categories('Tablet/Slate')", /Unterminated string literal/);
    rejects("Customers('O%27Neil')", /Syntax error|Unterminated/);
  });

  it('gives spans into the decoded path', () => {
    const path = parseResourcePath(`Machines(${GUID})/Sessions`);
    assert.deepEqual(path.segments[0]!.span, { start: 0, end: 46 });
    assert.deepEqual(path.segments[1]!.span, { start: 47, end: 55 });
    const [segment] = parseResourcePath('Sets(A=1,B=2)').segments;
    assert.deepEqual(segment!.kind === 'name' && segment.key![1]!.span, { start: 9, end: 12 });
  });

  it('rejects v3 literals, non-literal keys and malformed keys', () => {
    rejects("Machines(guid'31a02fb0-b673-4520-b94d-017fa2acd3b8')", /not supported in OData v4/);
    rejects('Categories(ID=wrong)', /Key value expected/);
    rejects("OrderItems(OrderID=1;ItemID='a')", /'\)' or ',' expected/);
    rejects('Sets(1,2)', /must name each/);
    rejects('Sets(1)(2)', /Syntax error/);
    rejects('Sets(@p)', /Parameter aliases/);
  });

  it('rejects misplaced and unsupported $ segments and empty segments', () => {
    rejects('Machines/$metadata', /'\$metadata' must be the only path segment/);
    rejects('$count', /'\$count' must follow a resource/);
    rejects('Machines/$count/Name', /Nothing may follow '\$count'/);
    rejects('Machines(1)/Name/$value/x', /Nothing may follow '\$value'/);
    rejects('Machines/$ref', /'\$ref' is not supported/);
    rejects('Machines//Sessions', /Empty path segment/);
    rejects('Model.Rejection', /must start with an entity set/);
    rejects('Machines%ZZ', /Malformed percent-encoding/);
  });
});
