// Spans of composite tokens: every node spans from its first to its last constituent, so that an
// error about the node can underline exactly the text it came from.
import type { Span } from '../errors.js';

/** The span from the start of `from` to the end of `to`. */
export function spanOf(from: Span, to: Span): Span {
  return { start: from.start, end: to.end };
}
