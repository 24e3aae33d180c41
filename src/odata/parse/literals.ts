// Numbers, strings, GUIDs and prefixed literals (`duration'...'`), recognised at a position of the
// option text. The lexer decides *where* a literal may start; these functions decide what it is
// and convert it. Temporal literals live in temporal-literals.ts.
import { syntaxError, type Span } from '../errors.js';
import { isDigit, isHexDigit, isIdentifierPart } from './characters.js';
import { syntaxErrorAt } from './parse-error.js';
import type { LiteralToken } from './syntax.js';
import { durationMicros, type ScannedLiteral } from './temporal-literals.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const GUID_LENGTH = 36;

/** An unquoted GUID at `start`, or undefined (the caller then tries identifiers and numbers). */
export function scanGuid(text: string, start: number, limit: number): ScannedLiteral | undefined {
  if (!isHexDigit(text[start]) || start + GUID_LENGTH > limit) return undefined;
  const candidate = text.slice(start, start + GUID_LENGTH);
  if (!GUID.test(candidate)) return undefined;
  const end = start + GUID_LENGTH;
  // `...456789abcdefXYZ` is not a GUID followed by a name; let the caller report it as one token.
  if (end < limit && isIdentifierPart(text[end])) return undefined;
  const span: Span = { start, end };
  return { literal: { kind: 'literal', type: 'guid', value: candidate.toLowerCase(), span }, end };
}

/**
 * A number at `start`: `[+-]digits[.digits][e[+-]digits][suffix]`. Suffixes as ODL's lexer reads
 * them: `L` Int64, `m` Decimal, `d`/`f` Double/Single (both become a double literal here).
 */
export function scanNumber(text: string, start: number, limit: number): ScannedLiteral {
  let i = start;
  if (text[i] === '+' || text[i] === '-') i++;
  while (i < limit && isDigit(text[i])) i++;
  let hasFraction = false;
  let hasExponent = false;
  if (text[i] === '.' && i < limit) {
    if (!isDigit(text[i + 1]) || i + 1 >= limit) {
      throw syntaxErrorAt('Digit expected', { start: i + 1, end: i + 1 }, text);
    }
    hasFraction = true;
    i++;
    while (i < limit && isDigit(text[i])) i++;
  }
  if ((text[i] === 'e' || text[i] === 'E') && i < limit) {
    let j = i + 1;
    if (text[j] === '+' || text[j] === '-') j++;
    if (!isDigit(text[j]) || j >= limit) throw syntaxErrorAt('Digit expected', { start: j, end: j }, text);
    hasExponent = true;
    i = j;
    while (i < limit && isDigit(text[i])) i++;
  }
  const digits = text.slice(start, i);
  const suffix = i < limit ? text[i]!.toLowerCase() : '';
  const hasSuffix = suffix === 'l' || suffix === 'm' || suffix === 'd' || suffix === 'f';
  const end = hasSuffix ? i + 1 : i;
  const span: Span = { start, end };
  if (end < limit && (isIdentifierPart(text[end]) || text[end] === '.')) {
    throw syntaxErrorAt(`'${text.slice(start, end + 1)}' is not a valid number`, { start, end: end + 1 }, text);
  }
  const literal = (): LiteralToken => {
    if (suffix === 'm') return { kind: 'literal', type: 'decimal', value: plainDecimal(digits), span };
    if (suffix === 'd' || suffix === 'f' || hasExponent) return doubleLiteral(digits, span, text);
    if (hasFraction) {
      if (suffix === 'l') throw syntaxErrorAt(`'${text.slice(start, end)}' is not a valid Int64 literal`, span, text);
      return { kind: 'literal', type: 'decimal', value: plainDecimal(digits), span };
    }
    return integerLiteral(digits, span, text);
  };
  return { literal: literal(), end };
}

function integerLiteral(digits: string, span: Span, text: string): LiteralToken {
  const value = BigInt(digits);
  if (value < INT64_MIN || value > INT64_MAX) {
    throw syntaxErrorAt(`The integer '${digits}' is outside the range of Edm.Int64`, span, text);
  }
  return { kind: 'literal', type: 'integer', value, span };
}

function doubleLiteral(digits: string, span: Span, text: string): LiteralToken {
  const value = Number(digits);
  if (!Number.isFinite(value)) {
    throw syntaxErrorAt(`The number '${digits}' is outside the range of Edm.Double`, span, text);
  }
  return { kind: 'literal', type: 'double', value, span };
}

/**
 * Decimal text without sign noise or exponent (`+1.50` -> `1.50`, `1.5e3` -> `1500`), so that
 * later stages can hand it to a SQL DECIMAL as is. Digits are kept exactly as written otherwise.
 */
