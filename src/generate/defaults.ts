/** The customer a fleet belongs to when none is given: a fixed demo tenant id. */
export const DEFAULT_CUSTOMER_ID = '5b1d2c8e-0f3a-4e7b-9c6d-2a4f8e1b3c70';

export const DEFAULT_MACHINES = 200;
export const DEFAULT_DAYS = 30;
export const DEFAULT_SEED = 1;

/** Customer ids are embedded in generated names and keys, so they are restricted to a safe alphabet. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Today's date at 00:00 UTC: the default exclusive end of generated data. */
export function defaultEnd(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Parses `YYYY-MM-DD` as 00:00 UTC of that date; undefined when the text is not a real date. */
export function parseDay(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text ? d : undefined;
}
