// Character classes of the OData URL grammar (ABNF odataIdentifier, DIGIT, HEXDIG, BWS), used by
// the lexer and the literal scanners. ASCII is tested first because it is nearly all real input.

export function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

// identifierLeadingCharacter: a letter or `_` (Unicode letters per CSDL SimpleIdentifier).
const UNICODE_IDENTIFIER_START = /^[\p{L}\p{Nl}_]$/u;
// identifierCharacter: also digits, combining marks, connectors and format characters.
const UNICODE_IDENTIFIER_PART = /^[\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Pc}\p{Cf}]$/u;

export function isIdentifierStart(c: string | undefined): boolean {
  if (c === undefined) return false;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_') return true;
  return c > '\x7f' && UNICODE_IDENTIFIER_START.test(c);
}

export function isIdentifierPart(c: string | undefined): boolean {
  if (c === undefined) return false;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_') return true;
  return c > '\x7f' && UNICODE_IDENTIFIER_PART.test(c);
}

/**
 * Whitespace between tokens: ABNF BWS/RWS are space and tab; a decoded `+` or `%20` reaches us as a
 * space. CR and LF are tolerated too, as ODL's lexer (char.IsWhiteSpace) does.
 */
export function isWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}
