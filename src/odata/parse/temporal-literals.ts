// Date, time-of-day, DateTimeOffset and duration literals: recognising them at a position of the
// option text and converting them exactly. ASP.NET OData stores these as .NET DateTimeOffset /
// Date / TimeOfDay / TimeSpan, so we accept what those types can hold (years 0001-9999, at most 7
// fractional digits, offsets within +-14:00) and reject the rest with a syntax error, rather than
// accept ABNF-valid values (year 0000, negative years) that the reference service cannot serve.
import type { Span } from '../errors.js';
import { daysFromCivil } from '../../edm/date-time.js';
import { syntaxErrorAt } from './parse-error.js';
import type { LiteralToken } from './syntax.js';

/** A literal recognised at some position, and where its text ends. */
export interface ScannedLiteral {
  readonly literal: LiteralToken;
  readonly end: number;
}

const MICROS_PER_SECOND = 1_000_000n;
const SECONDS_PER_DAY = 86_400;
/** .NET keeps 7 fractional digits (100 ns ticks); more cannot be represented by the reference. */
const MAX_FRACTION_DIGITS = 7;
/** .NET DateTimeOffset.Offset is limited to +-14 hours. */
const MAX_OFFSET_MINUTES = 14 * 60;

// Loose shapes: they decide *that* the text is meant as a date or time, so that a malformed value
// gets a precise message ("month 13 ...") instead of falling through to number lexing.
const DATE_SHAPE = /^(-?\d+)-(\d+)-(\d+)/;
const TIME_SHAPE = /^(\d+):(\d+)(?::(\d+)(?:\.(\d*))?)?/;
const OFFSET_SHAPE = /^([+-])(\d+):(\d+)/;
/** Enough characters for the longest valid DateTimeOffset (`9999-12-31T23:59:59.9999999+14:00`). */
const WINDOW = 48;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const MIN_EPOCH_MICROS = BigInt(daysFromCivil(1, 1, 1) * SECONDS_PER_DAY) * MICROS_PER_SECOND;
/** Exclusive: the first instant of year 10000. */
const END_EPOCH_MICROS = BigInt(daysFromCivil(10_000, 1, 1) * SECONDS_PER_DAY) * MICROS_PER_SECOND;

/** Where we are scanning, for error messages. */
interface Source {
  readonly text: string;
  readonly start: number;
}

function fail(source: Source, what: string, from: number, to: number): never {
  throw syntaxErrorAt(what, { start: from, end: to }, source.text);
}

/** Fraction digits `.fffffff` as microseconds, truncated beyond the sixth digit. */
function fractionMicros(digits: string): number {
  return Number(digits.slice(0, 6).padEnd(6, '0'));
}

interface DateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly length: number;
}

function parseDateParts(source: Source, window: string): DateParts {
  const match = DATE_SHAPE.exec(window)!;
  const [, yearText, monthText, dayText] = match;
  const at = source.start;
  const end = at + match[0].length;
  if (!/^\d{4}$/.test(yearText!) || yearText === '0000') {
    fail(source, `The year in date '${match[0]}' must have four digits between 0001 and 9999`, at, end);
  }
  const year = Number(yearText);
  if (!/^\d{2}$/.test(monthText!) || Number(monthText) < 1 || Number(monthText) > 12) {
    fail(source, `The month in date '${match[0]}' must be two digits between 01 and 12`, at, end);
  }
  const month = Number(monthText);
  if (!/^\d{2}$/.test(dayText!) || Number(dayText) < 1 || Number(dayText) > daysInMonth(year, month)) {
    fail(source, `The day in date '${match[0]}' is not a valid day of that month`, at, end);
  }
  return { year, month, day: Number(dayText), length: match[0].length };
}

interface TimeParts {
  /** Seconds since midnight; 86,400 only for a leap second at 23:59:60. */
  readonly seconds: number;
  readonly micros: number;
  readonly length: number;
}

