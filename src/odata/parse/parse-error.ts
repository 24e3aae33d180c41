// How the parsers word a syntax error. ODL formats its messages as "<what> at position <n> in
// '<text>'." (SRResources.resx); clients and people grepping logs know that shape, so we keep it,
// and unlike ODL we also carry the span as data so http/ can point at the exact characters.
import { syntaxError, type ODataError, type Span } from '../errors.js';

/** `<what> at position <span.start> in '<text>'.` as a syntax ODataError carrying `span`. */
export function syntaxErrorAt(what: string, span: Span, text: string): ODataError {
  return syntaxError(`${what} at position ${span.start} in '${text}'.`, span);
}
