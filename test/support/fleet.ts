// A small generated fleet in a temporary DuckDB file, shared by the query tests, with a direct
// SQL runner for the independent expected results.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { monitorModel } from '../../src/model/model.js';
import { generateFleet } from '../../src/generate/generate-fleet.js';
import { DEFAULT_CUSTOMER_ID } from '../../src/generate/defaults.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { openDuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { ensureSchema } from '../../src/store/ddl.js';
import { postgresDialect } from '../../src/store/dialect.js';
import { loadFromDuckDb } from '../../src/store/postgres/load-from-duckdb.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { PostgresQueryCompiler } from '../../src/sql/postgres-query-compiler.js';
import { freshDatabase, type TestDatabase } from './postgres.js';
import type { RowValue, SqlValue, Store } from '../../src/store/store.js';

export interface Fleet {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly customerId: string;
  /** Rows of a hand-written SQL query, run directly on the store. */
  sql(text: string, parameters?: readonly SqlValue[]): Promise<(readonly RowValue[])[]>;
  /**
   * GET a URL path (below the host) from the DuckDB app and parse the JSON body. Unless the fleet
   * was opened with `postgres: false`, the same request goes to the PostgreSQL app too, and the
   * two answers must be the same (see sameAnswer).
   */
  get(url: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  /** The PostgreSQL twin: the same rows loaded into a fresh PostgreSQL database. */
  readonly postgres: { readonly app: FastifyInstance; readonly store: PostgresStore } | undefined;
  close(): Promise<void>;
}

export const SECOND_CUSTOMER = 'second-customer';

/** Doubles summed in another order differ in their last bits. */
function closeEnough(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** A next link's `$skiptoken` names a result-cache block of the app that wrote it. */
function withoutSkiptoken(link: string): string {
  return link.replace(/([?&]\$skiptoken=)[^&]*/, '$1*');
}

/** The same JSON answer from both engines: equal but for the last bits of doubles and the skiptoken's block. */
export function sameAnswer(duck: unknown, postgres: unknown, path = '$'): string | undefined {
  if (typeof duck === 'number' && typeof postgres === 'number') return closeEnough(duck, postgres) ? undefined : `${path}: ${duck} vs ${postgres}`;
  if (typeof duck === 'string' && typeof postgres === 'string' && path.endsWith('@odata.nextLink')) return withoutSkiptoken(duck) === withoutSkiptoken(postgres) ? undefined : `${path}: ${duck} vs ${postgres}`;
  if (Array.isArray(duck) && Array.isArray(postgres)) {
    if (duck.length !== postgres.length) return `${path}: ${duck.length} items vs ${postgres.length}`;
    for (let i = 0; i < duck.length; i++) {
      const difference = sameAnswer(duck[i], postgres[i], `${path}[${i}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (typeof duck === 'object' && duck !== null && typeof postgres === 'object' && postgres !== null && !Array.isArray(duck) && !Array.isArray(postgres)) {
    const keys = Object.keys(duck);
    const otherKeys = Object.keys(postgres);
    if (keys.join() !== otherKeys.join()) return `${path}: members ${keys.join()} vs ${otherKeys.join()}`;
    for (const key of keys) {
      const difference = sameAnswer((duck as Record<string, unknown>)[key], (postgres as Record<string, unknown>)[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return undefined;
  }
  return duck === postgres ? undefined : `${path}: ${JSON.stringify(duck)} vs ${JSON.stringify(postgres)}`;
}

async function getFrom(app: FastifyInstance, url: string, headers: Record<string, string>) {
  const response = await app.inject({ method: 'GET', url, headers });
  let body: any;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, body, headers: response.headers as Record<string, unknown>, text: response.body };
}

export async function openFleet(options: { machines?: number; days?: number; end?: string; postgres?: boolean } = {}): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-'));
  const path = join(dir, 'fleet.duckdb');
  const store = await openDuckDbStore(path);
  const fleet = { machines: options.machines ?? 40, days: options.days ?? 3, end: options.end ?? '2025-05-06' };
  await generateFleet(store, { customerId: DEFAULT_CUSTOMER_ID, machines: fleet.machines, days: fleet.days, seed: 7, end: fleet.end });
  // A second tenant in the same file: no answer for the first may ever include its rows.
  await generateFleet(store, { customerId: SECOND_CUSTOMER, machines: 10, days: fleet.days, seed: 99, end: fleet.end });
  const app = await buildApp({ model: monitorModel, store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(DEFAULT_CUSTOMER_ID) });
  let postgres: Fleet['postgres'];
  let database: TestDatabase | undefined;
  if (options.postgres ?? true) {
    database = await freshDatabase();
    const pgStore = await openPostgresStore(database.url);
    await ensureSchema(pgStore, monitorModel, postgresDialect);
    await loadFromDuckDb(store, pgStore);
    postgres = { store: pgStore, app: await buildApp({ model: monitorModel, store: pgStore, compiler: () => new PostgresQueryCompiler(), access: noAuth(DEFAULT_CUSTOMER_ID) }) };
  }
  return {
    app,
    store,
    customerId: DEFAULT_CUSTOMER_ID,
    async sql(text, parameters = []) {
      return [...(await store.query({ sql: text, parameters })).rows];
    },
    async get(url, headers = {}) {
      const duck = await getFrom(app, url, headers);
      if (postgres) {
        const other = await getFrom(postgres.app, url, headers);
        const where = `GET ${url}`;
        if (duck.status !== other.status) throw new Error(`${where}: DuckDB answered ${duck.status}, PostgreSQL ${other.status}: ${other.text.slice(0, 500)}`);
        const difference = duck.status < 300 ? sameAnswer(duck.body ?? duck.text, other.body ?? other.text) : sameAnswer(duck.body?.error?.code, other.body?.error?.code);
        if (difference) throw new Error(`${where}: the engines answer differently at ${difference}`);
      }
      return duck;
    },
    postgres,
    async close() {
      await app.close();
      await store.close();
      if (postgres) {
        await postgres.app.close();
        await postgres.store.close();
        await database!.drop();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Walks every next link from a first URL; returns all rows and the number of pages. */
export async function walk(fleet: Fleet, url: string, headers: Record<string, string> = {}): Promise<{ rows: any[]; pages: number }> {
  const rows: any[] = [];
  let pages = 0;
  let next: string | undefined = url;
  while (next) {
    const { status, body } = await fleet.get(next, headers);
    if (status !== 200) throw new Error(`GET ${next} -> ${status} ${JSON.stringify(body)}`);
    rows.push(...body.value);
    pages++;
    next = body['@odata.nextLink'] ? new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search : undefined;
    if (pages > 10_000) throw new Error('walk does not end');
  }
  return { rows, pages };
}

/** ISO text of a microsecond timestamp as the service writes it. */
export function isoOfMicros(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const rest = Number(micros % 1000n);
  const base = new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, f: string) => `.${f}${String(rest).padStart(3, '0')}Z`);
  return base.replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}
