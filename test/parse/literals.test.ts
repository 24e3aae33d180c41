// Literal recognition and exact conversion, through the public parseLiteral / parseFilter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ODataError } from '../../src/odata/errors.js';
import { parseFilter, parseLiteral, type LiteralToken } from '../../src/odata/parse/index.js';

function micros(utcMillis: number): bigint {
  return BigInt(utcMillis) * 1000n;
}

function dto(text: string): bigint {
  const literal = parseLiteral(text);
  assert.equal(literal.type, 'dateTimeOffset', text);
  return (literal as Extract<LiteralToken, { type: 'dateTimeOffset' }>).epochMicros;
}

function rejects(text: string, message: RegExp): ODataError {
  try {
    parseLiteral(text);
  } catch (error) {
    assert.ok(error instanceof ODataError, `expected ODataError for ${text}, got ${String(error)}`);
    assert.equal(error.kind, 'syntax');
    assert.match(error.message, message);
    assert.ok(error.span, 'span is set');
    return error;
  }
  assert.fail(`expected ${text} to be rejected`);
}

describe('DateTimeOffset literals', () => {
  it('converts offsets exactly to UTC epoch microseconds', () => {
    assert.equal(dto('2024-07-30T08:00:00+02:00'), micros(Date.UTC(2024, 6, 30, 6)));
    assert.equal(dto('2024-07-30T08:00:00-05:30'), micros(Date.UTC(2024, 6, 30, 13, 30)));
    assert.equal(dto('2024-07-30T08:00:00Z'), micros(Date.UTC(2024, 6, 30, 8)));
  });

  it('accepts optional seconds and 0 to 7 fractional digits, truncating below microseconds', () => {
    assert.equal(dto('2024-07-30T08:00Z'), micros(Date.UTC(2024, 6, 30, 8)));
    assert.equal(dto('2024-07-24T00:00:00.000Z'), micros(Date.UTC(2024, 6, 24)));
    assert.equal(dto('2024-07-30T09:13:46.247Z'), micros(Date.UTC(2024, 6, 30, 9, 13, 46, 247)));
    assert.equal(dto('2024-07-30T09:13:46.1234Z'), micros(Date.UTC(2024, 6, 30, 9, 13, 46)) + 123_400n);
    assert.equal(dto('2024-07-30T09:13:46.1234567Z'), micros(Date.UTC(2024, 6, 30, 9, 13, 46)) + 123_456n);
    rejects('2024-07-30T09:13:46.12345678Z', /fractional seconds .* 1 to 7 digits/);
  });

  it('keeps the text as written', () => {
    const literal = parseLiteral('2024-07-31T02:56:57.996Z');
    assert.equal(literal.type === 'dateTimeOffset' && literal.text, '2024-07-31T02:56:57.996Z');
  });

  it('covers the whole .NET range and nothing beyond it', () => {
    // 62,135,596,800 s: the distance from 0001-01-01 to 1970-01-01 (.NET's DateTime.UnixEpoch ticks / 10^7).
    assert.equal(dto('0001-01-01T00:00:00Z'), -62_135_596_800n * 1_000_000n);
    assert.equal(dto('9999-12-31T23:59:59.9999999Z'), micros(Date.UTC(9999, 11, 31, 23, 59, 59)) + 999_999n);
    rejects('0000-01-01T00:00Z', /year .* 0001 and 9999/);
    rejects('10000-01-01T00:00Z', /year .* 0001 and 9999/);
    rejects('0001-01-01T00:00:00+01:00', /outside the years 0001 to 9999/);
  });

  it('takes a leap second as 59 seconds plus one', () => {
    assert.equal(dto('1972-06-30T23:59:60Z'), micros(Date.UTC(1972, 6, 1)));
  });

  it('rejects T24:00, invalid calendar dates, missing or out-of-range offsets', () => {
    rejects('2011-12-31T24:00Z', /hour .* between 00 and 23/);
    rejects('2023-02-29T00:00Z', /day .* not a valid day/);
    rejects('2024-13-01T00:00Z', /month .* between 01 and 12/);
    rejects('2024-07-30T08:00:00', /time zone information is missing/);
    rejects('2024-07-30T08:00:00+15:00', /between -14:00 and \+14:00/);
    rejects('2024-07-30T08:61Z', /minute/);
  });
});

describe('date and time-of-day literals', () => {
  it('reads a date-only literal as a date, not a DateTimeOffset', () => {
    assert.deepEqual(parseLiteral('2025-05-03'), {
      kind: 'literal',
      type: 'date',
      year: 2025,
      month: 5,
      day: 3,
      span: { start: 0, end: 10 },
    });
    assert.equal(parseLiteral('2024-02-29').type, 'date');
    rejects('2025-02-29', /day/);
  });

  it('reads times of day as microseconds since midnight', () => {
    const time = (text: string) => {
      const literal = parseLiteral(text);
      assert.equal(literal.type, 'timeOfDay');
      return (literal as Extract<LiteralToken, { type: 'timeOfDay' }>).micros;
    };
    assert.equal(time('13:20'), (13n * 3600n + 20n * 60n) * 1_000_000n);
    assert.equal(time('13:20:00.1234567'), (13n * 3600n + 20n * 60n) * 1_000_000n + 123_456n);
    rejects('24:00:00', /hour/);
  });
});

