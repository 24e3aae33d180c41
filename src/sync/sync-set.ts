// One entity set of a mirror brought up to date: each page is stored together with the new
// checkpoint in one transaction, so a crash at any moment loses nothing and the next run goes on
// from the last stored page (re-reading at most the rows that share its last instant).
import type { Model } from '../model/model.js';
import type { EntitySetDef } from '../model/types.js';
import type { SqlDialect } from '../store/dialect.js';
import { changeTrackingOf } from './change-tracking.js';
import { partitionKeeper } from './page-partitions.js';
import { pageWriter, type WritableStore } from './page-upsert.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './sync-checkpoints.js';
import { oneAhead, type Upstream } from './upstream.js';
import { changedRowsQuery, unstampedRowsQuery } from './upstream-query.js';

/** A store that can run a function inside one write transaction (both engines can). */


export interface MirrorTarget {
  readonly store: WritableStore;
  readonly dialect: SqlDialect;
  readonly model: Model;
  /** The customer the rows belong to, upstream and in the mirror. */
  readonly customerId: string;
  /** Recorded with each checkpoint, for operators. */
  readonly upstreamUrl: string;
}

export interface SetProgress {
  readonly set: string;
  /** Rows read from the upstream by this run so far. */
  readonly rows: number;
  /** Of those, the rows that were new or differed from the stored row with their key. */
  readonly changed: number;
  readonly pages: number;
}

export interface SetResult extends SetProgress {
  readonly checkpoint: Checkpoint;
  readonly milliseconds: number;
}

export async function syncSet(
  target: MirrorTarget,
  upstream: Upstream,
  set: EntitySetDef,
  options: { readonly signal?: AbortSignal; readonly onPage?: (progress: SetProgress) => void } = {},
): Promise<SetResult> {
  const started = performance.now();
  const { store, customerId } = target;
  const tracking = changeTrackingOf(target.model, set);
  const type = target.model.entityType(set.entityType);
  const keepPartitions = partitionKeeper(store, target.model, type, target.dialect);
  const writer = pageWriter(store, target.model, type, target.dialect);
  let checkpoint = await readCheckpoint(store, customerId, set.name);
  let rows = 0;
  let changed = 0;
  let pages = 0;

  const walk = async (query: string, advance: (page: readonly Record<string, unknown>[]) => string | null) => {
    for await (const page of oneAhead(upstream.pages(query, { signal: options.signal }))) {
      pages++;
      if (page.value.length > 0) {
        const through = advance(page.value) ?? checkpoint.through;
        // Rows at a new instant may be followed by more at the same one: only a finished walk vouches for them.
        const complete = checkpoint.complete && through === checkpoint.through;
        const before = checkpoint;
        checkpoint = await store.transaction(async () => {
          await keepPartitions(page.value);
          const next: Checkpoint = { through, complete, rows: before.rows + (await writer.write(customerId, page.value)) };
          await writeCheckpoint(store, customerId, set.name, target.upstreamUrl, next);
          return next;
        });
        rows += page.value.length;
        changed += checkpoint.rows - before.rows;
      }
      options.onPage?.({ set: set.name, rows, changed, pages });
    }
  };

  // The queries are fixed before any walk: the checkpoint the run started from decides them.
  const walks: [string, (page: readonly Record<string, unknown>[]) => string | null][] = [];
  if (tracking.kind === 'whole') {
    walks.push([changedRowsQuery(set.name, tracking, checkpoint), () => null]);
  } else {
    if (tracking.nullable && checkpoint.through !== null) walks.push([unstampedRowsQuery(set.name, tracking), () => null]);
    walks.push([
      changedRowsQuery(set.name, tracking, checkpoint),
      (page) => {
        const value = page.at(-1)?.[tracking.column];
        return typeof value === 'string' ? value : null;
      },
    ]);
  }
  for (const [query, advance] of walks) await walk(query, advance);
  const finished: Checkpoint = { ...checkpoint, complete: true };
  await store.transaction(() => writeCheckpoint(store, customerId, set.name, target.upstreamUrl, finished));
  return { set: set.name, rows, changed, pages, checkpoint: finished, milliseconds: performance.now() - started };
}
