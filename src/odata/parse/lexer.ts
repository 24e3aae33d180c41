// One-pass lexer over the percent-decoded text of one query option (or one window of it), after
// odata.net's ExpressionLexer: a current token, `advance()`, `peek()`, and snapshot/restore for the
// few places that look further ahead. Literals are recognised and converted here, so the parsers
// only ever see whole values; keywords (`eq`, `and`, `asc`, ...) stay identifiers and the parsers
// decide what they mean where they stand.
import type { Span } from '../errors.js';
import { isDigit, isHexDigit, isIdentifierPart, isIdentifierStart, isWhitespace } from './characters.js';
import { keywordLiteral, scanGuid, scanNumber, scanPrefixedLiteral, scanQuoted, specialDouble } from './literals.js';
import { syntaxErrorAt } from './parse-error.js';
import type { LiteralToken } from './syntax.js';
import { looksLikeTimeOfDay, scanDateOrDateTimeOffset, scanTimeOfDay } from './temporal-literals.js';

/** Single-character tokens. `plus` only appears where `+` is not the sign of a number. */
export type PunctuationKind =
  | 'openParen'
  | 'closeParen'
  | 'comma'
  | 'slash'
  | 'colon'
  | 'semicolon'
  | 'equals'
  | 'star'
  | 'minus'
  | 'plus';

export type Token =
  /** A name: `Name`, `NS.Type`, `Edm.Int32`, `Model.*`, `$it`, `$count`; also operator keywords. */
  | { readonly kind: 'identifier'; readonly text: string; readonly span: Span }
  | { readonly kind: 'literal'; readonly text: string; readonly literal: LiteralToken; readonly span: Span }
  | { readonly kind: PunctuationKind; readonly text: string; readonly span: Span }
  | { readonly kind: 'end'; readonly text: ''; readonly span: Span };

export type TokenKind = Token['kind'];

const PUNCTUATION: Readonly<Record<string, PunctuationKind>> = {
  '(': 'openParen',
  ')': 'closeParen',
  ',': 'comma',
  '/': 'slash',
  ':': 'colon',
  ';': 'semicolon',
  '=': 'equals',
  '*': 'star',
};

/** An opaque lexer position for `restore`. */
export interface LexerSnapshot {
  readonly position: number;
  readonly token: Token;
}

export class ExpressionLexer {
  /** The whole option text; spans and messages refer to it even when lexing a window of it. */
  readonly text: string;
  private readonly limit: number;
  /** Where scanning resumes: just after the current token. */
  private position: number;
  private token: Token;

  /** Lexes `text` from `start` up to (not including) `end`. */
  constructor(text: string, start = 0, end = text.length) {
    this.text = text;
    this.limit = end;
    this.position = start;
    this.token = this.scan();
  }

  get current(): Token {
    return this.token;
  }

  /**
   * Whether the current token is of `kind`. Prefer this to `current.kind === ...` in conditions:
   * TypeScript would keep such a narrowing of `current` across `advance()`, which changes it.
   */
  is(kind: TokenKind): boolean {
    return this.token.kind === kind;
  }

  /** Moves to the next token and returns it. */
  advance(): Token {
    this.token = this.scan();
    return this.token;
  }

  /** The token after the current one, without moving. */
  peek(): Token {
    const saved = this.snapshot();
    const next = this.advance();
    this.restore(saved);
    return next;
  }

  snapshot(): LexerSnapshot {
    return { position: this.position, token: this.token };
  }

  restore(snapshot: LexerSnapshot): void {
    this.position = snapshot.position;
    this.token = snapshot.token;
  }

  /**
   * With the lexer on a `(`: the raw text up to (not including) the matching `)`, skipping quoted
   * strings and nested parentheses, without lexing it; the lexer then stands on that `)`. Used for
   * `$apply=search(...)`, whose content is search syntax (`"blue green"`, `#1`), not an expression.
   */
  readParenthesizedRaw(): { text: string; span: Span } {
    const start = this.token.span.end;
    let depth = 0;
    let i = start;
    while (i < this.limit) {
      const c = this.text[i];
      if (c === "'" || c === '"') {
        const close = this.text.indexOf(c, i + 1);
        if (close < 0 || close >= this.limit) break;
        i = close + 1;
        continue;
      }
      if (c === '(') depth++;
      if (c === ')') {
        if (depth === 0) {
          this.position = i;
          this.token = this.scan();
          const raw = this.text.slice(start, i);
          const leading = raw.length - raw.trimStart().length;
          return { text: raw.trim(), span: { start: start + leading, end: start + leading + raw.trim().length } };
        }
        depth--;
      }
      i++;
    }
    throw syntaxErrorAt("')' expected", { start: this.limit, end: this.limit }, this.text);
  }

