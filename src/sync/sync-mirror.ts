// A mirror run: every chosen entity set in turn, each from its own checkpoint. A set the upstream
// refuses (not licensed, not present in its version) is reported and the others still run.
import type { EntitySetDef } from '../model/types.js';
import { createCheckpointTableSql } from './sync-checkpoints.js';
import { syncSet, type MirrorTarget, type SetProgress, type SetResult } from './sync-set.js';
import type { Upstream } from './upstream.js';

export interface MirrorReporter {
  setStarted?(set: string): void;
  page?(progress: SetProgress): void;
  setFinished?(result: SetResult): void;
  setFailed?(set: string, error: unknown): void;
}

export interface MirrorRun {
  readonly results: readonly SetResult[];
  readonly failures: readonly { readonly set: string; readonly error: unknown }[];
  readonly rows: number;
  readonly milliseconds: number;
}

export async function ensureCheckpointTable(target: MirrorTarget): Promise<void> {
  await target.store.execute(createCheckpointTableSql(target.dialect));
}

export async function syncMirror(
  target: MirrorTarget,
  upstream: Upstream,
  sets: readonly EntitySetDef[],
  options: { readonly reporter?: MirrorReporter; readonly signal?: AbortSignal } = {},
): Promise<MirrorRun> {
  const started = performance.now();
  await ensureCheckpointTable(target);
  const results: SetResult[] = [];
  const failures: { set: string; error: unknown }[] = [];
  const reporter = options.reporter ?? {};
  for (const set of sets) {
    options.signal?.throwIfAborted();
    reporter.setStarted?.(set.name);
    try {
      const result = await syncSet(target, upstream, set, { signal: options.signal, onPage: (p) => reporter.page?.(p) });
      results.push(result);
      reporter.setFinished?.(result);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      failures.push({ set: set.name, error });
      reporter.setFailed?.(set.name, error);
    }
  }
  return { results, failures, rows: results.reduce((n, r) => n + r.rows, 0), milliseconds: performance.now() - started };
}
