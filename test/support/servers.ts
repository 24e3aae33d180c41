// Real HTTP servers for the client tests: the app over a test fleet (without tokens, or with
// tokens and a clock the test moves), and a fetch that records what the client sent.
import type { FastifyInstance } from 'fastify';
import { addClient, verifyClientSecret } from '../../src/auth/api-clients.js';
import { TokenService } from '../../src/auth/tokens.js';
import { noAuth } from '../../src/http/access.js';
import { buildApp, type AppDependencies } from '../../src/http/app.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import type { Fleet } from './fleet.js';

/** The service root of an app listening on a free port of 127.0.0.1. */
export async function listen(app: FastifyInstance): Promise<string> {
  return `${await app.listen({ port: 0, host: '127.0.0.1' })}/monitorodata`;
}

/** The fleet's customer served without tokens; `concurrency` queries at once. */
export async function openServer(fleet: Fleet, concurrency = 1): Promise<{ app: FastifyInstance; baseUrl: string }> {
  const app = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), concurrencyPerCustomer: concurrency });
  return { app, baseUrl: await listen(app) };
}

export interface TokenServer {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly tokens: TokenService;
  readonly credentials: { clientId: string; clientSecret: string };
  /** The server's clock, ms since the epoch: tokens are issued and checked against it. */
  now: number;
}

/** The fleet served with tokens, as `serve` does, on a clock the test moves; `more` adds to the app's dependencies. */
export async function openTokenServer(fleet: Fleet, start: number, more: Partial<AppDependencies> = {}): Promise<TokenServer> {
  const tokens = await TokenService.open(fleet.store);
  const credentials = await addClient(fleet.store, fleet.customerId);
  const server = { tokens, credentials, now: start } as TokenServer;
  const app = await buildApp({
    model: monitorModel,
    store: fleet.store,
    compiler: () => new DuckDbQueryCompiler(),
    access: { kind: 'tokens', tokens },
    issueToken: async ({ clientId, clientSecret }) => {
      const client = await verifyClientSecret(fleet.store, clientId, clientSecret);
      return client && tokens.issue({ clientId: client.clientId, customerId: client.customerId }, new Date(server.now));
    },
    now: () => new Date(server.now),
    ...more,
  });
  return Object.assign(server, { app, baseUrl: await listen(app) });
}

export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly status: number;
}

/** A fetch that records every exchange; `change` may rewrite a request before it is sent. */
export function recordingFetch(change?: (url: string, init: RequestInit) => RequestInit): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const recording = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    const sent = change ? change(url, init) : init;
    const response = await fetch(url, sent);
    exchanges.push({ method: sent.method ?? 'GET', url, headers: new Headers(sent.headers), status: response.status });
    return response;
  };
  return { fetch: recording as typeof fetch, exchanges };
}

export const isTokenRequest = (e: Exchange) => e.url.includes('/cctrustoauth2/');
