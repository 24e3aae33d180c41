// Expression grammar: precedence, paths, lambdas, calls, `in`, error wording and spans, depth limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ODataError } from '../../src/odata/errors.js';
import { parseFilter } from '../../src/odata/parse/index.js';
import { sexpr } from './sexpr.js';

function tree(text: string): string {
  return sexpr(parseFilter(text));
}

function syntaxError(text: string): ODataError {
  try {
    parseFilter(text);
  } catch (error) {
    assert.ok(error instanceof ODataError, `expected an ODataError for ${text}, got ${String(error)}`);
    assert.equal(error.kind, 'syntax');
    return error;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('precedence: or < and < comparison < additive < multiplicative < unary', () => {
  it('binds and tighter than or', () => {
    assert.equal(tree('A eq 1 or B eq 2 and C eq 3'), '(or (eq A 1) (and (eq B 2) (eq C 3)))');
  });

  it('binds arithmetic tighter than comparison, mul tighter than add', () => {
    assert.equal(tree('A add 2 mul 3 eq 7'), '(eq (add A (mul 2 3)) 7)');
    assert.equal(tree('100 mul AvgUsedMemory div AvgTotalMemory'), '(div (mul 100 AvgUsedMemory) AvgTotalMemory)');
    assert.equal(tree('A sub B sub C'), '(sub (sub A B) C)');
    assert.equal(tree('Rating divby 2 eq 2.5'), '(eq (divby Rating 2) 2.5m)');
  });

  it('binds unary operators tightest, and parentheses override', () => {
    assert.equal(tree('not A eq B'), '(eq (not A) B)');
    assert.equal(tree('not (A eq B)'), '(not (eq A B))');
    assert.equal(tree('-Price add 1'), '(add (- Price) 1)');
    assert.equal(tree('(4 add 5) mod (4 sub 1) eq 0'), '(eq (mod (add 4 5) (sub 4 1)) 0)');
  });

  it('reads a minus directly before a digit as a negative literal', () => {
    assert.equal(tree('A eq -5'), '(eq A -5)');
    assert.equal(tree('A sub -5'), '(sub A -5)');
  });

  it('puts has and in at the comparison level', () => {
    assert.equal(tree('A has 1 and B in (1, 2)'), '(and (has A 1) (in B [1 2]))');
    assert.equal(tree('A add 1 in (2, 3)'), '(in (add A 1) [2 3])');
  });

  it('accepts operator keywords in any case, as ASP.NET does', () => {
    assert.equal(tree("Name EQ 'Milk' AND Price LT 2.55"), "(and (eq Name 'Milk') (lt Price 2.55m))");
    assert.equal(tree("Name Eq 'Milk' Or NOT Price Lt 2.55"), "(or (eq Name 'Milk') (lt (not Price) 2.55m))");
  });

  it('records the operator span', () => {
    const expr = parseFilter('Name  eq 1');
    assert.equal(expr.kind, 'binary');
    assert.deepEqual(expr.kind === 'binary' && expr.operatorSpan, { start: 6, end: 8 });
    assert.deepEqual(expr.span, { start: 0, end: 10 });
  });
});

describe('member paths, $count and lambdas', () => {
  it('reads navigation paths, $it/$this/$root and type-cast segments', () => {
    assert.equal(tree('Machine/DesktopGroup/Name ne null'), '(ne Machine/DesktopGroup/Name null)');
    assert.equal(tree('$it/Name eq $this'), '(eq $it/Name $this)');
    assert.equal(tree('$root/SalesOrganizations'), '$root/SalesOrganizations');
    assert.equal(tree('Address/Model.AddressWithLocation/Location'), 'Address/Model.AddressWithLocation/Location');
  });

  it('turns path/$count into a CountToken', () => {
    const expr = parseFilter('Sessions/$count gt 0');
    assert.equal(sexpr(expr), '(gt Sessions/$count 0)');
    assert.equal(expr.kind === 'binary' && expr.left.kind, 'count');
  });

  it('reads any/all lambdas with any variable name, and any()', () => {
    assert.equal(
      tree('Sessions/any(session: session/LogOnDuration gt 600000)'),
      '(any Sessions session (gt session/LogOnDuration 600000))',
    );
    assert.equal(tree('Sessions/any()'), '(any Sessions)');
    assert.equal(tree('Sessions/all(x:x/ConnectionState eq 3)'), '(all Sessions x (eq x/ConnectionState 3))');
    assert.equal(tree('A/any(x: x/B/any(y: y/C eq x/D))'), '(any A x (any x/B y (eq y/C x/D)))');
    const lambda = parseFilter('Sessions/any(s: true)');
    assert.equal(lambda.kind, 'lambda');
    assert.deepEqual(lambda.kind === 'lambda' && lambda.variable, { name: 's', span: { start: 13, end: 14 } });
    assert.deepEqual(lambda.span, { start: 0, end: 21 });
  });

  it('rejects any/all without a source path, and all() without a predicate', () => {
    assert.match(syntaxError('any()').message, /'any' must follow a collection-valued path/);
    assert.match(syntaxError('Products/all()').message, /'all' requires a lambda variable/);
  });

  it('rejects a lone type name, key predicates and segments after $count', () => {
    assert.match(syntaxError('Model.Available').message, /must be followed by '\/'/);
    assert.match(syntaxError("$root/Employees('A1245')/LastName").message, /Key predicates and function calls inside a path/);
    assert.match(syntaxError('Items/$count/Name').message, /Nothing may follow '\$count'/);
  });
});

describe('function calls', () => {
  it('reads any name followed by ( as a call; the binder checks the name', () => {
    assert.equal(tree("contains(Name,'x')"), "(contains Name 'x')");
    assert.equal(tree("endswith(tolower(DNSName),'.corp')"), "(endswith (tolower DNSName) '.corp')");
    assert.equal(tree('now()'), '(now)');
    assert.equal(tree('substring(CompanyName, 5, 2)'), '(substring CompanyName 5 2)');
    assert.equal(tree('Model.Available()'), '(Model.Available)');
    const call = parseFilter('year(StartDate)');
    assert.deepEqual(call.kind === 'call' && call.nameSpan, { start: 0, end: 4 });
  });

  it('turns a lone qualified-name argument into a TypeNameToken', () => {
    assert.equal(tree('cast(UptimeInMinutes, Edm.Int32)'), '(cast UptimeInMinutes type:Edm.Int32)');
    assert.equal(tree('isof(Edm.String)'), '(isof type:Edm.String)');
    assert.equal(tree('cast(2024-07-31T02:56:57.996Z, Edm.DateTimeOffset)'), '(cast dto:2024-07-31T02:56:57.996Z type:Edm.DateTimeOffset)');
    assert.equal(tree('cast(Category,Customer)'), '(cast Category Customer)');
  });

  it("tolerates a '+' before the type name, a decoded space some clients send", () => {
    assert.equal(tree('cast(2024-07-31T02:56:57.996Z,+Edm.DateTimeOffset)'), '(cast dto:2024-07-31T02:56:57.996Z type:Edm.DateTimeOffset)');
  });
});

describe('in lists', () => {
  it('reads literal lists, a single parenthesised expression and the empty list', () => {
    assert.equal(tree("Name in ('Milk', 'Cheese')"), "(in Name ['Milk' 'Cheese'])");
    assert.equal(tree('FirstName in (FirstName)'), '(in FirstName [FirstName])');
    assert.equal(tree('FirstName in ()'), '(in FirstName [])');
  });

  it('rejects a list of several non-literals, and a list where no in stands', () => {
    assert.match(syntaxError('FirstName in (FirstName,LastName)').message, /Only literals are allowed in an 'in' list/);
    assert.equal(syntaxError("EmailAddresses eq ('Miller','Smith')").message, "')' or operator expected at position 27 in 'EmailAddresses eq ('Miller','Smith')'.");
  });
});

describe('whitespace', () => {
  it('accepts spaces and tabs anywhere between tokens', () => {
    assert.equal(tree(" ( Name\teq 'x' )  and\tA  le  2 "), "(and (eq Name 'x') (le A 2))");
  });
});

describe('syntax errors: ODL wording, position and span', () => {
  it('reports a missing operand', () => {
    const error = syntaxError('Name eq ');
    assert.equal(error.message, "Expression expected at position 8 in 'Name eq '.");
    assert.deepEqual(error.span, { start: 8, end: 8 });
  });

  it('reports trailing text', () => {
    const error = syntaxError("Name eq 'x' foo");
    assert.equal(error.message, "Syntax error at position 12 in 'Name eq 'x' foo'.");
    assert.deepEqual(error.span, { start: 12, end: 15 });
  });

  it('reports a missing ) or , in a call', () => {
    const error = syntaxError("contains(Name 'x')");
    assert.equal(error.message, "')' or ',' expected at position 14 in 'contains(Name 'x')'.");
    assert.deepEqual(error.span, { start: 14, end: 17 });
  });

  it('reports an unterminated string', () => {
    const error = syntaxError("Name eq 'x");
    assert.equal(error.message, "Unterminated string literal at position 8 in 'Name eq 'x'.");
  });

  it('reports an empty expression and invalid characters', () => {
    assert.equal(syntaxError('').message, "Expression expected at position 0 in ''.");
    assert.equal(syntaxError('Name eq #').message, "Syntax error: character '#' is not valid at position 8 in 'Name eq #'.");
    assert.match(syntaxError('Name eq @p').message, /Parameter aliases .* not supported/);
  });
});

describe('depth limit', () => {
  it('fails a 10,000-deep parenthesised expression with a syntax error, not a RangeError', () => {
    const deep = '('.repeat(10_000) + 'true' + ')'.repeat(10_000);
    const error = syntaxError(deep);
    assert.match(error.message, /nests deeper than the limit of 100 levels/);
    assert.equal(error.span?.start, 100);
  });

  it('limits chains of unary operators and nested calls too', () => {
    assert.match(syntaxError('not '.repeat(10_000) + 'true').message, /limit of 100/);
    assert.match(syntaxError('-'.repeat(10_000) + 'A').message, /limit of 100/);
    assert.match(syntaxError('tolower('.repeat(10_000) + 'A' + ')'.repeat(10_000)).message, /limit of 100/);
    assert.match(syntaxError('A/any(x:'.repeat(5_000) + 'true' + ')'.repeat(5_000)).message, /limit of 100/);
  });

  it('accepts nesting within the limit and honours a configured limit', () => {
    assert.equal(tree('('.repeat(90) + 'A' + ')'.repeat(90)), 'A');
    assert.throws(() => parseFilter('((A))', { maxDepth: 2 }), ODataError);
    assert.equal(sexpr(parseFilter('((A))', { maxDepth: 3 })), 'A');
  });
});
