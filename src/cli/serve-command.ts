import { Command, InvalidArgumentError, Option } from 'commander';
import { monitorModel } from '../model/model.js';
import { buildApp } from '../http/app.js';
import { DuckDbQueryCompiler } from '../sql/duckdb-query-compiler.js';
import { openDuckDbStore } from '../store/duckdb/duckdb-store.js';
import { DEFAULT_CUSTOMER_ID } from '../generate/defaults.js';

export const DEFAULT_MEMORY_LIMIT = '512MB';

export interface ServeOptions {
  readonly db: string;
  readonly port: number;
  readonly host: string;
  readonly customer: string;
  readonly memoryLimit: string;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return port;
}

/** Opens the database and serves the API until the process is stopped. */
export async function serve(options: ServeOptions): Promise<void> {
  // The engine's cache is bounded so the server stays within its memory budget (under 1 GiB with the API).
  const store = await openDuckDbStore(options.db, { memoryLimit: options.memoryLimit });
  const app = await buildApp({ model: monitorModel, store, compiler: () => new DuckDbQueryCompiler(), customerId: options.customer, logger: false });
  const close = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  const address = await app.listen({ port: options.port, host: options.host });
  console.log(`monitor-odata: serving ${options.db} (customer ${options.customer}) at ${address}/monitorodata and ${address}/Citrix/Monitor/OData/v4/Data`);
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the OData API from a database file')
    .requiredOption('--db <file>', 'DuckDB database file')
    .option('--port <port>', 'TCP port', parsePort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--auth <mode>', 'authentication mode (tokens arrive in a later release)').choices(['none']).default('none'))
    .option('--customer <id>', 'customer served without tokens', DEFAULT_CUSTOMER_ID)
    .option('--memory-limit <size>', "DuckDB's memory limit", DEFAULT_MEMORY_LIMIT)
    .action(async (opts: { db: string; port: number; host: string; customer: string; memoryLimit: string }) => {
      console.warn('monitor-odata: --auth none: serving one customer without tokens (development only)');
      await serve({ db: opts.db, port: opts.port, host: opts.host, customer: opts.customer, memoryLimit: opts.memoryLimit });
    });
}
