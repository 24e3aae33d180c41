// Recursive-descent parser for OData expressions, one method per precedence level as in
// odata.net's UriQueryExpressionParser:
//   or -> and -> comparison (eq ne gt ge lt le has in) -> additive (add sub)
//      -> multiplicative (mul div divby mod) -> unary (not, -) -> primary
// It knows nothing about the model: names stay names, function names are not checked, and a
// qualified name given as a function argument (`cast(X, Edm.Int32)`) becomes a TypeNameToken for
// the binder to resolve. Operator keywords are matched case-insensitively, as ASP.NET does.
import type { Span } from '../errors.js';
import { assertNever } from './assert-never.js';
import { isKeyword, type ExpressionLexer, type Token } from './lexer.js';
import { syntaxErrorAt } from './parse-error.js';
import { pathOf } from './path-parser.js';
import type { RecursionGuard } from './recursion-guard.js';
import { spanOf } from './spans.js';
import type {
  BinaryOperator,
  CountToken,
  ExprToken,
  LambdaToken,
  PathSegmentToken,
  PathToken,
  TypeNameToken,
} from './syntax.js';

const COMPARISON_OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has'] as const satisfies readonly BinaryOperator[];
const ADDITIVE_OPERATORS = ['add', 'sub'] as const satisfies readonly BinaryOperator[];
const MULTIPLICATIVE_OPERATORS = ['mul', 'div', 'divby', 'mod'] as const satisfies readonly BinaryOperator[];

/** Segment names with a fixed meaning; `$count` ends a path, the others may only start one. */
const VARIABLE_SEGMENTS = new Set(['$it', '$this', '$root']);

export class ExpressionParser {
  constructor(
    private readonly lexer: ExpressionLexer,
    private readonly guard: RecursionGuard,
  ) {}

  private get text(): string {
    return this.lexer.text;
  }

  /** One full expression; stops at the first token that cannot continue it (`,` `)` `;` `asc` ...). */
  parseExpression(): ExprToken {
    return this.guard.nested(this.lexer.current.span, this.text, () => this.parseLogicalOr());
  }

  private parseLogicalOr(): ExprToken {
    let left = this.parseLogicalAnd();
    while (isKeyword(this.lexer.current, 'or')) {
      const operatorSpan = this.lexer.current.span;
      this.lexer.advance();
      left = this.binary('or', left, this.parseLogicalAnd(), operatorSpan);
    }
    return left;
  }

  private parseLogicalAnd(): ExprToken {
    let left = this.parseComparison();
    while (isKeyword(this.lexer.current, 'and')) {
      const operatorSpan = this.lexer.current.span;
      this.lexer.advance();
      left = this.binary('and', left, this.parseComparison(), operatorSpan);
    }
    return left;
  }

  private parseComparison(): ExprToken {
    let left = this.parseAdditive();
    for (;;) {
      const token = this.lexer.current;
      if (isKeyword(token, 'in')) {
        left = this.parseInList(left);
        continue;
      }
      const operator = this.operatorAt(COMPARISON_OPERATORS);
      if (operator === undefined) return left;
      this.lexer.advance();
      left = this.binary(operator, left, this.parseAdditive(), token.span);
    }
  }

  /** `X in (1, 2, 3)`: a parenthesised list of literals, or one parenthesised expression. */
  private parseInList(left: ExprToken): ExprToken {
    this.lexer.advance();
    const open = this.lexer.current;
    if (open.kind !== 'openParen') {
      throw syntaxErrorAt("'(' expected after 'in'", open.span, this.text);
    }
    this.lexer.advance();
    const list: ExprToken[] = [];
    if (!this.lexer.is('closeParen')) {
      for (;;) {
        list.push(this.parseExpression());
        if (!this.lexer.is('comma')) break;
        this.lexer.advance();
      }
    }
    const close = this.expect('closeParen', "')' or ',' expected");
    // ABNF listExpr: with more than one item, every item is a primitive literal; a single item may
    // be any expression (a parenthesised collection-valued operand).
    if (list.length > 1) {
      const notLiteral = list.find((item) => item.kind !== 'literal');
      if (notLiteral) throw syntaxErrorAt("Only literals are allowed in an 'in' list", notLiteral.span, this.text);
    }
    return { kind: 'in', left, list, span: spanOf(left.span, close.span) };
  }

