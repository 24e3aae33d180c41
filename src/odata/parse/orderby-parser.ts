// `$orderby` items (`Name desc, Machine/Name`), also used inside `$expand(...)` and `$apply`'s
// `orderby(...)`. Direction keywords are case-insensitive: Citrix's own PowerShell sends `Desc`.
import type { ExpressionParser } from './expression-parser.js';
import { isKeyword, type ExpressionLexer } from './lexer.js';
import { spanOf } from './spans.js';
import type { OrderByItemToken } from './syntax.js';

/** Comma-separated items at the lexer's current token; stops at the first token that is not `,`. */
export function parseOrderByItems(lexer: ExpressionLexer, expressions: ExpressionParser): OrderByItemToken[] {
  const items: OrderByItemToken[] = [];
  for (;;) {
    const expr = expressions.parseExpression();
    const direction = lexer.current;
    if (isKeyword(direction, 'asc') || isKeyword(direction, 'desc')) {
      lexer.advance();
      items.push({ expr, direction: isKeyword(direction, 'asc') ? 'asc' : 'desc', span: spanOf(expr.span, direction.span) });
    } else {
      items.push({ expr, direction: 'asc', span: expr.span });
    }
    if (!lexer.is('comma')) return items;
    lexer.advance();
  }
}
