// DateTimeOffset values travel through the pipeline as microseconds since the Unix epoch (UTC).

const MICROS_PER_MS = 1000n;

function parts(micros: bigint): { date: Date; fraction: number } {
  let ms = micros / MICROS_PER_MS;
  let rest = micros % MICROS_PER_MS;
  if (rest < 0n) {
    rest += MICROS_PER_MS;
    ms -= 1n;
  }
  const date = new Date(Number(ms));
  return { date, fraction: date.getUTCMilliseconds() * 1000 + Number(rest) };
}

function yearText(date: Date): string {
  return String(date.getUTCFullYear()).padStart(4, '0');
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const MICROS_PER_DAY = 86_400_000_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => pad(i));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** `YYYY-MM-DDT` by day since the epoch: result pages repeat few days, and Date is slow to format. */
const dayPrefixes = new Map<number, string>();

function dayPrefix(day: number): string {
  let text = dayPrefixes.get(day);
  if (text === undefined) {
    const date = new Date(day * 86_400_000);
    text = `${yearText(date)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T`;
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    dayPrefixes.set(day, text);
  }
  return text;
}

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Recently written instants: a page repeats few of them (one SummaryDate per hour, one CreatedDate per rollup). */
const instantTexts = new Map<number, string>();
const MAX_INSTANT_TEXTS = 8192;

/** OData JSON form as ASP.NET writes it: `2024-07-30T09:13:46.247Z`, fraction trimmed, none when zero. */
export function odataDateTimeOffset(micros: bigint): string {
  const n = Number(micros);
  // Exact in a double up to 2^53 microseconds (year 2255); beyond, the slower exact path.
  if (!Number.isSafeInteger(n)) return slowOdataDateTimeOffset(micros);
  let text = instantTexts.get(n);
  if (text === undefined) {
    text = instantText(n);
    if (instantTexts.size >= MAX_INSTANT_TEXTS) instantTexts.clear();
    instantTexts.set(n, text);
  }
  return text;
}

function instantText(n: number): string {
  const day = Math.floor(n / MICROS_PER_DAY);
  const ofDay = n - day * MICROS_PER_DAY;
  const second = Math.floor(ofDay / 1_000_000);
  const fraction = ofDay - second * 1_000_000;
  const base = dayPrefix(day) + TWO_DIGITS[Math.floor(second / 3600)]! + ':' + TWO_DIGITS[Math.floor(second / 60) % 60]! + ':' + TWO_DIGITS[second % 60]!;
  if (fraction === 0) return `${base}Z`;
  const millis = Math.floor(fraction / 1000);
  const micro = fraction - millis * 1000;
  return `${base}.${trimZeros(micro === 0 ? THREE_DIGITS[millis]! : THREE_DIGITS[millis]! + THREE_DIGITS[micro]!)}Z`;
}

function trimZeros(digits: string): string {
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--;
  return digits.slice(0, end);
}

function slowOdataDateTimeOffset(micros: bigint): string {
  const { date, fraction } = parts(micros);
  const base = `${yearText(date)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  if (fraction === 0) return `${base}Z`;
  return `${base}.${trimZeros(String(fraction).padStart(6, '0'))}Z`;
}

/** SQL timestamp literal text, `2024-07-30 09:13:46.247000`, for casting a bound parameter. */
export function sqlTimestampText(micros: bigint): string {
  const { date, fraction } = parts(micros);
  return `${yearText(date)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${String(fraction).padStart(6, '0')}`;
}

/** `HH:MM:SS.ffffff` of a time of day given in microseconds since midnight. */
export function timeOfDayText(micros: bigint): string {
  const total = Number(micros);
  const seconds = Math.floor(total / 1_000_000);
  const fraction = total % 1_000_000;
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}.${String(fraction).padStart(6, '0')}`;
}
