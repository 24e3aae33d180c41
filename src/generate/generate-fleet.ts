// Generates one customer's fleet into a DuckDB store, deterministically from a seed, in a single
// transaction: regenerating a customer replaces all of its rows or none of them, and other
// customers in the same file are never touched.
import { CUSTOMER_COLUMN, monitorModel } from '../model/model.js';
import { ensureSchema, META_TABLE, SCHEMA_VERSION, tableDefs } from '../store/ddl.js';
import { appendEntities, type EntityRow } from '../store/duckdb/duckdb-append.js';
import type { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import { recomputeRollups, rollupStatements } from '../store/rollups.js';
import { activityStatements } from './activity.js';
import { CUSTOMER_ID_PATTERN, DEFAULT_CUSTOMER_ID, defaultEnd, parseDay } from './defaults.js';
import { machinesInsert } from './machines.js';
import { planFleet, type FleetPlan } from './plan.js';
import { sampleStatements } from './samples.js';
import { macroStatements, type GenerationContext } from './sql-context.js';
import { createStaging, dropStaging } from './staging.js';

export interface GenerateFleetOptions {
  /** Tenant the rows belong to. Default DEFAULT_CUSTOMER_ID. */
  readonly customerId?: string;
  readonly machines: number;
  readonly days: number;
  readonly seed: number;
  /** Exclusive end of the data: `YYYY-MM-DD` or a Date at 00:00 UTC. Default: today 00:00 UTC. */
  readonly end?: string | Date;
  readonly onProgress?: (progress: GenerateProgress) => void;
}

export const GENERATE_STEPS = [
  'prepare',
  'dimensions',
  'sessions',
  'raw samples',
  'derived series',
  'machines',
  'rollups',
  'commit',
] as const;
export type GenerateStep = (typeof GENERATE_STEPS)[number];

export interface GenerateProgress {
  readonly step: GenerateStep;
  /** 1-based position of the step in GENERATE_STEPS. */
  readonly stepIndex: number;
  readonly stepCount: number;
  /** Units of work done in this step (0 when it starts, `total` when it ends). */
  readonly done: number;
  readonly total: number;
}

export interface GenerateResult {
  readonly customerId: string;
  /** First instant of the data (UTC). */
  readonly start: Date;
  /** Exclusive end of the data (UTC). */
  readonly end: Date;
  /** Rows per table for this customer, for tables that have any. */
  readonly rows: Readonly<Record<string, number>>;
  /** Wall-clock seconds per step. */
  readonly seconds: Readonly<Record<GenerateStep, number>>;
}

/**
 * Tables written earlier in the same transaction have no statistics yet, so DuckDB estimates them
 * as tiny and rewrites ASOF joins into nested-loop joins (measured: 20 s instead of 0.1 s for one
 * week of 400 machines). Always use the ASOF operator.
 */
export const PLANNER_SETTINGS = 'SET asof_loop_join_threshold = 0';

export const LIMITS = { maxMachines: 100_000, maxDays: 3660 } as const;

interface ValidOptions {
  readonly customerId: string;
  readonly machines: number;
  readonly days: number;
  readonly seed: number;
  readonly end: Date;
}

/** Checks and normalises options; throws an Error with a user-facing message. */
export function validateGenerateOptions(options: GenerateFleetOptions): ValidOptions {
  const customerId = options.customerId ?? DEFAULT_CUSTOMER_ID;
  if (!CUSTOMER_ID_PATTERN.test(customerId)) {
    throw new Error(`customer id must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit): ${JSON.stringify(customerId)}`);
  }
  const { machines, days, seed } = options;
  if (!Number.isInteger(machines) || machines < 1 || machines > LIMITS.maxMachines) {
    throw new Error(`machines must be an integer from 1 to ${LIMITS.maxMachines}: ${machines}`);
  }
  if (!Number.isInteger(days) || days < 1 || days > LIMITS.maxDays) {
    throw new Error(`days must be an integer from 1 to ${LIMITS.maxDays}: ${days}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer: ${seed}`);
  let end: Date;
  if (options.end === undefined) end = defaultEnd();
  else if (typeof options.end === 'string') {
    const parsed = parseDay(options.end);
    if (parsed === undefined) throw new Error(`end must be a date YYYY-MM-DD: ${JSON.stringify(options.end)}`);
    end = parsed;
  } else {
    end = options.end;
    if (Number.isNaN(end.getTime()) || end.getTime() % 86_400_000 !== 0) throw new Error(`end must be a date at 00:00 UTC: ${String(options.end)}`);
  }
  return { customerId, machines, days, seed, end };
}

async function countRows(store: DuckDbStore, customerId: string): Promise<Record<string, number>> {
  const tables = tableDefs(monitorModel).map((d) => d.name);
  const sql = tables
    .map((t) => `SELECT '${t}' AS t, count(*) AS n FROM "${t}" WHERE "${CUSTOMER_COLUMN}" = $1`)
    .join('\nUNION ALL\n');
  const result = await store.query({ sql, parameters: [customerId] });
  const rows: Record<string, number> = {};
  for (const [t, n] of result.rows) if (Number(n) > 0) rows[String(t)] = Number(n);
  return rows;
}

function dimensionAppends(plan: FleetPlan): readonly (readonly [entityType: string, rows: readonly EntityRow[]])[] {
  return [
    ['Citrix.Monitor.Model.Hypervisor', plan.hypervisors],
    ['Citrix.Monitor.Model.Catalog', plan.catalogs],
    ['Citrix.Monitor.Model.DesktopGroup', plan.desktopGroups],
    ['Citrix.Monitor.Model.PublishedDesktopName', plan.publishedDesktopNames],
    ['Citrix.Monitor.Model.User', plan.users],
    ['Citrix.Monitor.Model.VShared.ConnectionFailureCategory', plan.connectionFailureCategories],
    ['Citrix.Monitor.Model.MachineCost', plan.machineCosts],
  ];
}

/**
 * Generates (or regenerates) the fleet of one customer: plans it in JS, loads the dimensions
 * through the Appender, generates sessions and 5-minute samples in SQL, then the summaries.
 * Opens the schema if needed. Deterministic: same options, same rows (except `_meta.generated_at`).
 */
export async function generateFleet(store: DuckDbStore, options: GenerateFleetOptions): Promise<GenerateResult> {
  const opts = validateGenerateOptions(options);
  const began = performance.now();
  const seconds = Object.fromEntries(GENERATE_STEPS.map((s) => [s, 0])) as Record<GenerateStep, number>;
  let stepStarted = began;
  const report = (step: GenerateStep, done: number, total: number): void => {
    options.onProgress?.({ step, stepIndex: GENERATE_STEPS.indexOf(step) + 1, stepCount: GENERATE_STEPS.length, done, total });
  };
  const begin = (step: GenerateStep, total: number): void => {
    stepStarted = performance.now();
    report(step, 0, total);
  };
  const finish = (step: GenerateStep, total: number): void => {
    seconds[step] = (performance.now() - stepStarted) / 1000;
    report(step, total, total);
  };

  begin('prepare', 1);
  const plan = planFleet({ customerId: opts.customerId, machines: opts.machines, days: opts.days, seed: opts.seed, endMs: opts.end.getTime() });
  const ctx: GenerationContext = {
    customerId: opts.customerId,
    seed: opts.seed,
    days: opts.days,
    startMs: plan.startMs,
    endMs: plan.endMs,
    userCount: plan.users.length,
    assignedUsers: plan.assignedUsers,
  };
  const rollupRange = { customerId: opts.customerId, from: plan.startMs, to: plan.endMs, dataEnd: plan.endMs };
  // Build every statement that names model properties now, so a mistake fails before any work.
  const activitySql = activityStatements(ctx);
  const samplesSql = sampleStatements(ctx);
  const machinesSql = machinesInsert(ctx);
  const rollupCount = rollupStatements(rollupRange).length;
  await ensureSchema(store);
  const customer = [opts.customerId];

  try {
    await store.transaction(async () => {
      // A regenerated customer replaces its previous rows (inside this transaction).
      for (const t of tableDefs(monitorModel).map((d) => d.name)) {
        await store.execute(`DELETE FROM "${t}" WHERE "${CUSTOMER_COLUMN}" = $1`, [opts.customerId]);
      }
      await store.execute(`DELETE FROM "${META_TABLE}" WHERE customer_id = $1`, [opts.customerId]);
      await store.execute(macroStatements(ctx));
      await store.execute(PLANNER_SETTINGS);
      finish('prepare', 1);

      const appends = dimensionAppends(plan);
      begin('dimensions', appends.length + 1);
      await createStaging(store, plan);
      for (let n = 0; n < appends.length; n++) {
        const [type, rows] = appends[n];
        await appendEntities(store.connection, monitorModel, type, opts.customerId, rows);
        report('dimensions', n + 1, appends.length + 1);
      }
      finish('dimensions', appends.length + 1);

      begin('sessions', activitySql.length);
      for (let n = 0; n < activitySql.length; n++) {
        await store.execute(activitySql[n].sql, activitySql[n].customer ? customer : []);
        report('sessions', n + 1, activitySql.length);
      }
      finish('sessions', activitySql.length);

      begin('raw samples', opts.days);
      for (const batch of samplesSql.batches) {
        await store.execute(batch.sql, customer);
        report('raw samples', batch.daysDone, opts.days);
      }
      finish('raw samples', opts.days);

      begin('derived series', samplesSql.derived.length);
      for (let n = 0; n < samplesSql.derived.length; n++) {
        await store.execute(samplesSql.derived[n], customer);
        report('derived series', n + 1, samplesSql.derived.length);
      }
      finish('derived series', samplesSql.derived.length);

      begin('machines', 1);
      await store.execute(machinesSql, customer);
      finish('machines', 1);

      begin('rollups', rollupCount);
      await recomputeRollups(store, rollupRange, { onStep: (_label, done) => report('rollups', done, rollupCount) });
      finish('rollups', rollupCount);

      begin('commit', 1);
      await store.execute(
        `INSERT INTO "${META_TABLE}" (customer_id, schema_version, seed, machines, days, end_date, generated_at)
         VALUES ($1, ${SCHEMA_VERSION}, ${opts.seed}, ${opts.machines}, ${opts.days}, $2::DATE, now()::TIMESTAMP)`,
        [opts.customerId, opts.end.toISOString().slice(0, 10)],
      );
      await dropStaging(store);
    });
  } finally {
    await store.execute('RESET asof_loop_join_threshold');
  }
  await store.execute('CHECKPOINT');
  finish('commit', 1);

  return {
    customerId: opts.customerId,
    start: new Date(plan.startMs),
    end: new Date(plan.endMs),
    rows: await countRows(store, opts.customerId),
    seconds,
  };
}
