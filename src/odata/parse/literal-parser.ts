// One literal on its own (`2024-07-30T08:00:00Z`, `'O''Neil'`, `duration'PT1H'`), read with the
// same lexer as expressions so a value means the same everywhere; used for key values and by
// anything that must interpret a single literal.
import { ExpressionLexer } from './lexer.js';
import { syntaxErrorAt } from './parse-error.js';
import type { LiteralToken } from './syntax.js';

/** Parses `text` (percent-decoded) as exactly one literal. */
export function parseLiteral(text: string): LiteralToken {
  const lexer = new ExpressionLexer(text);
  const token = lexer.current;
  if (token.kind !== 'literal') throw syntaxErrorAt('Literal expected', token.span, text);
  if (lexer.advance().kind !== 'end') throw syntaxErrorAt('Syntax error', lexer.current.span, text);
  return token.literal;
}
