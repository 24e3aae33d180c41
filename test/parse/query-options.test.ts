// $orderby, $select, $expand, $compute, $top/$skip and $count values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ODataError } from '../../src/odata/errors.js';
import {
  parseCompute,
  parseCountOption,
  parseExpand,
  parseOrderBy,
  parseSelect,
  parseTopSkip,
} from '../../src/odata/parse/index.js';
import { expandItems, orderBy, sexpr } from './sexpr.js';

function rejects(parse: () => unknown, message: RegExp): ODataError {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof ODataError, String(error));
    assert.equal(error.kind, 'syntax');
    assert.match(error.message, message);
    return error;
  }
  assert.fail('expected a syntax error');
}

function select(text: string): string {
  return parseSelect(text)
    .map((item) => (item.kind === 'star' ? '*' : sexpr(item.path)))
    .join(',');
}

describe('$orderby', () => {
  it('reads items with case-insensitive directions, asc by default', () => {
    assert.equal(orderBy(parseOrderBy('Name desc, Machine/Name')), 'Name desc, Machine/Name asc');
    assert.equal(orderBy(parseOrderBy('StartDate Desc')), 'StartDate desc');
    assert.equal(orderBy(parseOrderBy('Name\tASC,Rating,ReleaseDate desc')), 'Name asc, Rating asc, ReleaseDate desc');
    assert.equal(orderBy(parseOrderBy('Cost ge Revenue asc')), '(ge Cost Revenue) asc');
    assert.equal(orderBy(parseOrderBy('Sessions/$count desc')), 'Sessions/$count desc');
  });

  it('spans each item including its direction', () => {
    const [first, second] = parseOrderBy('Name desc, Id');
    assert.deepEqual(first!.span, { start: 0, end: 9 });
    assert.deepEqual(second!.span, { start: 11, end: 13 });
  });

  it('rejects a trailing comma and junk after an item', () => {
    rejects(() => parseOrderBy('Name,'), /Expression expected at position 5/);
    rejects(() => parseOrderBy('Name descending'), /Syntax error at position 5/);
  });
});

describe('$select', () => {
  it('reads *, paths, qualified names; tolerates spaces and a trailing comma', () => {
    assert.equal(select('*,'), '*');
    assert.equal(select('Name, IPAddress'), 'Name,IPAddress');
    assert.equal(select(' Name , Machine/Name ,'), 'Name,Machine/Name');
    assert.equal(select('Address/*,Model.*'), 'Address/*,Model.*');
    assert.deepEqual(parseSelect(''), []);
  });

  it('reads property names the lexer would take for literals', () => {
    assert.equal(select('Null,INF'), 'Null,INF');
  });

  it('rejects options on select items, an empty item and $-segments', () => {
    rejects(() => parseSelect('Address($select=Street)'), /Options on \$select items are not supported/);
    rejects(() => parseSelect('Name,,Id'), /Property name expected at position 5/);
    rejects(() => parseSelect('Name/$value'), /'\$value' is not supported here/);
  });
});

