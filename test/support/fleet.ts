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
import type { RowValue, SqlValue, Store } from '../../src/store/store.js';

export interface Fleet {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly customerId: string;
  /** Rows of a hand-written SQL query, run directly on the store. */
  sql(text: string, parameters?: readonly SqlValue[]): Promise<(readonly RowValue[])[]>;
  /** GET a URL path (below the host) and parse the JSON body. */
  get(url: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

export const SECOND_CUSTOMER = 'second-customer';

export async function openFleet(options: { machines?: number; days?: number; end?: string } = {}): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-'));
  const path = join(dir, 'fleet.duckdb');
  const store = await openDuckDbStore(path);
  const fleet = { machines: options.machines ?? 40, days: options.days ?? 3, end: options.end ?? '2025-05-06' };
  await generateFleet(store, { customerId: DEFAULT_CUSTOMER_ID, machines: fleet.machines, days: fleet.days, seed: 7, end: fleet.end });
  // A second tenant in the same file: no answer for the first may ever include its rows.
  await generateFleet(store, { customerId: SECOND_CUSTOMER, machines: 10, days: fleet.days, seed: 99, end: fleet.end });
  const app = await buildApp({ model: monitorModel, store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(DEFAULT_CUSTOMER_ID) });
  return {
    app,
    store,
    customerId: DEFAULT_CUSTOMER_ID,
    async sql(text, parameters = []) {
      return [...(await store.query({ sql: text, parameters })).rows];
    },
    async get(url, headers = {}) {
      const response = await app.inject({ method: 'GET', url, headers });
      let body: unknown;
      try {
        body = JSON.parse(response.body);
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, body, headers: response.headers, text: response.body };
    },
    async close() {
      await app.close();
      await store.close();
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
