import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { monitorModel } from '../model/model.js';
import { noAuth, type AccessMode } from '../http/access.js';
import { buildApp, DEFAULT_CONCURRENCY_PER_CUSTOMER, DEFAULT_QUERY_TIMEOUT_MS } from '../http/app.js';
import type { IssueToken } from '../http/token-route.js';
import { verifyClientSecret } from '../auth/api-clients.js';
import { TOKEN_LIFETIME_SECONDS, TokenService } from '../auth/tokens.js';
import cluster from 'node:cluster';
import { SharedConcurrencyLimit } from '../http/shared-concurrency-limit.js';
import { isPostgresUrl } from '../store/postgres/postgres-store.js';
import { freePort } from './free-port.js';
import { compilerFor, describeLocation, NO_DATABASE, openStore } from './engine.js';
import { positiveInteger } from './option-values.js';
import type { RequestLog } from '../http/request-log.js';
import type { Store } from '../store/store.js';
import { DEFAULT_CUSTOMER_ID } from '../generate/defaults.js';

export const DEFAULT_MEMORY_LIMIT = '512MB';
const READ_ONLY_NEEDS_NO_AUTH = '--read-only serves with --auth none only: tokens keep their signing key in the database';

export type AuthOption = 'tokens' | 'none';

export interface ServeOptions {
  readonly db: string;
  readonly port: number;
  readonly host: string;
  readonly auth: AuthOption;
  /** The customer served without tokens (`--auth none`). */
  readonly customer: string;
  readonly memoryLimit: string;
  readonly concurrency: number;
  readonly queryTimeoutMs: number;
  /** Open the file read-only: other processes may read it at the same time (no tokens: they keep their key in the file). */
  readonly readOnly?: boolean;
  /** PostgreSQL: a replica the queries go to. */
  readonly readDb?: string;
  /** Level of the JSON request log on stdout. */
  readonly logLevel: RequestLog['level'];
  /** Origins browsers may call from (CORS); none when absent. */
  readonly cors?: readonly string[];
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return port;
}

/** Tokens for registered API clients (`monitor-odata clients add`), signed with the database's key. */
async function tokenAccess(store: Store): Promise<{ access: AccessMode; issueToken: IssueToken }> {
  const tokens = await TokenService.open(store);
  const issueToken: IssueToken = async ({ clientId, clientSecret, customerId }) => {
    const client = await verifyClientSecret(store, clientId, clientSecret);
    if (client === undefined) return undefined;
    if (customerId !== undefined && customerId.toLowerCase() !== client.customerId.toLowerCase()) return undefined;
    return tokens.issue({ clientId: client.clientId, customerId: client.customerId });
  };
  return { access: { kind: 'tokens', tokens }, issueToken };
}

/**
 * Development mode: one customer, no tokens checked. The token endpoint still answers any client,
 * so scripts that fetch a token first (all of Citrix's samples) run against it unchanged.
 */
function developmentAccess(customerId: string): { access: AccessMode; issueToken: IssueToken } {
  return { access: noAuth(customerId), issueToken: async () => ({ accessToken: `development.${randomBytes(24).toString('base64url')}`, expiresIn: TOKEN_LIFETIME_SECONDS }) };
}

const WORKER_PORT = 'MONITOR_ODATA_WORKER_PORT';

/** Opens the database and serves the API until the process is stopped. */
export async function serve(options: ServeOptions): Promise<void> {
  if (options.readOnly && options.auth !== 'none') throw new Error(READ_ONLY_NEEDS_NO_AUTH);
  // DuckDB's cache is bounded so the server stays within its memory budget (under 1 GiB with the API).
  const store = await openStore(options.db, { memoryLimit: options.memoryLimit, readOnly: options.readOnly, readUrl: options.readDb });
  const auth = options.auth === 'none' ? developmentAccess(options.customer) : await tokenAccess(store);
  // On PostgreSQL every process (--workers, other machines) shares the per-customer limit.
  const concurrencyLimit = store.engine === 'postgres' ? await SharedConcurrencyLimit.open(store, options.concurrency) : undefined;
  const app = await buildApp({
    model: monitorModel,
    store,
    compiler: compilerFor(store),
    ...auth,
    concurrencyPerCustomer: options.concurrency,
    concurrencyLimit,
    queryTimeoutMs: options.queryTimeoutMs,
    log: { level: options.logLevel },
    cors: options.cors ? { origins: options.cors } : undefined,
  });
  const close = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  const address = await app.listen({ port: options.port, host: options.host });
  if (cluster.isWorker) return;
  const who = options.auth === 'none' ? `customer ${options.customer}, no tokens` : 'tokens required';
  console.log(`monitor-odata: serving ${describeLocation(options.db)} (${who}) at ${address}/monitorodata and ${address}/Citrix/Monitor/OData/v4/Data`);
}

