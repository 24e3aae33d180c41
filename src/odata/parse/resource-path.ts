// The resource path after the service root: `Machines`, `Machines()`, `Machines(<guid>)`,
// `ResourceUtilizationSummary(MachineId=<guid>,Granularity=60,SummaryDate=...)`,
// `Machines(<guid>)/Sessions`, `Machines/$count`, `Machines(<id>)/Name/$value`, `$metadata`,
// `$batch`. The raw path is split on `/` *before* percent-decoding, so an encoded `%2F` inside a
// key string stays part of the key (ABNF: `Categories('Tablet%2FSlate')` is one segment). Spans
// point into the decoded path, i.e. the decoded segments joined by `/`.
import { ODataError, type Span } from '../errors.js';
import { assertNever } from './assert-never.js';
import { ExpressionLexer, nameOf } from './lexer.js';
import { syntaxErrorAt } from './parse-error.js';
import { percentDecode } from './percent-decoding.js';
import { spanOf } from './spans.js';
import type { KeyValueToken, ResourcePathToken, ResourceSegmentToken } from './syntax.js';

/** `$`-segments we serve; any other `$` segment (`$ref`, `$entity`, `$all`, ...) is refused by name. */
const SYSTEM_SEGMENTS: ReadonlyMap<string, Exclude<ResourceSegmentToken['kind'], 'name'>> = new Map([
  ['$count', 'count'],
  ['$value', 'value'],
  ['$metadata', 'metadata'],
  ['$batch', 'batch'],
] as const);

interface RawSegment {
  readonly text: string;
  readonly span: Span;
}

/** Parses the path after the service root (still percent-encoded); a leading `/` is tolerated. */
export function parseResourcePath(path: string): ResourcePathToken {
  try {
    return parseSegments(path.startsWith('/') ? path.slice(1) : path);
  } catch (error) {
    throw error instanceof ODataError ? error.inOption('path') : error;
  }
}

function parseSegments(path: string): ResourcePathToken {
  const rawSegments = path.split('/');
  // A trailing slash (or several) is tolerated; an empty segment in the middle is not.
  while (rawSegments.length > 0 && rawSegments[rawSegments.length - 1] === '') rawSegments.pop();
  const segments: RawSegment[] = [];
  let decoded = '';
  for (const raw of rawSegments) {
    if (segments.length > 0) decoded += '/';
    const text = percentDecode(raw, { plusAsSpace: false });
    segments.push({ text, span: { start: decoded.length, end: decoded.length + text.length } });
    decoded += text;
  }
  const result: ResourceSegmentToken[] = [];
  for (const segment of segments) {
    const previous = result[result.length - 1];
    if (segment.text === '') throw syntaxErrorAt('Empty path segment', segment.span, decoded);
    if (previous !== undefined && previous.kind !== 'name') {
      throw syntaxErrorAt(`Nothing may follow '${segmentText(previous)}' in the path`, segment.span, decoded);
    }
    result.push(parseSegment(segment, decoded, result.length === 0));
  }
  return { segments: result };
}

function segmentText(segment: ResourceSegmentToken): string {
  switch (segment.kind) {
    case 'name':
      return segment.name;
    case 'count':
      return '$count';
    case 'value':
      return '$value';
    case 'metadata':
      return '$metadata';
    case 'batch':
      return '$batch';
    default:
      return assertNever(segment);
  }
}

function parseSegment(segment: RawSegment, decoded: string, first: boolean): ResourceSegmentToken {
  if (segment.text.startsWith('$')) {
    const kind = SYSTEM_SEGMENTS.get(segment.text.toLowerCase());
    if (kind === undefined) throw syntaxErrorAt(`The path segment '${segment.text}' is not supported`, segment.span, decoded);
    const standsAlone = kind === 'metadata' || kind === 'batch';
    if (standsAlone !== first) {
      throw syntaxErrorAt(
        standsAlone ? `'${segment.text}' must be the only path segment` : `'${segment.text}' must follow a resource`,
        segment.span,
        decoded,
      );
    }
    return { kind, span: segment.span };
  }
  const lexer = new ExpressionLexer(decoded, segment.span.start, segment.span.end);
  const nameToken = lexer.current;
  if (nameToken.kind !== 'identifier' || nameToken.text.startsWith('$')) {
    throw syntaxErrorAt('Resource name expected', nameToken.span, decoded);
  }
  if (first && nameToken.text.includes('.')) {
    throw syntaxErrorAt(`The path must start with an entity set, not '${nameToken.text}'`, nameToken.span, decoded);
  }
  lexer.advance();
  let key: KeyValueToken[] | undefined;
  let end = nameToken.span;
  if (lexer.is('openParen')) {
    lexer.advance();
    key = parseKey(lexer);
    end = lexer.current.span;
    if (!lexer.is('closeParen')) throw syntaxErrorAt("')' or ',' expected", lexer.current.span, decoded);
    lexer.advance();
  }
  if (!lexer.is('end')) throw syntaxErrorAt('Syntax error', lexer.current.span, decoded);
  return { kind: 'name', name: nameToken.text, key, span: spanOf(nameToken.span, end) };
}

/** `()`, `(value)` or `(Name=value, Name=value)`; the lexer ends on the closing `)`. */
function parseKey(lexer: ExpressionLexer): KeyValueToken[] {
  const values: KeyValueToken[] = [];
  if (lexer.is('closeParen')) return values;
  for (;;) {
    const token = lexer.current;
    const name = nameOf(token);
    if (name !== undefined && lexer.peek().kind === 'equals') {
      lexer.advance();
      lexer.advance();
      const value = keyValue(lexer);
      values.push({ name: { name, span: token.span }, value, span: spanOf(token.span, value.span) });
    } else {
      const value = keyValue(lexer);
      values.push({ name: undefined, value, span: value.span });
    }
    if (!lexer.is('comma')) break;
    lexer.advance();
  }
  if (values.length > 1 && values.some((value) => value.name === undefined)) {
    throw syntaxErrorAt('A key with several values must name each of them', values[0]!.span, lexer.text);
  }
  return values;
}

function keyValue(lexer: ExpressionLexer): KeyValueToken['value'] {
  const token = lexer.current;
  if (token.kind !== 'literal') throw syntaxErrorAt('Key value expected: a literal', token.span, lexer.text);
  lexer.advance();
  return token.literal;
}