/** `hh:mm[:ss[.fffffff]]` at the start of `window`; `at` is its offset in the text. */
function parseTimeParts(source: Source, window: string, at: number, what: string): TimeParts {
  const match = TIME_SHAPE.exec(window);
  if (!match) fail(source, `Invalid ${what} literal: a time 'hh:mm[:ss[.fffffff]]' is expected`, at, at + 1);
  const [whole, hourText, minuteText, secondText, fraction] = match;
  const end = at + whole.length;
  if (!/^\d{2}$/.test(hourText!) || Number(hourText) > 23) {
    // T24:00 is valid in ISO 8601 but not in OData (ABNF hour = 00-23) nor in .NET.
    fail(source, `The hour in ${what} '${whole}' must be two digits between 00 and 23`, at, end);
  }
  if (!/^\d{2}$/.test(minuteText!) || Number(minuteText) > 59) {
    fail(source, `The minute in ${what} '${whole}' must be two digits between 00 and 59`, at, end);
  }
  if (secondText !== undefined && (!/^\d{2}$/.test(secondText) || Number(secondText) > 60)) {
    fail(source, `The second in ${what} '${whole}' must be two digits between 00 and 60`, at, end);
  }
  if (fraction !== undefined && (fraction.length === 0 || fraction.length > MAX_FRACTION_DIGITS)) {
    fail(source, `The fractional seconds in ${what} '${whole}' must have 1 to ${MAX_FRACTION_DIGITS} digits`, at, end);
  }
  // A leap second (ss = 60) is taken as 59 seconds plus one: the instant right after 23:59:59.
  const seconds = Number(hourText) * 3600 + Number(minuteText) * 60 + Number(secondText ?? '0');
  return { seconds, micros: fraction === undefined ? 0 : fractionMicros(fraction), length: whole.length };
}

/**
 * Recognises a date or DateTimeOffset literal at `start` (the text there looks like
 * `yyyy-mm-dd`). Returns undefined when it does not; throws when it does but is invalid.
 */
export function scanDateOrDateTimeOffset(text: string, start: number, limit: number): ScannedLiteral | undefined {
  const window = text.slice(start, Math.min(limit, start + WINDOW));
  if (!DATE_SHAPE.test(window)) return undefined;
  const source: Source = { text, start };
  const date = parseDateParts(source, window);
  let position = date.length;
  if (window[position] !== 'T') {
    const span: Span = { start, end: start + position };
    return { literal: { kind: 'literal', type: 'date', ...pick(date), span }, end: span.end };
  }
  position++;
  const time = parseTimeParts(source, window.slice(position), start + position, 'DateTimeOffset');
  position += time.length;
  let offsetMinutes: number;
  if (window[position] === 'Z') {
    offsetMinutes = 0;
    position++;
  } else {
    const offset = OFFSET_SHAPE.exec(window.slice(position));
    if (!offset) {
      // An unencoded '+' in a query string arrives as a space: say so, it is the usual cause.
      const hint = /^ \d\d:\d\d/.test(window.slice(position))
        ? "; a '+' in a URL query string means a space, so write the offset as %2B"
        : '';
      // PlatformHelper_DateTimeOffsetMustContainTimeZone in ODL.
      fail(
        source,
        `The time zone information is missing on the DateTimeOffset value '${window.slice(0, position)}'. ` +
          `A DateTimeOffset value must contain the time zone information ('Z' or '+hh:mm' / '-hh:mm')${hint}`,
        start,
        start + position,
      );
    }
    const [whole, sign, hourText, minuteText] = offset;
    const offsetSpanEnd = start + position + whole.length;
    if (!/^\d{2}$/.test(hourText!) || !/^\d{2}$/.test(minuteText!) || Number(minuteText) > 59) {
      fail(source, `The time zone offset '${whole}' must be written '+hh:mm' or '-hh:mm'`, start + position, offsetSpanEnd);
    }
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hourText) * 60 + Number(minuteText));
    if (Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) {
      fail(source, `The time zone offset '${whole}' must be between -14:00 and +14:00`, start + position, offsetSpanEnd);
    }
    position += whole.length;
  }
  const span: Span = { start, end: start + position };
  const localSeconds = daysFromCivil(date.year, date.month, date.day) * SECONDS_PER_DAY + time.seconds;
  const epochMicros = BigInt(localSeconds - offsetMinutes * 60) * MICROS_PER_SECOND + BigInt(time.micros);
  if (epochMicros < MIN_EPOCH_MICROS || epochMicros >= END_EPOCH_MICROS) {
    fail(source, `The DateTimeOffset value '${window.slice(0, position)}' is outside the years 0001 to 9999 in UTC`, start, span.end);
  }
  return {
    literal: { kind: 'literal', type: 'dateTimeOffset', epochMicros, text: window.slice(0, position), span },
    end: span.end,
  };
}