/**
 * `--workers N`: N processes serve one port (Node's cluster hands out the connections), all on the
 * same PostgreSQL. The key tokens are signed with is made here first, so the workers all read the
 * one key rather than racing to create several.
 */
async function serveWithWorkers(options: ServeOptions, workers: number): Promise<void> {
  if (!isPostgresUrl(options.db)) throw new Error('--workers needs PostgreSQL: a DuckDB file is served by one process');
  const store = await openStore(options.db);
  try {
    if (options.auth === 'tokens') await TokenService.open(store);
  } finally {
    await store.close();
  }
  const port = options.port === 0 ? await freePort() : options.port;
  cluster.setupPrimary({ silent: false });
  // Workers run this same command line; they learn the port the primary chose.
  const children = Array.from({ length: workers }, () => cluster.fork({ [WORKER_PORT]: String(port) }));
  let ready = 0;
  await new Promise<void>((resolve, reject) => {
    cluster.on('listening', () => {
      if (++ready === workers) resolve();
    });
    cluster.on('exit', (worker, code) => {
      if (ready < workers) reject(new Error(`worker ${worker.process.pid} exited with ${code} before serving`));
    });
  });
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const who = options.auth === 'none' ? `customer ${options.customer}, no tokens` : 'tokens required';
  const address = `http://${options.host}:${port}`;
  console.log(`monitor-odata: serving ${describeLocation(options.db)} (${who}) with ${workers} workers at ${address}/monitorodata and ${address}/Citrix/Monitor/OData/v4/Data`);
}

export function serveCommand(): Command {
  const command = new Command('serve');
  return command
    .description('serve the OData API from a DuckDB file or a PostgreSQL database')
    .option('--db <file|url>', 'DuckDB database file or postgres://user:pass@host:port/db (default: DATABASE_URL)')
    .option('--read-db <url>', 'PostgreSQL: send queries to this replica (writes stay on --db)')
    .option('--workers <n>', 'PostgreSQL: serve from this many processes sharing the port', positiveInteger, 1)
    .option('--port <port>', 'TCP port', parsePort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--auth <mode>', 'tokens: clients get tokens at /cctrustoauth2/{customer}/tokens/clients; none: one customer without tokens (development only)').choices(['tokens', 'none']).default('tokens'))
    .option('--customer <id>', 'customer served without tokens (--auth none)', DEFAULT_CUSTOMER_ID)
    .option('--memory-limit <size>', "DuckDB's memory limit", DEFAULT_MEMORY_LIMIT)
    .option('--concurrency <n>', 'queries one customer may have in flight (more get 429)', positiveInteger, DEFAULT_CONCURRENCY_PER_CUSTOMER)
    .option('--query-timeout <seconds>', 'cancel a query running longer than this (503)', positiveInteger, DEFAULT_QUERY_TIMEOUT_MS / 1000)
    .option('--read-only', 'DuckDB: open the file read-only, so other processes can read it too (with --auth none)')
    .addOption(new Option('--log-level <level>', 'JSON request log on stdout, one line per request with its id').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .option('--cors <origins>', 'let browsers of these origins call the API (comma-separated, or *); off by default', (v: string) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))
    .action(async (opts: { db?: string; readDb?: string; workers: number; port: number; host: string; auth: AuthOption; customer: string; memoryLimit: string; concurrency: number; queryTimeout: number; readOnly?: boolean; logLevel: RequestLog['level']; cors?: string[] }) => {
      if (opts.readOnly && opts.auth !== 'none') command.error(`error: ${READ_ONLY_NEEDS_NO_AUTH}`);
      const db = opts.db ?? process.env.DATABASE_URL;
      if (!db) return command.error(`error: ${NO_DATABASE}`);
      if (opts.readDb !== undefined && !isPostgresUrl(db)) command.error('error: --read-db needs PostgreSQL (--db postgres://...)');
      if (opts.workers > 1 && !isPostgresUrl(db)) command.error('error: --workers needs PostgreSQL: a DuckDB file is served by one process');
      if (opts.auth === 'none' && cluster.isPrimary) console.warn('monitor-odata: --auth none: serving one customer without tokens (development only)');
      const port = cluster.isWorker && process.env[WORKER_PORT] ? Number(process.env[WORKER_PORT]) : opts.port;
      const options: ServeOptions = { ...opts, db, port, queryTimeoutMs: opts.queryTimeout * 1000 };
      if (opts.workers > 1 && cluster.isPrimary) await serveWithWorkers(options, opts.workers);
      else await serve(options);
    });
}
