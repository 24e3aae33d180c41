// Property and navigation paths outside expressions: `$select` items, `$expand` items, `groupby`
// properties and `expand()` in `$apply`. These are plain `/`-separated names (qualified type casts
// allowed), with `*` or a `$`-suffix where the caller permits one.
import type { Span } from '../errors.js';
import { nameOf, type ExpressionLexer } from './lexer.js';
import { syntaxErrorAt } from './parse-error.js';
import type { PathSegmentToken, PathToken } from './syntax.js';

export interface PathRules {
  /** `*` (or `Model.*`) may end the path. */
  readonly star?: boolean;
  /** `$`-segments accepted as the last segment, e.g. `$ref`, `$count`, `$value` in `$expand`. */
  readonly suffixes?: readonly string[];
}

function isSuffix(name: string, rules: PathRules): boolean {
  return rules.suffixes?.some((suffix) => suffix === name.toLowerCase()) ?? false;
}

/** Reads a path at the lexer's current token; the lexer ends on the token after it. */
export function parsePropertyPath(lexer: ExpressionLexer, rules: PathRules): PathToken {
  const segments: PathSegmentToken[] = [];
  let afterStar = false;
  for (;;) {
    const token = lexer.current;
    const name = token.kind === 'star' ? '*' : nameOf(token);
    if (name === undefined) throw syntaxErrorAt('Property name expected', token.span, lexer.text);
    const isStar = name === '*' || name.endsWith('.*');
    if (name.startsWith('$') && !isSuffix(name, rules)) {
      throw syntaxErrorAt(`'${name}' is not supported here`, token.span, lexer.text);
    }
    if (isStar && !rules.star) throw syntaxErrorAt(`'${name}' is not allowed here`, token.span, lexer.text);
    // After `*` only a `$` suffix may follow (`*/$ref`); a `$` suffix always ends the path.
    if (afterStar && !name.startsWith('$')) {
      throw syntaxErrorAt(`Nothing but a '$' suffix may follow '*' in a path`, token.span, lexer.text);
    }
    segments.push({ name, span: token.span });
    lexer.advance();
    if (!lexer.is('slash')) break;
    if (name.startsWith('$')) throw syntaxErrorAt(`Nothing may follow '${name}' in a path`, lexer.current.span, lexer.text);
    afterStar = isStar;
    lexer.advance();
  }
  return pathOf(segments);
}

export function pathOf(segments: readonly PathSegmentToken[]): PathToken {
  const span: Span = { start: segments[0]!.span.start, end: segments[segments.length - 1]!.span.end };
  return { kind: 'path', segments, span };
}