  private parseAdditive(): ExprToken {
    let left = this.parseMultiplicative();
    for (;;) {
      const token = this.lexer.current;
      const operator = this.operatorAt(ADDITIVE_OPERATORS);
      if (operator === undefined) return left;
      this.lexer.advance();
      left = this.binary(operator, left, this.parseMultiplicative(), token.span);
    }
  }

  private parseMultiplicative(): ExprToken {
    let left = this.parseUnary();
    for (;;) {
      const token = this.lexer.current;
      const operator = this.operatorAt(MULTIPLICATIVE_OPERATORS);
      if (operator === undefined) return left;
      this.lexer.advance();
      left = this.binary(operator, left, this.parseUnary(), token.span);
    }
  }

  private parseUnary(): ExprToken {
    const token = this.lexer.current;
    const operator = token.kind === 'minus' ? 'negate' : isKeyword(token, 'not') ? 'not' : undefined;
    if (operator === undefined) return this.parsePrimary();
    this.lexer.advance();
    const operand = this.guard.nested(token.span, this.text, () => this.parseUnary());
    return { kind: 'unary', operator, operand, span: spanOf(token.span, operand.span) };
  }

  private parsePrimary(): ExprToken {
    const token = this.lexer.current;
    switch (token.kind) {
      case 'literal':
        this.lexer.advance();
        return token.literal;
      case 'openParen': {
        this.lexer.advance();
        const inner = this.parseExpression();
        this.expect('closeParen', "')' or operator expected");
        return inner;
      }
      case 'identifier':
        return this.lexer.peek().kind === 'openParen' && !token.text.startsWith('$')
          ? this.parseCall(token)
          : this.parseMemberPath();
      case 'closeParen':
      case 'comma':
      case 'slash':
      case 'colon':
      case 'semicolon':
      case 'equals':
      case 'star':
      case 'minus':
      case 'plus':
      case 'end':
        throw syntaxErrorAt('Expression expected', token.span, this.text);
      default:
        return assertNever(token);
    }
  }

  /** `name(args)`: any name; the binder decides whether it is a function it knows. */
  private parseCall(name: Token): ExprToken {
    const lower = name.text.toLowerCase();
    if (lower === 'any' || lower === 'all') {
      throw syntaxErrorAt(`'${name.text}' must follow a collection-valued path, as in Sessions/${lower}(...)`, name.span, this.text);
    }
    this.lexer.advance(); // name
    this.lexer.advance(); // (
    const args: ExprToken[] = [];
    if (!this.lexer.is('closeParen')) {
      for (;;) {
        args.push(this.parseArgument());
        if (!this.lexer.is('comma')) break;
        this.lexer.advance();
      }
    }
    const close = this.expect('closeParen', "')' or ',' expected");
    if (this.lexer.is('slash')) {
      throw syntaxErrorAt('Paths after a function call are not supported', this.lexer.current.span, this.text);
    }
    return { kind: 'call', name: name.text, nameSpan: name.span, args, span: spanOf(name.span, close.span) };
  }

  /** A function argument: an expression, or a lone qualified type name (`Edm.Int32`). */
  private parseArgument(): ExprToken {
    // `cast(X,+Edm.DateTimeOffset)`: a client wrote a space as an encoded '+'; read it as one.
    if (this.lexer.is('plus') && this.lexer.peek().kind === 'identifier') this.lexer.advance();
    const token = this.lexer.current;
    if (token.kind === 'identifier' && token.text.includes('.')) {
      const next = this.lexer.peek().kind;
      if (next === 'comma' || next === 'closeParen') {
        this.lexer.advance();
        const typeName: TypeNameToken = { kind: 'typeName', name: token.text, span: token.span };
        return typeName;
      }
    }
    return this.parseExpression();
  }