function pick(date: DateParts): { year: number; month: number; day: number } {
  return { year: date.year, month: date.month, day: date.day };
}

/** True when the text at `start` is shaped like a time of day (`dd:`), so the caller should scan one. */
export function looksLikeTimeOfDay(text: string, start: number, limit: number): boolean {
  return start + 2 < limit && text[start + 2] === ':' && /^\d\d$/.test(text.slice(start, start + 2));
}

/** Recognises `hh:mm[:ss[.fffffff]]` at `start` (checked with `looksLikeTimeOfDay`). */
export function scanTimeOfDay(text: string, start: number, limit: number): ScannedLiteral {
  const window = text.slice(start, Math.min(limit, start + WINDOW));
  const source: Source = { text, start };
  const time = parseTimeParts(source, window, start, 'TimeOfDay');
  const span: Span = { start, end: start + time.length };
  if (time.seconds >= SECONDS_PER_DAY) {
    fail(source, `The TimeOfDay value '${window.slice(0, time.length)}' must be before 24:00:00`, start, span.end);
  }
  const micros = BigInt(time.seconds) * MICROS_PER_SECOND + BigInt(time.micros);
  return { literal: { kind: 'literal', type: 'timeOfDay', micros, span }, end: span.end };
}

// XSD dayTimeDuration, which is what ODL (EdmValueParser) accepts: days, hours, minutes, seconds;
// years and months have no fixed length and are rejected.
const DURATION = /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d+))?S)?)?$/;

/**
 * The body of `duration'...'` as microseconds. `span` covers the whole literal for messages.
 */
export function durationMicros(body: string, span: Span, text: string): bigint {
  const match = DURATION.exec(body);
  const hasDate = match?.[2] !== undefined;
  const hasTime = match !== null && (match[3] !== undefined || match[4] !== undefined || match[5] !== undefined);
  const tWithoutTime = match !== null && body.includes('T') && !hasTime;
  if (!match || (!hasDate && !hasTime) || tWithoutTime) {
    throw syntaxErrorAt(
      `The duration '${body}' is not valid; expected [-]P[nD][T[nH][nM][n[.fffffff]S]] (years and months are not allowed)`,
      span,
      text,
    );
  }
  const [, minus, days, hours, minutes, seconds, fraction] = match;
  if (fraction !== undefined && fraction.length > MAX_FRACTION_DIGITS) {
    throw syntaxErrorAt(`The fractional seconds in duration '${body}' must have 1 to ${MAX_FRACTION_DIGITS} digits`, span, text);
  }
  const wholeSeconds =
    BigInt(days ?? '0') * 86_400n + BigInt(hours ?? '0') * 3_600n + BigInt(minutes ?? '0') * 60n + BigInt(seconds ?? '0');
  const micros = wholeSeconds * MICROS_PER_SECOND + BigInt(fraction === undefined ? 0 : fractionMicros(fraction));
  return minus ? -micros : micros;
}
