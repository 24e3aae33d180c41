// `$apply` (OData Data Aggregation 4.0): transformations separated by `/`, returned as a flat
// list as odata.net's ParseApply does. Besides the standard transformations this reads
// `expand(Nav, filter(...), expand(...))`, which ASP.NET OData accepts and Citrix's examples use.
// Transformations of later drafts that syntax.ts has no token for (join, nest, rollup, hierarchy
// functions, `from`, custom set functions) are rejected by name so the client learns why.
import type { ODataError, Span } from '../errors.js';
import { assertNever } from './assert-never.js';
import { parseAlias, parseComputeItems } from './compute-parser.js';
import type { ExpressionParser } from './expression-parser.js';
import { isKeyword, type ExpressionLexer, type Token } from './lexer.js';
import { nonNegativeInt32 } from './option-values.js';
import { parseOrderByItems } from './orderby-parser.js';
import { syntaxErrorAt } from './parse-error.js';
import { parsePropertyPath, pathOf } from './path-parser.js';
import type { RecursionGuard } from './recursion-guard.js';
import { spanOf } from './spans.js';
import type {
  AggregateItemToken,
  AggregateMethod,
  ApplyExpandToken,
  ApplyStepToken,
  ExprToken,
  PathToken,
} from './syntax.js';

type StepKind = ApplyStepToken['kind'];

const STEP_KINDS: ReadonlyMap<string, StepKind> = new Map(
  (
    [
      'aggregate',
      'groupby',
      'filter',
      'compute',
      'expand',
      'orderby',
      'top',
      'skip',
      'topcount',
      'bottomcount',
      'topsum',
      'bottomsum',
      'toppercent',
      'bottompercent',
      'concat',
      'identity',
      'search',
    ] as const satisfies readonly StepKind[]
  ).map((kind) => [kind, kind]),
);

/** Valid in the Data Aggregation drafts, but without a token in syntax.ts. */
const UNSUPPORTED_STEPS = new Set([
  'join',
  'outerjoin',
  'nest',
  'addnested',
  'ancestors',
  'descendants',
  'traverse',
  'rollup',
  'rolluprecursive',
]);

const AGGREGATE_METHODS: ReadonlyMap<string, AggregateMethod> = new Map(
  (['sum', 'min', 'max', 'average', 'countdistinct'] as const).map((method) => [method, method]),
);

export class ApplyParser {
  constructor(
    private readonly lexer: ExpressionLexer,
    private readonly expressions: ExpressionParser,
    private readonly guard: RecursionGuard,
  ) {}

  private get text(): string {
    return this.lexer.text;
  }

  /** `step/step/...` at the lexer's current token; stops at the first token that is not `/`. */
  parseSequence(): ApplyStepToken[] {
    const steps = [this.parseStep()];
    while (this.lexer.is('slash')) {
      this.lexer.advance();
      steps.push(this.parseStep());
    }
    return steps;
  }

  private parseStep(): ApplyStepToken {
    const name = this.lexer.current;
    if (name.kind !== 'identifier') throw syntaxErrorAt('Transformation expected', name.span, this.text);
    const lower = name.text.toLowerCase();
    const kind = STEP_KINDS.get(lower);
    if (kind === undefined) throw this.unknownStep(name, lower);
    this.lexer.advance();
    if (kind === 'identity') {
      if (this.lexer.is('openParen')) {
        throw syntaxErrorAt("'identity' takes no parentheses", this.lexer.current.span, this.text);
      }
      return { kind, span: name.span };
    }
    if (kind === 'search') return this.parseSearch(name);
    this.expect('openParen', `'(' expected after '${name.text}'`);
    return this.parseStepBody(kind, name.span);
  }

  private unknownStep(name: Token, lower: string): ODataError {
    if (UNSUPPORTED_STEPS.has(lower)) {
      return syntaxErrorAt(`The transformation '${name.text}' is not supported`, name.span, this.text);
    }
    if (name.text.includes('.')) {
      return syntaxErrorAt(`Custom transformations such as '${name.text}' are not supported`, name.span, this.text);
    }
    return syntaxErrorAt(
      `'${name.text}' is not a transformation; expected aggregate, groupby, filter, compute, expand, orderby, ` +
        `top, skip, topcount, topsum, toppercent, bottomcount, bottomsum, bottompercent, concat, identity or search`,
      name.span,
      this.text,
    );
  }

