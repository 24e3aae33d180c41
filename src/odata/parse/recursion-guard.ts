// Depth limit for the recursive-descent parsers. odata.net calls RecurseEnter/RecurseLeave on every
// level and throws UriQueryExpressionParser_TooDeep past a limit set in ODataUriParserSettings; we
// do the same so that a hostile `((((...))))` or `not not not ...` becomes a 400, never a
// RangeError from the JavaScript stack.
import type { Span } from '../errors.js';
import { syntaxErrorAt } from './parse-error.js';

/** Settings shared by every parser entry point. */
export interface ParseSettings {
  /**
   * Maximum nesting: parenthesised expressions, function arguments, lambda bodies, unary
   * operators, nested `$expand` options and nested `$apply` transformations each count one level.
   */
  readonly maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 100;

export class RecursionGuard {
  private depth = 0;
  readonly maxDepth: number;

  constructor(settings: ParseSettings | undefined) {
    this.maxDepth = settings?.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /** Enters one level; throws a syntax error pointing at `span` when the limit is passed. */
  enter(span: Span, text: string): void {
    if (this.depth >= this.maxDepth) {
      throw syntaxErrorAt(`The query nests deeper than the limit of ${this.maxDepth} levels`, span, text);
    }
    this.depth++;
  }

  leave(): void {
    this.depth--;
  }

  /** Runs `body` one level deeper. */
  nested<T>(span: Span, text: string, body: () => T): T {
    this.enter(span, text);
    try {
      return body();
    } finally {
      this.leave();
    }
  }
}
