// Where the data lives decides the engine: a `postgres://` URL (or DATABASE_URL when --db is not
// given) is PostgreSQL, anything else a DuckDB file. The rest of the program sees a Store and the
// compiler for its dialect.
import { monitorModel } from '../model/model.js';
import { DuckDbQueryCompiler } from '../sql/duckdb-query-compiler.js';
import { PostgresQueryCompiler } from '../sql/postgres-query-compiler.js';
import type { QueryCompiler } from '../sql/query-compiler.js';
import { ensureSchema } from '../store/ddl.js';
import { duckDbDialect, postgresDialect, type SqlDialect } from '../store/dialect.js';
import { openDuckDbStore, type DuckDbStore } from '../store/duckdb/duckdb-store.js';
import { isPostgresUrl, openPostgresStore, type PostgresStore } from '../store/postgres/postgres-store.js';
import type { Store } from '../store/store.js';

export type EngineStore = DuckDbStore | PostgresStore;

export interface OpenOptions {
  /** DuckDB: its memory limit. */
  readonly memoryLimit?: string;
  /** DuckDB: open the file read-only. */
  readonly readOnly?: boolean;
  /** PostgreSQL: send reads to this replica. */
  readonly readUrl?: string;
  /** Create the model's missing tables (default true; the credential commands create only their own). */
  readonly createSchema?: boolean;
}

export const NO_DATABASE = 'no database: give --db FILE or --db postgres://..., or set DATABASE_URL';

/** `--db` as given, else DATABASE_URL; one of them is required. */
export function databaseLocation(db: string | undefined): string {
  const location = db ?? process.env.DATABASE_URL;
  if (!location) throw new Error(NO_DATABASE);
  return location;
}

export function describeLocation(location: string): string {
  // Never print a password.
  return isPostgresUrl(location) ? location.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') : location;
}

export async function openStore(location: string, options: OpenOptions = {}): Promise<EngineStore> {
  if (!isPostgresUrl(location)) {
    return openDuckDbStore(location, { memoryLimit: options.memoryLimit, readOnly: options.readOnly, createSchema: options.createSchema });
  }
  const store = await openPostgresStore(location, { readUrl: options.readUrl });
  try {
    if (options.createSchema ?? true) await store.exclusively(() => ensureSchema(store, monitorModel, postgresDialect));
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

export function compilerFor(store: Store): () => QueryCompiler {
  return store.engine === 'postgres' ? () => new PostgresQueryCompiler() : () => new DuckDbQueryCompiler();
}

export function dialectFor(store: Store): SqlDialect {
  return store.engine === 'postgres' ? postgresDialect : duckDbDialect;
}
