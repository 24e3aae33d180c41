import { statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CUSTOMER_ID, DEFAULT_DAYS, DEFAULT_MACHINES, DEFAULT_SEED } from '../generate/defaults.js';
import {
  generateFleet,
  validateGenerateOptions,
  type GenerateFleetOptions,
  type GenerateProgress,
  type GenerateResult,
} from '../generate/generate-fleet.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDbStore } from '../store/duckdb/duckdb-store.js';
import { hasCustomer } from '../store/meta.js';
import { loadFromDuckDb } from '../store/postgres/load-from-duckdb.js';
import { isPostgresUrl } from '../store/postgres/postgres-store.js';
import { databaseLocation, describeLocation, openStore } from './engine.js';

export interface GenerateCommandOptions {
  readonly db: string;
  readonly machines?: string | number;
  readonly days?: string | number;
  readonly seed?: string | number;
  /** Exclusive end of the data, YYYY-MM-DD; default today (UTC). */
  readonly end?: string;
  readonly customer?: string;
  /** `bar` (cli-progress), `lines` (one line per step) or `none`. Default: `bar` on a TTY, else `lines`. */
  readonly progress?: 'bar' | 'lines' | 'none';
}

function integer(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(String(value))}`);
  return Number(text);
}

function integerOption(name: string): (value: string) => string {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`--${name} must be a non-negative integer.`);
    return value.trim();
  };
}

type Reporter = { readonly onProgress: (p: GenerateProgress) => void; readonly done: () => void };

/** A cli-progress bar per step; a finished step's bar stays on screen as its line. */
function barReporter(): Reporter {
  const bar = new cliProgress.SingleBar(
    { format: '{step} |{bar}| {value}/{total} {unit} | {seconds}s', hideCursor: true, stream: process.stderr, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  let started = 0;
  let active = false;
  const units: Record<string, string> = { 'raw samples': 'days', sessions: 'tables', rollups: 'steps', dimensions: 'tables' };
  return {
    onProgress(p) {
      const label = `[${p.stepIndex}/${p.stepCount}] ${p.step.padEnd(14)}`;
      const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
      if (label !== current) {
        if (active) bar.stop();
        current = label;
        started = performance.now();
        bar.start(p.total, p.done, { step: label, unit: units[p.step] ?? '', seconds: seconds() });
        active = true;
      } else {
        bar.update(p.done, { seconds: seconds() });
      }
    },
    done() {
      if (active) bar.stop();
      active = false;
    },
  };
}

/** Plain text for logs and pipes: one line per finished step. */
function lineReporter(): Reporter {
  let started = performance.now();
  let printed = '';
  return {
    onProgress(p) {
      if (p.done === 0) started = performance.now();
      if (p.done === p.total && printed !== p.step) {
        printed = p.step;
        process.stderr.write(`[${p.stepIndex}/${p.stepCount}] ${p.step}: done in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
      }
    },
    done() {},
  };
}

const silent: Reporter = { onProgress() {}, done() {} };

/**
 * Generates one customer's fleet into a DuckDB file (created if missing). Used by `generate` and
 * by `demo`. Throws an Error with a user-facing message on invalid options.
 */
export async function runGenerate(opts: GenerateCommandOptions): Promise<GenerateResult> {
  const options = {
    customerId: opts.customer ?? DEFAULT_CUSTOMER_ID,
    machines: integer('machines', opts.machines, DEFAULT_MACHINES),
    days: integer('days', opts.days, DEFAULT_DAYS),
    seed: integer('seed', opts.seed, DEFAULT_SEED),
    end: opts.end,
  };
  // Validate before touching the file.
  validateGenerateOptions(options);
  const mode = opts.progress ?? (process.stderr.isTTY ? 'bar' : 'lines');
  const reporter = mode === 'bar' ? barReporter() : mode === 'lines' ? lineReporter() : silent;
  if (isPostgresUrl(opts.db)) return generateIntoPostgres(opts.db, options, reporter, mode);
  const store = await openDuckDbStore(opts.db);
  try {
    const result = await generateFleet(store, { ...options, onProgress: reporter.onProgress });
    reporter.done();
    return result;
  } finally {
    reporter.done();
    await store.close();
  }
}

