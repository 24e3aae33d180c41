// The SQL side of the generator's randomness and time handling. Everything time-based is computed
// in BIGINT milliseconds since the epoch and turned into TIMESTAMP only when written.
import { CUSTOMER_ID_PATTERN } from './defaults.js';

export interface GenerationContext {
  readonly customerId: string;
  readonly seed: number;
  readonly days: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly userCount: number;
  /** Users 1..assignedUsers belong to private machines. */
  readonly assignedUsers: number;
}

/** A SQL string literal for a customer id (the id is restricted to a safe alphabet). */
export function customerLiteral(customerId: string): string {
  if (!CUSTOMER_ID_PATTERN.test(customerId)) throw new Error(`invalid customer id ${JSON.stringify(customerId)}`);
  return `'${customerId}'`;
}

/**
 * Temporary macros (connection-local, never stored in the file):
 * - `_g_u(k, a, b)`: uniform in [0, 1), a pure function of (seed, k, a, b). `k` names the draw,
 *   `a`/`b` the entity and time, so every value is reproducible on its own, in any order, in parallel.
 * - `_g_ts(ms)`: TIMESTAMP from epoch milliseconds.
 * - `_g_key(kind, a, b)`: the md5 hex of (customer, seed, kind, a, b); `_g_guid(hex)` formats it as a v4-shaped UUID.
 */
export function macroStatements(ctx: GenerationContext): string {
  const cust = customerLiteral(ctx.customerId);
  return [
    `CREATE OR REPLACE TEMP MACRO _g_u(k, a, b) AS ((hash(${ctx.seed}::BIGINT, k, a, b) >> 11)::DOUBLE / 9007199254740992.0)`,
    `CREATE OR REPLACE TEMP MACRO _g_ts(ms) AS make_timestamp((ms)::BIGINT * 1000)`,
    `CREATE OR REPLACE TEMP MACRO _g_key(kind, a, b) AS md5(concat_ws(':', ${cust}, ${ctx.seed}, kind, a, b))`,
    `CREATE OR REPLACE TEMP MACRO _g_guid(h) AS (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' ||
      substr('89ab', (ascii(substr(h, 17, 1)) % 4) + 1, 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12))::UUID`,
  ].join(';\n');
}

/** The macros macroStatements() creates, for the final cleanup. */
export const MACRO_NAMES = ['_g_u', '_g_ts', '_g_key', '_g_guid'] as const;

/** Day of week (0 = Sunday) of the first generated day. */
export function firstWeekday(ctx: GenerationContext): number {
  return new Date(ctx.startMs).getUTCDay();
}

/** SQL: true when day number `d` (0 = first day) is Monday to Friday. */
export function weekdaySql(ctx: GenerationContext, d: string): string {
  return `((${d} + ${firstWeekday(ctx)}) % 7 BETWEEN 1 AND 5)`;
}
