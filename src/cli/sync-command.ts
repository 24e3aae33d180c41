// `monitor-odata sync`: mirrors one customer's Monitor data from an upstream endpoint (Citrix
// Cloud, an on-premises Director server, another instance of this service) into a database this
// service can serve, incrementally and crash-safely (see src/sync/).
import { Command } from 'commander';
import { MonitorClient } from '../client/index.js';
import { monitorModel } from '../model/model.js';
import type { EntitySetDef } from '../model/types.js';
import { syncMirror, type MirrorRun } from '../sync/sync-mirror.js';
import { databaseLocation, dialectFor, openStore } from './engine.js';
import { entitySets, timeSpan } from './option-values.js';
import { barReporter, lineReporter } from './sync-progress.js';
import { reportRetry } from './output/client-notices.js';

interface SyncOptions {
  readonly from: string;
  readonly customer: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly token?: string;
  readonly db?: string;
  readonly sets?: EntitySetDef[];
  readonly once?: boolean;
  readonly every?: number;
  readonly json?: boolean;
  readonly progress?: boolean;
}

function summary(run: MirrorRun): object {
  return {
    sets: run.results.map((r) => ({ set: r.set, rows: r.rows, changed: r.changed, pages: r.pages, through: r.checkpoint.through, milliseconds: Math.round(r.milliseconds) })),
    failures: run.failures.map((f) => ({ set: f.set, error: f.error instanceof Error ? f.error.message : String(f.error) })),
    rows: run.rows,
    changed: run.results.reduce((n, r) => n + r.changed, 0),
    milliseconds: Math.round(run.milliseconds),
  };
}

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export function syncCommand(): Command {
  return new Command('sync')
    .description("copy a customer's Monitor data from an upstream OData endpoint into a database, incrementally")
    .requiredOption('--from <baseUrl>', 'the upstream service root, e.g. https://api.cloud.com/monitorodata')
    .requiredOption('--customer <id>', 'the customer id (Citrix-CustomerId) upstream; the mirrored rows belong to it')
    .option('--client-id <id>', 'API client id for upstream tokens (env MONITOR_ODATA_CLIENT_ID)', process.env.MONITOR_ODATA_CLIENT_ID)
    .option('--client-secret <secret>', 'API client secret (env MONITOR_ODATA_CLIENT_SECRET)', process.env.MONITOR_ODATA_CLIENT_SECRET)
    .option('--token <token>', 'a bearer token to send instead of getting one (env MONITOR_ODATA_TOKEN)', process.env.MONITOR_ODATA_TOKEN)
    .option('--db <file-or-url>', 'the mirror: a DuckDB file or postgres:// URL (default: DATABASE_URL)')
    .option('--sets <names>', 'only these entity sets (comma-separated; default: all)', (v) => entitySets(monitorModel, v))
    .option('--once', 'run once and exit (the default)')
    .option('--every <interval>', 'run again at this interval until stopped, e.g. 15m', timeSpan)
    .option('--json', 'print a JSON summary line per run on stdout')
    .option('--no-progress', 'no progress output on stderr')
    .action(async (options: SyncOptions, command: Command) => {
      if (options.once && options.every !== undefined) command.error('error: give --once or --every, not both', { exitCode: 2 });
      const stopping = new AbortController();
      const stop = () => stopping.abort(new Error('stopped by signal'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let failed = false;
      try {
        const store = await openStore(databaseLocation(options.db));
        try {
          const client = new MonitorClient({
            baseUrl: options.from,
            customerId: options.customer,
            clientId: options.clientId,
            clientSecret: options.clientSecret,
            token: options.token,
            onRetry: options.progress === false ? undefined : reportRetry,
          });
          const target = { store, dialect: dialectFor(store), model: monitorModel, customerId: options.customer, upstreamUrl: options.from };
          for (;;) {
            const started = Date.now();
            const reporter = options.progress === false ? undefined : process.stderr.isTTY ? barReporter() : lineReporter();
            let run: MirrorRun;
            try {
              run = await syncMirror(target, client, options.sets ?? monitorModel.sets, { reporter, signal: stopping.signal });
            } finally {
              reporter?.stop();
            }
            if (options.json) process.stdout.write(`${JSON.stringify(summary(run))}\n`);
            failed = run.failures.length > 0;
            if (options.every === undefined || stopping.signal.aborted) break;
            await pause(Math.max(0, started + options.every - Date.now()), stopping.signal);
            if (stopping.signal.aborted) break;
          }
        } finally {
          await store.close();
        }
      } catch (e) {
        if (!stopping.signal.aborted) command.error(`error: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 1 });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      if (failed) process.exitCode = 1;
    });
}