  private scan(): Token {
    const text = this.text;
    let i = this.position;
    while (i < this.limit && isWhitespace(text[i])) i++;
    const start = i;
    if (start >= this.limit) {
      this.position = start;
      return { kind: 'end', text: '', span: { start, end: start } };
    }
    const c = text[start]!;
    const punctuation = PUNCTUATION[c];
    if (punctuation !== undefined) return this.take(punctuation, start, start + 1);
    if (c === "'") {
      const quoted = scanQuoted(text, start, this.limit);
      const span = { start, end: quoted.end };
      return this.takeLiteral({ kind: 'literal', type: 'string', value: quoted.value, span });
    }
    if (c === '-' || c === '+') {
      if (isDigit(text[start + 1])) return this.takeNumeric(start);
      if (c === '-' && text.startsWith('INF', start + 1) && !isIdentifierPart(text[start + 4])) {
        return this.takeLiteral(specialDouble('-INF', { start, end: start + 4 })!);
      }
      return this.take(c === '-' ? 'minus' : 'plus', start, start + 1);
    }
    if (isHexDigit(c)) {
      const guid = scanGuid(text, start, this.limit);
      if (guid) return this.takeLiteral(guid.literal);
    }
    if (isDigit(c)) return this.takeNumeric(start);
    if (isIdentifierStart(c) || (c === '$' && isIdentifierStart(text[start + 1]))) return this.takeWord(start);
    if (c === '@') {
      throw syntaxErrorAt(
        `Parameter aliases and annotations ('@...') are not supported`,
        { start, end: this.wordEnd(start + 1) },
        text,
      );
    }
    throw syntaxErrorAt(`Syntax error: character '${c}' is not valid`, { start, end: start + 1 }, text);
  }

  /** Dates, DateTimeOffsets, times of day and numbers all start with a digit (or a signed digit). */
  private takeNumeric(start: number): Token {
    if (isDigit(this.text[start])) {
      const temporal = scanDateOrDateTimeOffset(this.text, start, this.limit);
      if (temporal) return this.takeLiteral(this.checkEnd(temporal.literal));
      if (looksLikeTimeOfDay(this.text, start, this.limit)) {
        return this.takeLiteral(this.checkEnd(scanTimeOfDay(this.text, start, this.limit).literal));
      }
    }
    return this.takeLiteral(scanNumber(this.text, start, this.limit).literal);
  }

  /** A value directly followed by letters or digits (`2024-07-30T08:00Zx`) is one bad token. */
  private checkEnd(literal: LiteralToken): LiteralToken {
    const end = literal.span.end;
    if (end < this.limit && (isIdentifierPart(this.text[end]) || this.text[end] === '.' || this.text[end] === ':')) {
      const bad = { start: literal.span.start, end: this.wordEnd(end) };
      throw syntaxErrorAt(`'${this.text.slice(bad.start, bad.end)}' is not a valid literal`, bad, this.text);
    }
    return literal;
  }

  /** An identifier, possibly dotted (`Edm.Int32`, `Model.*`), or a keyword literal, or `prefix'...'`. */
  private takeWord(start: number): Token {
    const text = this.text;
    let i = start + 1;
    for (;;) {
      while (i < this.limit && isIdentifierPart(text[i])) i++;
      if (text[i] === '.' && i + 1 < this.limit && isIdentifierStart(text[i + 1])) {
        i++;
        continue;
      }
      if (text[i] === '.' && text[i + 1] === '*' && i + 1 < this.limit) i += 2;
      break;
    }
    if (text[i] === "'" && i < this.limit) {
      return this.takeLiteral(scanPrefixedLiteral(text, start, i, this.limit).literal);
    }
    const word = text.slice(start, i);
    const span = { start, end: i };
    const literal = keywordLiteral(word, span) ?? specialDouble(word, span);
    if (literal) return this.takeLiteral(literal);
    return this.take('identifier', start, i);
  }

  private wordEnd(from: number): number {
    let i = from;
    while (i < this.limit && (isIdentifierPart(this.text[i]) || this.text[i] === '.')) i++;
    return i;
  }

  private take(kind: PunctuationKind | 'identifier', start: number, end: number): Token {
    this.position = end;
    return { kind, text: this.text.slice(start, end), span: { start, end } };
  }

  private takeLiteral(literal: LiteralToken): Token {
    this.position = literal.span.end;
    return { kind: 'literal', text: this.text.slice(literal.span.start, literal.span.end), literal, span: literal.span };
  }
}

/** True when `token` is the identifier `word`, compared case-insensitively (`AND`, `Eq`, `Desc`). */
export function isKeyword(token: Token, word: string): boolean {
  return token.kind === 'identifier' && token.text.length === word.length && token.text.toLowerCase() === word;
}

/**
 * The name a token stands for where only a name can stand (select, expand and groupby paths):
 * a property may well be called `Null` or `INF`, which the lexer reads as literals.
 */
export function nameOf(token: Token): string | undefined {
  if (token.kind === 'identifier') return token.text;
  if (token.kind === 'literal' && /^[A-Za-z_]\w*$/.test(token.text)) return token.text;
  return undefined;
}
