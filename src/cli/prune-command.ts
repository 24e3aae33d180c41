// `monitor-odata prune`: retention for a database that keeps history (a mirror, a long-running
// ingest). Deletes the event and sample rows older than a cutoff, per set if configured.
import { Command, InvalidArgumentError } from 'commander';
import { monitorModel } from '../model/model.js';
import type { EntitySetDef } from '../model/types.js';
import { prunableSets, pruneSet, retentionColumn } from '../store/retention.js';
import { databaseLocation, dialectFor, openStore } from './engine.js';
import { entitySets, timeSpan } from './option-values.js';

interface PruneOptions {
  readonly db?: string;
  readonly olderThan?: number;
  readonly before?: Date;
  readonly keep: readonly { readonly set: EntitySetDef; readonly milliseconds: number }[];
  readonly sets?: EntitySetDef[];
  readonly customer?: string;
  readonly json?: boolean;
}

function keepOption(value: string, previous: PruneOptions['keep']): PruneOptions['keep'] {
  const match = /^([^=]+)=(.+)$/.exec(value);
  if (match === null) throw new InvalidArgumentError('SET=AGE, for example ResourceUtilization=30d');
  const [set] = entitySets(monitorModel, match[1]!);
  if (retentionColumn(monitorModel, set!) === undefined) throw new InvalidArgumentError(`${set!.name} keeps no history to prune`);
  return [...previous, { set: set!, milliseconds: timeSpan(match[2]!) }];
}

function dateOption(value: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('a date, YYYY-MM-DD or an ISO 8601 instant');
  return date;
}

/** The cutoff per set: --keep for the sets it names, else --before or --older-than for all (or --sets) prunable sets. */
function cutoffs(options: PruneOptions, now: number): Map<EntitySetDef, number> {
  const result = new Map<EntitySetDef, number>();
  const everywhere = options.before?.getTime() ?? (options.olderThan === undefined ? undefined : now - options.olderThan);
  if (everywhere !== undefined) {
    for (const set of options.sets ?? prunableSets(monitorModel)) {
      if (retentionColumn(monitorModel, set) === undefined) throw new Error(`${set.name} keeps no history to prune`);
      result.set(set, everywhere);
    }
  }
  for (const { set, milliseconds } of options.keep) result.set(set, now - milliseconds);
  if (result.size === 0) throw new Error('say how much to keep: --older-than AGE, --before DATE or --keep SET=AGE');
  return result;
}

export function pruneCommand(): Command {
  return new Command('prune')
    .description('delete event and sample rows older than a cutoff (retention); sets that describe current things are kept')
    .option('--db <file-or-url>', 'DuckDB file or postgres:// URL (default: DATABASE_URL)')
    .option('--older-than <age>', 'delete rows older than this, e.g. 400d', timeSpan)
    .option('--before <date>', 'delete rows before this date (YYYY-MM-DD, UTC) instead of --older-than')
    .option('--keep <set=age>', 'per-set retention, e.g. ResourceUtilization=30d (repeatable; overrides --older-than for that set)', keepOption, [])
    .option('--sets <names>', 'only these sets (comma-separated)', (v) => entitySets(monitorModel, v))
    .option('--customer <id>', "only this customer's rows (default: every customer)")
    .option('--json', 'print the result as JSON')
    .action(async (raw: PruneOptions & { before?: string }, command: Command) => {
      try {
        const options: PruneOptions = { ...raw, before: raw.before === undefined ? undefined : dateOption(raw.before) };
        const plan = cutoffs(options, Date.now());
        const store = await openStore(databaseLocation(options.db));
        try {
          const results = [];
          for (const [set, cutoff] of plan) {
            const result = await pruneSet(store, dialectFor(store), monitorModel, set, BigInt(cutoff) * 1000n, options.customer);
            results.push({ ...result, before: new Date(cutoff).toISOString() });
            if (!options.json) console.log(`${set.name}: ${result.deleted} rows before ${new Date(cutoff).toISOString()} deleted${result.droppedPartitions.length > 0 ? ` (${result.droppedPartitions.length} partitions dropped)` : ''}`);
          }
          if (options.json) console.log(JSON.stringify({ sets: results, deleted: results.reduce((n, r) => n + r.deleted, 0) }));
        } finally {
          await store.close();
        }
      } catch (e) {
        command.error(`error: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 1 });
      }
    });
}
