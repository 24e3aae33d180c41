import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { runGenerate } from './generate-command.js';
import { DEFAULT_CONCURRENCY_PER_CUSTOMER, DEFAULT_QUERY_TIMEOUT_MS } from '../http/app.js';
import { DEFAULT_MEMORY_LIMIT, parsePort, serve } from './serve-command.js';
import { DEFAULT_CUSTOMER_ID } from '../generate/defaults.js';
import { openDuckDbStore } from '../store/duckdb/duckdb-store.js';
import { hasCustomer } from '../store/meta.js';

/** `npm start`: a demo fleet in a local file (generated once), served without tokens. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('generate a demo fleet if none exists, then serve it without tokens')
    .option('--db <file>', 'DuckDB database file', 'data/demo.duckdb')
    .option('--port <port>', 'TCP port', parsePort, Number(process.env.PORT ?? 8080))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--machines <n>', 'machines in the demo fleet', '200')
    .option('--days <n>', 'days of history', '30')
    .action(async (opts: { db: string; port: number; host: string; machines: string; days: string }) => {
      mkdirSync(dirname(opts.db), { recursive: true });
      // Checked in the database, not by the file's existence: an interrupted first run leaves a file without a fleet.
      const store = await openDuckDbStore(opts.db);
      const ready = await hasCustomer(store, DEFAULT_CUSTOMER_ID);
      await store.close();
      if (!ready) await runGenerate({ db: opts.db, machines: opts.machines, days: opts.days, seed: '1' });
      console.warn('monitor-odata: demo: serving the demo customer without tokens (development only; `serve` asks for tokens)');
      await serve({
        db: opts.db,
        port: opts.port,
        host: opts.host,
        auth: 'none',
        customer: DEFAULT_CUSTOMER_ID,
        memoryLimit: DEFAULT_MEMORY_LIMIT,
        concurrency: DEFAULT_CONCURRENCY_PER_CUSTOMER,
        queryTimeoutMs: DEFAULT_QUERY_TIMEOUT_MS,
        logLevel: 'info',
      });
    });
}
