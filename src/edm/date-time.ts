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

/** OData JSON form as ASP.NET writes it: `2024-07-30T09:13:46.247Z`, fraction trimmed, none when zero. */
export function odataDateTimeOffset(micros: bigint): string {
  const { date, fraction } = parts(micros);
  const base = `${yearText(date)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  if (fraction === 0) return `${base}Z`;
  return `${base}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}Z`;
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
