// `$compute` items (`expr as Alias, ...`), also used inside `$expand(...)` and `$apply`'s
// `compute(...)`. The alias is a plain identifier: it becomes a property name of the result.
import type { ExpressionParser } from './expression-parser.js';
import { isKeyword, type ExpressionLexer } from './lexer.js';
import { syntaxErrorAt } from './parse-error.js';
import { spanOf } from './spans.js';
import type { ComputeItemToken, PathSegmentToken } from './syntax.js';

/** Comma-separated `expr as Alias` items at the lexer's current token. */
export function parseComputeItems(lexer: ExpressionLexer, expressions: ExpressionParser): ComputeItemToken[] {
  const items: ComputeItemToken[] = [];
  for (;;) {
    const expr = expressions.parseExpression();
    const alias = parseAlias(lexer);
    items.push({ expr, alias, span: spanOf(expr.span, alias.span) });
    if (!lexer.is('comma')) return items;
    lexer.advance();
  }
}

/** `as Alias`, mandatory wherever it is used (compute items, aggregate items). */
export function parseAlias(lexer: ExpressionLexer): PathSegmentToken {
  if (!isKeyword(lexer.current, 'as')) throw syntaxErrorAt("'as' expected", lexer.current.span, lexer.text);
  lexer.advance();
  const name = lexer.current;
  if (name.kind !== 'identifier' || name.text.startsWith('$') || name.text.includes('.')) {
    throw syntaxErrorAt('Alias name expected', name.span, lexer.text);
  }
  lexer.advance();
  return { name: name.text, span: name.span };
}
