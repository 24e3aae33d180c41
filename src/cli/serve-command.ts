import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { monitorModel } from '../model/model.js';
import { noAuth, type AccessMode } from '../http/access.js';
import { buildApp, DEFAULT_CONCURRENCY_PER_CUSTOMER, DEFAULT_QUERY_TIMEOUT_MS } from '../http/app.js';
import type { IssueToken } from '../http/token-route.js';
import { verifyClientSecret } from '../auth/api-clients.js';
import { TOKEN_LIFETIME_SECONDS, TokenService } from '../auth/tokens.js';
import { DuckDbQueryCompiler } from '../sql/duckdb-query-compiler.js';
import { openDuckDbStore } from '../store/duckdb/duckdb-store.js';
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
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return port;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
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

/** Opens the database and serves the API until the process is stopped. */
export async function serve(options: ServeOptions): Promise<void> {
  // The engine's cache is bounded so the server stays within its memory budget (under 1 GiB with the API).
  if (options.readOnly && options.auth !== 'none') throw new Error(READ_ONLY_NEEDS_NO_AUTH);
  const store = await openDuckDbStore(options.db, { memoryLimit: options.memoryLimit, readOnly: options.readOnly });
  const auth = options.auth === 'none' ? developmentAccess(options.customer) : await tokenAccess(store);
  const app = await buildApp({
    model: monitorModel,
    store,
    compiler: () => new DuckDbQueryCompiler(),
    ...auth,
    concurrencyPerCustomer: options.concurrency,
    queryTimeoutMs: options.queryTimeoutMs,
    logger: false,
  });
  const close = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  const address = await app.listen({ port: options.port, host: options.host });
  const who = options.auth === 'none' ? `customer ${options.customer}, no tokens` : 'tokens required';
  console.log(`monitor-odata: serving ${options.db} (${who}) at ${address}/monitorodata and ${address}/Citrix/Monitor/OData/v4/Data`);
}

export function serveCommand(): Command {
  const command = new Command('serve');
  return command
    .description('serve the OData API from a database file')
    .requiredOption('--db <file>', 'DuckDB database file')
    .option('--port <port>', 'TCP port', parsePort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--auth <mode>', 'tokens: clients get tokens at /cctrustoauth2/{customer}/tokens/clients; none: one customer without tokens (development only)').choices(['tokens', 'none']).default('tokens'))
    .option('--customer <id>', 'customer served without tokens (--auth none)', DEFAULT_CUSTOMER_ID)
    .option('--memory-limit <size>', "DuckDB's memory limit", DEFAULT_MEMORY_LIMIT)
    .option('--concurrency <n>', 'queries one customer may have in flight (more get 429)', positiveInteger, DEFAULT_CONCURRENCY_PER_CUSTOMER)
    .option('--query-timeout <seconds>', 'cancel a query running longer than this (503)', positiveInteger, DEFAULT_QUERY_TIMEOUT_MS / 1000)
    .option('--read-only', 'open the database read-only, so other processes can read it too (with --auth none)')
    .action(async (opts: { db: string; port: number; host: string; auth: AuthOption; customer: string; memoryLimit: string; concurrency: number; queryTimeout: number; readOnly?: boolean }) => {
      if (opts.readOnly && opts.auth !== 'none') command.error(`error: ${READ_ONLY_NEEDS_NO_AUTH}`);
      if (opts.auth === 'none') console.warn('monitor-odata: --auth none: serving one customer without tokens (development only)');
      await serve({ ...opts, queryTimeoutMs: opts.queryTimeout * 1000 });
    });
}