/**
 * PostgreSQL: the fleet is generated in a temporary DuckDB file (the generator's SQL is DuckDB's),
 * then copied in table by table with COPY, and the file removed.
 */
async function generateIntoPostgres(url: string, options: GenerateFleetOptions & { customerId: string }, reporter: Reporter, mode: 'bar' | 'lines' | 'none'): Promise<GenerateResult> {
  const target = await openStore(url);
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-generate-'));
  try {
    if (target.engine !== 'postgres') throw new Error(`${url} is not a PostgreSQL URL`);
    if (await hasCustomer(target, options.customerId)) throw new Error(`customer ${options.customerId} is already in ${describeLocation(url)}`);
    const staging = await openDuckDbStore(join(dir, 'fleet.duckdb'));
    try {
      const result = await generateFleet(staging, { ...options, onProgress: reporter.onProgress });
      reporter.done();
      const started = performance.now();
      const bar = mode === 'bar' ? new cliProgress.SingleBar({ format: '[load] copy into PostgreSQL |{bar}| {value}/{total} tables | {table}', stream: process.stderr, barsize: 30 }, cliProgress.Presets.shades_classic) : undefined;
      await loadFromDuckDb(staging, target, {
        customerId: options.customerId,
        onProgress: (p) => {
          if (p.done === 0) bar?.start(p.tables, 0, { table: p.table });
          else bar?.update(p.done, { table: p.table });
        },
      });
      bar?.stop();
      if (mode !== 'none') process.stderr.write(`[load] copied into PostgreSQL in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
      return result;
    } finally {
      await staging.close();
    }
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function summary(db: string, r: GenerateResult): string {
  const total = Object.values(r.seconds).reduce((a, b) => a + b, 0);
  const rows = Object.entries(r.rows)
    .sort(([, a], [, b]) => b - a)
    .map(([t, n]) => `  ${t.padEnd(36)} ${n.toLocaleString('en-US').padStart(14)}`);
  let size = '';
  try {
    size = ` (${(statSync(db).size / 1024 ** 2).toFixed(1)} MiB)`;
  } catch {
    // the file may be reported elsewhere (e.g. :memory:)
  }
  return [
    `customer ${r.customerId}: ${r.start.toISOString().slice(0, 10)} to ${r.end.toISOString().slice(0, 10)} (exclusive), generated in ${total.toFixed(1)}s into ${db}${size}`,
    ...rows,
  ].join('\n');
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('generate a deterministic, realistic fleet (machines, sessions, 5-minute samples, summaries) into a DuckDB file or PostgreSQL')
    .option('--db <file|url>', 'DuckDB database file (created if missing) or postgres:// URL (default: DATABASE_URL); other customers in it are kept')
    .option('--machines <n>', 'number of machines', integerOption('machines'), String(DEFAULT_MACHINES))
    .option('--days <n>', 'days of history', integerOption('days'), String(DEFAULT_DAYS))
    .option('--seed <n>', 'random seed (same seed, same data)', integerOption('seed'), String(DEFAULT_SEED))
    .option('--end <date>', 'exclusive end of the data, YYYY-MM-DD (default: today, UTC)')
    .option('--customer <id>', 'customer id the rows belong to (regenerating a customer replaces its rows)', DEFAULT_CUSTOMER_ID)
    .addOption(new Option('--progress <mode>', 'progress display (default: bar on a terminal, else one line per step)').choices(['bar', 'lines', 'none']))
    .action(
      async (
        opts: { db?: string; machines: string; days: string; seed: string; end?: string; customer: string; progress?: 'bar' | 'lines' | 'none' },
        command: Command,
      ) => {
        let result: GenerateResult;
        let db: string;
        try {
          db = databaseLocation(opts.db);
          result = await runGenerate({ ...opts, db });
        } catch (e) {
          command.error(`error: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 1 });
        }
        const write = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
        write(`${summary(describeLocation(db), result)}\n`);
      },
    );
}
