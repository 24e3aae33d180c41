// `$select` and `$expand`, after odata.net's SelectExpandSyntacticParser. `$expand` nests to any
// depth (`Session($select=*;$expand=User($select=UPN))`); nested option names are matched
// case-insensitively with the `$` optional (OData 4.01, and Citrix's PowerShell writes
// `$OrderBy=` inside `$expand`), separated by `;`. One lexer runs over the whole option text,
// so every span points into it.
import type { Span } from '../errors.js';
import { assertNever } from './assert-never.js';
import { parseComputeItems } from './compute-parser.js';
import type { ExpressionParser } from './expression-parser.js';
import type { ExpressionLexer, Token } from './lexer.js';
import { parseOrderByItems } from './orderby-parser.js';
import { syntaxErrorAt } from './parse-error.js';
import { parsePropertyPath } from './path-parser.js';
import { countValue, levelsValue, nonNegativeInt32 } from './option-values.js';
import type { RecursionGuard } from './recursion-guard.js';
import { spanOf } from './spans.js';
import type { ExpandItemToken, Located, NestedOptionsToken, SelectItemToken } from './syntax.js';

/** `*, Name, Machine/Name` at the lexer's current token; a trailing comma is tolerated (`$select=*,`). */
export function parseSelectItems(lexer: ExpressionLexer): SelectItemToken[] {
  const items: SelectItemToken[] = [];
  if (endsList(lexer.current)) return items;
  for (;;) {
    const token = lexer.current;
    if (token.kind === 'star') {
      lexer.advance();
      items.push({ kind: 'star', span: token.span });
    } else {
      const path = parsePropertyPath(lexer, { star: true });
      items.push({ kind: 'path', path, span: path.span });
    }
    if (lexer.is('openParen')) {
      throw syntaxErrorAt('Options on $select items are not supported', lexer.current.span, lexer.text);
    }
    if (!lexer.is('comma')) return items;
    lexer.advance();
    // Citrix's documented `$select=*,` ends in a comma; ASP.NET accepts it, so do we.
    if (endsList(lexer.current)) return items;
  }
}

function endsList(token: Token): boolean {
  return token.kind === 'end' || token.kind === 'closeParen' || token.kind === 'semicolon';
}

type NestedOptionName = keyof NestedOptionsToken;
type MutableNestedOptions = { -readonly [K in NestedOptionName]?: NestedOptionsToken[K] };

const NESTED_OPTIONS: ReadonlyMap<string, NestedOptionName> = new Map(
  (['filter', 'select', 'expand', 'orderby', 'top', 'skip', 'count', 'compute', 'levels'] as const).map((name) => [
    name,
    name,
  ]),
);

/** Which nested options a path may carry, by its last segment (ABNF expandRefOption / expandCountOption). */
function allowedOptions(lastSegment: string): ReadonlySet<NestedOptionName> | undefined {
  switch (lastSegment.toLowerCase()) {
    case '$ref':
      return new Set(['filter', 'orderby', 'skip', 'top', 'count']);
    case '$count':
      return new Set(['filter']);
    case '*':
      return new Set(['levels']);
    case '$value':
      return new Set();
    default:
      return lastSegment.endsWith('.*') ? new Set(['levels']) : undefined;
  }
}

export class ExpandParser {
  constructor(
    private readonly lexer: ExpressionLexer,
    private readonly expressions: ExpressionParser,
    private readonly guard: RecursionGuard,
  ) {}

  private get text(): string {
    return this.lexer.text;
  }

  /** Comma-separated expand items at the lexer's current token. */
  parseItems(): ExpandItemToken[] {
    const items: ExpandItemToken[] = [];
    for (;;) {
      items.push(this.parseItem());
      if (!this.lexer.is('comma')) return items;
      this.lexer.advance();
    }
  }

  private parseItem(): ExpandItemToken {
    const path = parsePropertyPath(this.lexer, { star: true, suffixes: ['$ref', '$count', '$value'] });
    if (!this.lexer.is('openParen')) return { path, options: {}, span: path.span };
    const last = path.segments[path.segments.length - 1]!.name;
    const open = this.lexer.current;
    const options = this.guard.nested(open.span, this.text, () => this.parseNestedOptions(last));
    const close = this.lexer.current;
    this.lexer.advance();
    return { path, options, span: spanOf(path.span, close.span) };
  }

  /** `(name=value;name=value)`; returns with the lexer on the closing `)`. */
  private parseNestedOptions(lastSegment: string): NestedOptionsToken {
    const allowed = allowedOptions(lastSegment);
    const options: MutableNestedOptions = {};
    this.lexer.advance(); // (
    for (;;) {
      const nameToken = this.lexer.current;
      if (nameToken.kind !== 'identifier') throw syntaxErrorAt('Query option name expected', nameToken.span, this.text);
      const written = nameToken.text;
      const name = NESTED_OPTIONS.get(written.replace(/^\$/, '').toLowerCase());
      if (name === undefined) {
        throw syntaxErrorAt(
          `The query option '${written}' is not supported inside $expand; expected $filter, $select, $expand, ` +
            `$orderby, $top, $skip, $count, $compute or $levels`,
          nameToken.span,
          this.text,
        );
      }
      if (allowed && !allowed.has(name)) {
        throw syntaxErrorAt(`The query option '${written}' is not allowed after '${lastSegment}'`, nameToken.span, this.text);
      }
      if (options[name] !== undefined) {
        throw syntaxErrorAt(`The query option '$${name}' is specified more than once`, nameToken.span, this.text);
      }
      this.lexer.advance();
      const equals = this.lexer.current;
      if (equals.kind !== 'equals') throw syntaxErrorAt("'=' expected", equals.span, this.text);
      this.lexer.advance();
      this.parseNestedOption(name, options);
      const separator = this.lexer.current;
      if (separator.kind === 'closeParen') return options;
      if (separator.kind !== 'semicolon') throw syntaxErrorAt("';' or ')' expected", separator.span, this.text);
      this.lexer.advance();
    }
  }

  private parseNestedOption(name: NestedOptionName, options: MutableNestedOptions): void {
    const start = this.lexer.current.span;
    switch (name) {
      case 'filter': {
        const expr = this.expressions.parseExpression();
        options.filter = { value: expr, span: expr.span };
        return;
      }
      case 'select':
        options.select = located(parseSelectItems(this.lexer), start);
        return;
      case 'expand':
        options.expand = located(this.parseItems(), start);
        return;
      case 'orderby':
        options.orderby = located(parseOrderByItems(this.lexer, this.expressions), start);
        return;
      case 'compute':
        options.compute = located(parseComputeItems(this.lexer, this.expressions), start);
        return;
      case 'top':
      case 'skip':
        options[name] = { value: nonNegativeInt32(this.lexer, `$${name}`), span: start };
        return;
      case 'count':
        options.count = { value: countValue(this.lexer), span: start };
        return;
      case 'levels':
        options.levels = { value: levelsValue(this.lexer), span: start };
        return;
      default:
        return assertNever(name);
    }
  }
}

function located<T extends { readonly span: Span }>(items: readonly T[], start: Span): Located<readonly T[]> {
  const span = items.length === 0 ? { start: start.start, end: start.start } : spanOf(items[0]!.span, items[items.length - 1]!.span);
  return { value: items, span };
}
