// Single-token values of the counting options: `$top`/`$skip` (also `top(n)`/`skip(n)` in
// `$apply`), `$count` and `$levels` inside `$expand(...)`. Top-level `$top`/`$skip`/`$count` are
// read from the raw option text instead (query-option-parsers.ts), as ODL reads them.
import type { ExpressionLexer } from './lexer.js';
import { syntaxErrorAt } from './parse-error.js';

const INT32_MAX = 2_147_483_647n;

/** A non-negative Int32 literal token (`$top`, `$skip`, `top(n)`, `skip(n)`). */
export function nonNegativeInt32(lexer: ExpressionLexer, option: string): number {
  const token = lexer.current;
  if (
    token.kind !== 'literal' ||
    token.literal.type !== 'integer' ||
    !/^\d+$/.test(token.text) ||
    token.literal.value > INT32_MAX
  ) {
    throw syntaxErrorAt(`Invalid value for ${option}; a non-negative integer is required`, token.span, lexer.text);
  }
  lexer.advance();
  return Number(token.literal.value);
}

export function countValue(lexer: ExpressionLexer): boolean {
  const token = lexer.current;
  if (token.kind !== 'literal' || token.literal.type !== 'boolean') {
    throw syntaxErrorAt(`'${token.text}' is not a valid count option`, token.span, lexer.text);
  }
  lexer.advance();
  return token.literal.value;
}

/** `$levels`: a positive integer without leading zeros (ABNF oneToNine *DIGIT), or `max`. */
export function levelsValue(lexer: ExpressionLexer): number | 'max' {
  const token = lexer.current;
  if (token.kind === 'identifier' && token.text.toLowerCase() === 'max') {
    lexer.advance();
    return 'max';
  }
  if (token.kind === 'literal' && token.literal.type === 'integer' && /^[1-9]\d*$/.test(token.text) && token.literal.value <= INT32_MAX) {
    lexer.advance();
    return Number(token.literal.value);
  }
  throw syntaxErrorAt(`Invalid value for $levels; a positive integer or 'max' is required`, token.span, lexer.text);
}