describe('$expand', () => {
  it("reads Citrix's nested expand to any depth", () => {
    const text =
      'Session($select=*;$expand=User($select=UPN,UserName),Failure($select=ConnectionFailureEnumValue,Category),' +
      'Machine($select=DnsName,DesktopGroupId,IsInMaintenanceMode))';
    assert.equal(
      expandItems(parseExpand(text)),
      'Session($select=*;$expand=User($select=UPN,UserName),Failure($select=ConnectionFailureEnumValue,Category),' +
        'Machine($select=DnsName,DesktopGroupId,IsInMaintenanceMode))',
    );
  });

  it('matches nested option names case-insensitively with $ optional, and spaces around =', () => {
    assert.equal(
      expandItems(parseExpand('Sessions($OrderBy=StartDate Desc;top=5;$Skip=1;count=TRUE),Machine($select = DnsName)')),
      'Sessions($orderby=StartDate desc;$top=5;$skip=1;$count=true),Machine($select=DnsName)',
    );
  });

  it('reads $filter, $compute and $levels, star and $ref/$count suffixes', () => {
    const [item] = parseExpand("Sessions($filter=StartDate ge 2025-05-01;$compute=A add 1 as B)");
    assert.equal(sexpr(item!.options.filter!.value), '(ge StartDate date:2025-5-1)');
    assert.deepEqual(item!.options.filter!.span, { start: 17, end: 40 });
    assert.equal(item!.options.compute!.value[0]!.alias.name, 'B');
    assert.equal(expandItems(parseExpand('Category($levels=4),Category($levels=max)')), 'Category($levels=4),Category($levels=max)');
    assert.equal(expandItems(parseExpand('*,*/$ref,*($levels=2)')), '*,*/$ref,*($levels=2)');
    assert.equal(expandItems(parseExpand("Items/$count($filter=Name eq 'Hugo')")), "Items/$count($filter=(eq Name 'Hugo'))");
    assert.equal(expandItems(parseExpand('Items/$ref($top=2)')), 'Items/$ref($top=2)');
  });

  it('limits which options follow $ref, $count and *, and rejects bad $levels', () => {
    rejects(() => parseExpand('Customer/$ref($levels=4)'), /'\$levels' is not allowed after '\$ref'/);
    rejects(() => parseExpand('Items/$count($count=true)'), /'\$count' is not allowed after '\$count'/);
    rejects(() => parseExpand('*($select=Name)'), /not allowed after '\*'/);
    rejects(() => parseExpand('Category($levels=04)'), /\$levels/);
    rejects(() => parseExpand('Category($levels=0)'), /\$levels/);
  });

  it('rejects unknown, unsupported and repeated nested options', () => {
    rejects(() => parseExpand('Sessions($foo=1)'), /'\$foo' is not supported inside \$expand/);
    rejects(() => parseExpand('Sessions($search=x)'), /'\$search' is not supported inside \$expand/);
    rejects(() => parseExpand('Sessions($top=1;$top=2)'), /more than once/);
    rejects(() => parseExpand('Sessions($top=-1)'), /non-negative integer/);
    rejects(() => parseExpand('Sessions($select=Name'), /';' or '\)' expected/);
  });

  it('limits expand nesting depth', () => {
    const deep = 'A($expand='.repeat(5_000) + 'B' + ')'.repeat(5_000);
    rejects(() => parseExpand(deep), /limit of 100 levels/);
  });
});

describe('$compute', () => {
  it('reads expr as Alias items', () => {
    const items = parseCompute('100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, year(StartDate) as Y');
    assert.deepEqual(
      items.map((item) => `${sexpr(item.expr)} as ${item.alias.name}`),
      ['(div (mul 100 AvgUsedMemory) AvgTotalMemory) as AvgPercentMemory', '(year StartDate) as Y'],
    );
    assert.deepEqual(items[1]!.alias.span, { start: 81, end: 82 });
  });

  it('requires an alias', () => {
    rejects(() => parseCompute('A add 1'), /'as' expected at position 7/);
    rejects(() => parseCompute('A add 1 as Edm.X'), /Alias name expected/);
  });
});

describe('$top, $skip, $count', () => {
  it('reads non-negative Int32 values only', () => {
    assert.equal(parseTopSkip('10'), 10);
    assert.equal(parseTopSkip('0', '$skip'), 0);
    assert.equal(parseTopSkip('2147483647'), 2147483647);
    const error = rejects(() => parseTopSkip('-1'), /^Invalid value '-1' for \$top query option found\./);
    assert.deepEqual(error.span, { start: 0, end: 2 });
    rejects(() => parseTopSkip('2147483648', '$skip'), /\$skip query option requires a non-negative integer/);
    rejects(() => parseTopSkip(' 5'), /Invalid value/);
    rejects(() => parseTopSkip(''), /Invalid value/);
  });

  it('reads $count case-insensitively and words other values like ODL', () => {
    assert.equal(parseCountOption('true'), true);
    assert.equal(parseCountOption('False'), false);
    const error = rejects(() => parseCountOption('x'), /^'x' is not a valid count option\.$/);
    assert.deepEqual(error.span, { start: 0, end: 1 });
    rejects(() => parseCountOption('1'), /'1' is not a valid count option/);
  });
});