  /** The part after `name(`, up to and including the closing `)`. */
  private parseStepBody(kind: Exclude<StepKind, 'identity' | 'search'>, nameSpan: Span): ApplyStepToken {
    switch (kind) {
      case 'aggregate': {
        const items: AggregateItemToken[] = [this.parseAggregateItem()];
        while (this.lexer.is('comma')) {
          this.lexer.advance();
          items.push(this.parseAggregateItem());
        }
        return { kind, items, span: this.close(nameSpan, "')' or ',' expected") };
      }
      case 'groupby':
        return this.parseGroupBy(nameSpan);
      case 'filter': {
        const expr = this.expressions.parseExpression();
        return { kind, expr, span: this.close(nameSpan, "')' or operator expected") };
      }
      case 'compute': {
        const items = parseComputeItems(this.lexer, this.expressions);
        return { kind, items, span: this.close(nameSpan, "')' or ',' expected") };
      }
      case 'expand': {
        const expand = this.parseExpandBody(nameSpan);
        return { kind, expand, span: expand.span };
      }
      case 'orderby': {
        const items = parseOrderByItems(this.lexer, this.expressions);
        return { kind, items, span: this.close(nameSpan, "')' or ',' expected") };
      }
      case 'top':
      case 'skip': {
        const count = nonNegativeInt32(this.lexer, `${kind}()`);
        return { kind, count, span: this.close(nameSpan, "')' expected") };
      }
      case 'topcount':
      case 'bottomcount':
      case 'topsum':
      case 'bottomsum':
      case 'toppercent':
      case 'bottompercent': {
        const n = this.expressions.parseExpression();
        this.expect('comma', "',' expected");
        const value = this.expressions.parseExpression();
        return { kind, n, value, span: this.close(nameSpan, "')' or operator expected") };
      }
      case 'concat': {
        const branches: ApplyStepToken[][] = [];
        for (;;) {
          branches.push(this.guard.nested(this.lexer.current.span, this.text, () => this.parseSequence()));
          if (!this.lexer.is('comma')) break;
          this.lexer.advance();
        }
        if (branches.length < 2) {
          throw syntaxErrorAt("'concat' needs at least two transformation sequences", this.lexer.current.span, this.text);
        }
        return { kind, branches, span: this.close(nameSpan, "')' or ',' expected") };
      }
      default:
        return assertNever(kind);
    }
  }

  /** `search(...)`: the content is $search syntax, kept as text for whoever implements search. */
  private parseSearch(name: Token): ApplyStepToken {
    if (!this.lexer.is('openParen')) throw syntaxErrorAt(`'(' expected after '${name.text}'`, this.lexer.current.span, this.text);
    const search = this.lexer.readParenthesizedRaw();
    if (search.text === '') throw syntaxErrorAt('Search text expected', search.span, this.text);
    return { kind: 'search', text: search.text, span: this.close(name.span, "')' expected") };
  }

  /** `expr with method as Alias` or `$count as Alias`. */
  private parseAggregateItem(): AggregateItemToken {
    const first = this.lexer.current;
    if (first.kind === 'identifier' && first.text.toLowerCase() === '$count' && isKeyword(this.lexer.peek(), 'as')) {
      this.lexer.advance();
      const alias = parseAlias(this.lexer);
      return { kind: 'count', alias, span: spanOf(first.span, alias.span) };
    }
    const expr = this.parseAggregatable();
    this.rejectFrom();
    if (!isKeyword(this.lexer.current, 'with')) {
      throw syntaxErrorAt("'with' and an aggregation method expected", this.lexer.current.span, this.text);
    }
    this.lexer.advance();
    const methodToken = this.lexer.current;
    if (methodToken.kind !== 'identifier') throw syntaxErrorAt('Aggregation method expected', methodToken.span, this.text);
    const builtIn = AGGREGATE_METHODS.get(methodToken.text.toLowerCase());
    if (builtIn === undefined && !methodToken.text.includes('.')) {
      throw syntaxErrorAt(
        `'${methodToken.text}' is not an aggregation method; expected sum, min, max, average, countdistinct ` +
          `or a qualified custom method`,
        methodToken.span,
        this.text,
      );
    }
    this.lexer.advance();
    this.rejectFrom();
    const alias = parseAlias(this.lexer);
    return { kind: 'aggregate', expr, method: builtIn ?? methodToken.text, alias, span: spanOf(expr.span, alias.span) };
  }