  /**
   * `A/B/C`, `$it/Name`, `s/LogOnDuration`, `NS.Type/Prop`, ending optionally in `$count` (a
   * CountToken) or in `any(...)` / `all(...)` (a LambdaToken).
   */
  private parseMemberPath(): ExprToken {
    const segments: PathSegmentToken[] = [];
    for (;;) {
      const token = this.lexer.current;
      if (token.kind !== 'identifier') throw syntaxErrorAt('Identifier expected', token.span, this.text);
      const lower = token.text.toLowerCase();
      if (segments.length > 0 && (lower === 'any' || lower === 'all') && this.lexer.peek().kind === 'openParen') {
        return this.parseLambda(lower, pathOf(segments));
      }
      if (lower === '$count') {
        if (segments.length === 0) throw syntaxErrorAt("'$count' must follow a collection-valued path", token.span, this.text);
        this.lexer.advance();
        if (this.lexer.is('openParen') || this.lexer.is('slash')) {
          throw syntaxErrorAt("Nothing may follow '$count' in an expression", this.lexer.current.span, this.text);
        }
        const source = pathOf(segments);
        const count: CountToken = { kind: 'count', source, span: spanOf(source.span, token.span) };
        return count;
      }
      if (token.text.startsWith('$') && !(VARIABLE_SEGMENTS.has(lower) && segments.length === 0)) {
        throw syntaxErrorAt(`'${token.text}' is not supported here`, token.span, this.text);
      }
      if (token.text.includes('*')) throw syntaxErrorAt(`'${token.text}' is not valid in an expression`, token.span, this.text);
      this.lexer.advance();
      if (this.lexer.is('openParen')) {
        throw syntaxErrorAt(
          'Key predicates and function calls inside a path are not supported',
          this.lexer.current.span,
          this.text,
        );
      }
      segments.push({ name: token.text, span: token.span });
      if (!this.lexer.is('slash')) break;
      this.lexer.advance();
    }
    const first = segments[0]!;
    if (segments.length === 1 && first.name.includes('.')) {
      // ABNF memberExpr: a leading type cast is always followed by "/" and a member.
      throw syntaxErrorAt(`The type name '${first.name}' must be followed by '/' and a property`, first.span, this.text);
    }
    return pathOf(segments);
  }

  /** `source/any(v: predicate)`, `source/any()`, `source/all(v: predicate)`. */
  private parseLambda(operator: 'any' | 'all', source: PathToken): LambdaToken {
    const operatorToken = this.lexer.current;
    this.lexer.advance(); // any / all
    this.lexer.advance(); // (
    let variable: PathSegmentToken | undefined;
    let predicate: ExprToken | undefined;
    if (this.lexer.is('closeParen')) {
      if (operator === 'all') {
        throw syntaxErrorAt("'all' requires a lambda variable and a predicate", this.lexer.current.span, this.text);
      }
    } else {
      const name = this.lexer.current;
      if (name.kind !== 'identifier' || name.text.startsWith('$') || name.text.includes('.')) {
        throw syntaxErrorAt('Lambda variable name expected', name.span, this.text);
      }
      variable = { name: name.text, span: name.span };
      this.lexer.advance();
      this.expect('colon', "':' expected");
      predicate = this.parseExpression();
    }
    const close = this.expect('closeParen', "')' or operator expected");
    if (this.lexer.is('slash')) {
      throw syntaxErrorAt(`Nothing may follow '${operatorToken.text}(...)' in a path`, this.lexer.current.span, this.text);
    }
    return { kind: 'lambda', operator, source, variable, predicate, span: spanOf(source.span, close.span) };
  }

  private binary(operator: BinaryOperator, left: ExprToken, right: ExprToken, operatorSpan: Span): ExprToken {
    return { kind: 'binary', operator, left, right, operatorSpan, span: spanOf(left.span, right.span) };
  }

  private operatorAt<T extends BinaryOperator>(operators: readonly T[]): T | undefined {
    const token = this.lexer.current;
    if (token.kind !== 'identifier') return undefined;
    const lower = token.text.toLowerCase();
    return operators.find((operator) => operator === lower);
  }

  /** Consumes a token of `kind` or throws `message` at the current token. */
  private expect(kind: Token['kind'], message: string): Token {
    const token = this.lexer.current;
    if (token.kind !== kind) throw syntaxErrorAt(message, token.span, this.text);
    this.lexer.advance();
    return token;
  }
}