describe('GUID literals', () => {
  it('accepts unquoted GUIDs in any case and canonicalises to lower case', () => {
    const literal = parseLiteral('DD1C6DF8-BE81-4d11-8d39-291233F32FB9');
    assert.deepEqual(literal, {
      kind: 'literal',
      type: 'guid',
      value: 'dd1c6df8-be81-4d11-8d39-291233f32fb9',
      span: { start: 0, end: 36 },
    });
  });

  it('tells a GUID that starts with letters from a property name', () => {
    assert.equal(parseFilter('DesktopGroupId eq dd1c6df8-be81-4d11-8d39-291233f32fb9').kind, 'binary');
    assert.equal(parseFilter('deadbeef').kind, 'path');
  });
});

describe('numeric literals', () => {
  it('reads integers as Int64 and checks the range', () => {
    assert.deepEqual(parseLiteral('-9223372036854775808'), {
      kind: 'literal',
      type: 'integer',
      value: -9223372036854775808n,
      span: { start: 0, end: 20 },
    });
    rejects('9223372036854775808', /outside the range of Edm\.Int64/);
    assert.equal((parseLiteral('42L') as { value: bigint }).value, 42n);
    assert.equal((parseLiteral('+42') as { value: bigint }).value, 42n);
  });

  it('reads a fraction as an exact decimal and an exponent as a double', () => {
    assert.deepEqual(parseLiteral('2.55'), { kind: 'literal', type: 'decimal', value: '2.55', span: { start: 0, end: 4 } });
    assert.equal((parseLiteral('1.50m') as { value: string }).value, '1.50');
    assert.equal((parseLiteral('1.5e3m') as { value: string }).value, '1500');
    assert.deepEqual(parseLiteral('-1.234567e3'), { kind: 'literal', type: 'double', value: -1234.567, span: { start: 0, end: 11 } });
    assert.equal((parseLiteral('1.5d') as { value: number }).value, 1.5);
    assert.equal((parseLiteral('2f') as { value: number }).value, 2);
  });

  it('reads INF, -INF and NaN as doubles', () => {
    assert.equal((parseLiteral('INF') as { value: number }).value, Infinity);
    assert.equal((parseLiteral('-INF') as { value: number }).value, -Infinity);
    assert.ok(Number.isNaN((parseLiteral('NaN') as { value: number }).value));
  });

  it('rejects malformed numbers', () => {
    rejects('42.', /Digit expected at position 3/);
    rejects('1e', /Digit expected/);
    rejects('0time', /not a valid number/);
  });
});

describe('string, boolean, null and duration literals', () => {
  it("reads single-quoted strings with '' as an escaped quote", () => {
    assert.deepEqual(parseLiteral("'O''Neil'"), { kind: 'literal', type: 'string', value: "O'Neil", span: { start: 0, end: 9 } });
    assert.equal((parseLiteral("'DOMAIN\\HOSTNAME'") as { value: string }).value, 'DOMAIN\\HOSTNAME');
  });

  it('reports an unterminated string with its position', () => {
    const error = rejects("'abc", /^Unterminated string literal at position 0 in ''abc'\.$/);
    assert.deepEqual(error.span, { start: 0, end: 4 });
  });

  it('reads true/false case-insensitively, and null', () => {
    assert.equal((parseLiteral('tRUe') as { value: boolean }).value, true);
    assert.equal((parseLiteral('FALSE') as { value: boolean }).value, false);
    assert.equal(parseLiteral('null').type, 'null');
  });

  it("reads duration'...' as signed microseconds and rejects years and months", () => {
    const duration = (text: string) => (parseLiteral(text) as Extract<LiteralToken, { type: 'duration' }>).micros;
    assert.equal(duration("duration'P1DT2H'"), (86_400n + 7_200n) * 1_000_000n);
    assert.equal(duration("duration'-PT0.5S'"), -500_000n);
    assert.equal(duration("duration'P6DT23H59M59.9999S'"), (6n * 86_400n + 23n * 3600n + 59n * 60n + 59n) * 1_000_000n + 999_900n);
    rejects("duration'P1Y'", /years and months are not allowed/);
    rejects("duration'PT'", /not valid/);
  });
});

describe('OData v3 typed literals', () => {
  for (const text of [
    "datetime'2022-05-10T09:19:49'",
    "DateTime'2022-05-10T09:19:49'",
    "datetimeoffset'2022-05-10T09:19:49Z'",
    "guid'dd1c6df8-be81-4d11-8d39-291233f32fb9'",
    "time'PT1H'",
    "X'1a2B3c4D'",
  ]) {
    it(`rejects ${text} as not supported in OData v4`, () => {
      const error = rejects(text, /OData v3 form .* not supported in OData v4/);
      assert.deepEqual(error.span, { start: 0, end: text.length });
    });
  }

  it('rejects them inside a filter with the span of the literal', () => {
    const text = "SummaryDate ge datetime'2022-05-10T09:19:49'";
    assert.throws(
      () => parseFilter(text),
      (error: unknown) =>
        error instanceof ODataError &&
        error.kind === 'syntax' &&
        /not supported in OData v4/.test(error.message) &&
        error.span?.start === 15 &&
        error.span.end === text.length,
    );
  });

  it('rejects binary, geography and enum literals as unsupported', () => {
    rejects("binary'Zm9v'", /Binary literals .* not supported/);
    rejects("geography'SRID=0;Point(1 2)'", /Geography literals/);
    rejects("Sales.Pattern'Yellow'", /Enumeration literals/);
  });
});