  /**
   * The aggregated expression. Besides any expression, ABNF `aggrCastPath nonprimAggWith` allows
   * a lone type cast (`Self.DigitalProduct with Custom.discount as X`), which is no valid
   * expression on its own, so it is read here as a one-segment path.
   */
  private parseAggregatable(): ExprToken {
    const token = this.lexer.current;
    if (token.kind === 'identifier' && token.text.includes('.') && isKeyword(this.lexer.peek(), 'with')) {
      this.lexer.advance();
      return pathOf([{ name: token.text, span: token.span }]);
    }
    return this.expressions.parseExpression();
  }

  private rejectFrom(): void {
    if (isKeyword(this.lexer.current, 'from')) {
      throw syntaxErrorAt("Aggregation 'from' is not supported", this.lexer.current.span, this.text);
    }
  }

  /** `groupby((a, b/c)[, transformations])`. */
  private parseGroupBy(nameSpan: Span): ApplyStepToken {
    this.expect('openParen', "'(' expected: groupby takes a parenthesised list of properties first");
    const properties: PathToken[] = [];
    for (;;) {
      const token = this.lexer.current;
      if (token.kind === 'identifier' && this.lexer.peek().kind === 'openParen') {
        throw syntaxErrorAt(`'${token.text}(...)' is not supported in a groupby list`, token.span, this.text);
      }
      properties.push(parsePropertyPath(this.lexer, {}));
      if (!this.lexer.is('comma')) break;
      this.lexer.advance();
    }
    this.expect('closeParen', "')' or ',' expected");
    let then: ApplyStepToken[] = [];
    if (this.lexer.is('comma')) {
      this.lexer.advance();
      then = this.guard.nested(this.lexer.current.span, this.text, () => this.parseSequence());
    }
    return { kind: 'groupby', properties, then, span: this.close(nameSpan, "')' expected") };
  }

  /** `Nav[, filter(expr)][, expand(...)]...)` after `expand(`, including the closing `)`. */
  private parseExpandBody(nameSpan: Span): ApplyExpandToken {
    const path = parsePropertyPath(this.lexer, {});
    let filter: ApplyExpandToken['filter'];
    const nested: ApplyExpandToken[] = [];
    while (this.lexer.is('comma')) {
      const option = this.lexer.advance();
      const isCall = option.kind === 'identifier' && this.lexer.peek().kind === 'openParen';
      if (isCall && isKeyword(option, 'filter') && filter === undefined) {
        this.lexer.advance();
        this.lexer.advance();
        filter = this.expressions.parseExpression();
        this.expect('closeParen', "')' or operator expected");
      } else if (isCall && isKeyword(option, 'expand')) {
        this.lexer.advance();
        this.lexer.advance();
        nested.push(this.guard.nested(option.span, this.text, () => this.parseExpandBody(option.span)));
      } else {
        throw syntaxErrorAt("'filter(...)' or 'expand(...)' expected", option.span, this.text);
      }
    }
    return { path, filter, nested, span: this.close(nameSpan, "')' or ',' expected") };
  }

  private expect(kind: Token['kind'], message: string): Token {
    const token = this.lexer.current;
    if (token.kind !== kind) throw syntaxErrorAt(message, token.span, this.text);
    this.lexer.advance();
    return token;
  }

  /** Consumes the `)` that ends a transformation and returns the transformation's span. */
  private close(nameSpan: Span, message: string): Span {
    return spanOf(nameSpan, this.expect('closeParen', message).span);
  }
}