function plainDecimal(digits: string): string {
  const unsigned = digits.replace(/^[+-]/, '');
  const negative = digits.startsWith('-');
  const [mantissa, exponentText] = unsigned.split(/[eE]/) as [string, string | undefined];
  if (exponentText === undefined) return (negative ? '-' : '') + mantissa;
  const exponent = Number(exponentText);
  const [intPart, fracPart = ''] = mantissa.split('.') as [string, string | undefined];
  const allDigits = intPart + fracPart;
  const pointAt = intPart.length + exponent;
  let result: string;
  if (pointAt <= 0) result = '0.' + '0'.repeat(-pointAt) + allDigits;
  else if (pointAt >= allDigits.length) result = allDigits + '0'.repeat(pointAt - allDigits.length);
  else result = allDigits.slice(0, pointAt) + '.' + allDigits.slice(pointAt);
  result = result.replace(/^0+(?=\d)/, '');
  return (negative ? '-' : '') + result;
}

/** `INF`, `-INF`, `NaN`: ABNF nanInfinity, case-sensitive as in ODL. */
export function specialDouble(word: string, span: Span): LiteralToken | undefined {
  if (word === 'INF') return { kind: 'literal', type: 'double', value: Infinity, span };
  if (word === '-INF') return { kind: 'literal', type: 'double', value: -Infinity, span };
  if (word === 'NaN') return { kind: 'literal', type: 'double', value: NaN, span };
  return undefined;
}

/** `true`, `false`, `null`; case-insensitive as ASP.NET's resolver treats built-in keywords. */
export function keywordLiteral(word: string, span: Span): LiteralToken | undefined {
  switch (word.toLowerCase()) {
    case 'true':
      return { kind: 'literal', type: 'boolean', value: true, span };
    case 'false':
      return { kind: 'literal', type: 'boolean', value: false, span };
    case 'null':
      return { kind: 'literal', type: 'null', span };
    default:
      return undefined;
  }
}

/** A single-quoted string at `start` (which holds `'`), with `''` standing for one quote. */
export function scanQuoted(text: string, start: number, limit: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = text.indexOf("'", i);
    if (close < 0 || close >= limit) {
      throw syntaxErrorAt('Unterminated string literal', { start, end: limit }, text);
    }
    value += text.slice(i, close);
    if (text[close + 1] === "'" && close + 1 < limit) {
      value += "'";
      i = close + 2;
      continue;
    }
    return { value, end: close + 1 };
  }
}

/** Prefixes of OData v3 typed literals, and what to write in v4 instead. */
const V3_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['datetime', 'an unquoted DateTimeOffset such as 2024-07-30T08:00:00Z'],
  ['datetimeoffset', 'an unquoted DateTimeOffset such as 2024-07-30T08:00:00Z'],
  ['guid', 'an unquoted GUID such as 01234567-89ab-cdef-0123-456789abcdef'],
  ['time', "duration'PT1H' (or a time of day such as 13:20:00)"],
  ['x', "binary'...' with base64url content"],
]);

/** Prefixes that are valid OData v4 but name types this service has no use for. */
const UNSUPPORTED_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['binary', 'Binary literals'],
  ['geography', 'Geography literals'],
  ['geometry', 'Geometry literals'],
]);

/**
 * A literal written as `prefix'body'`: `prefix` spans `start..quoteAt`, `text[quoteAt]` is `'`.
 * Only `duration` is accepted; v3 forms (`datetime'...'`, `guid'...'`, `X'...'`, ...) are
 * rejected the way ASP.NET OData v4 rejects them (400), with a message saying what to write.
 */
export function scanPrefixedLiteral(text: string, start: number, quoteAt: number, limit: number): ScannedLiteral {
  const prefix = text.slice(start, quoteAt);
  const quoted = scanQuoted(text, quoteAt, limit);
  const span: Span = { start, end: quoted.end };
  const written = text.slice(start, quoted.end);
  const key = prefix.toLowerCase();
  if (key === 'duration') {
    const micros = durationMicros(quoted.value, span, text);
    return { literal: { kind: 'literal', type: 'duration', micros, span }, end: quoted.end };
  }
  const v3 = V3_PREFIXES.get(key);
  if (v3 !== undefined) {
    throw syntaxError(
      `The literal ${written} at position ${start} in '${text}' uses the OData v3 form ${prefix}'...', ` +
        `which is not supported in OData v4; write ${v3}.`,
      span,
    );
  }
  const unsupported = UNSUPPORTED_PREFIXES.get(key);
  if (unsupported !== undefined) throw syntaxErrorAt(`${unsupported} such as ${written} are not supported`, span, text);
  if (prefix.includes('.')) {
    throw syntaxErrorAt(`Enumeration literals such as ${written} are not supported; compare with the integer value`, span, text);
  }
  throw syntaxErrorAt(`Unrecognized literal ${written}`, span, text);
}
