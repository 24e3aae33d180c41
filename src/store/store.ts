/** A SQL value bound as a parameter. Dates travel as ISO text and are cast in SQL by the compiler. */
export type SqlValue = string | number | bigint | boolean | null;

/** SQL text with positional parameters (`$1`, `$2`, ...), as produced by sql/. */
export interface CompiledQuery {
  readonly sql: string;
  readonly parameters: readonly SqlValue[];
}

/**
 * Values as the engine returns them, converted to plain JS: strings, numbers, bigint for 64-bit
 * integers, booleans, null; timestamps as microseconds since the epoch (bigint) in UTC; UUIDs as
 * lower-case strings.
 */
export type RowValue = string | number | bigint | boolean | null;

export interface ResultSet {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly RowValue[])[];
}

export interface QueryOptions {
  /** Cancels the query in the engine: it then rejects with QueryCancelledError. */
  readonly signal?: AbortSignal;
}

/** A query stopped by its signal (a timeout, or a client that went away) before it finished. */
export class QueryCancelledError extends Error {
  constructor(readonly reason: unknown) {
    super('The query was cancelled.');
    this.name = 'QueryCancelledError';
  }
}

/** The engine behind the API: DuckDB (embedded) or PostgreSQL. */
export interface Store {
  readonly engine: 'duckdb' | 'postgres';
  /**
   * Reading rows ahead frees the walk from waiting: the engine's work runs beside the JS thread
   * (DuckDB executes on threads of its own). Not for `pg`, which decodes every row on the JS
   * thread, so a block read ahead only moves that work onto the pages served meanwhile.
   */
  readonly readsAheadInBackground?: boolean;
  /** Run one read query. */
  query(query: CompiledQuery, options?: QueryOptions): Promise<ResultSet>;
  /** Runs `fn` while no other process changes the schema (engines several processes share). */
  exclusively?<T>(fn: () => Promise<T>): Promise<T>;
  /** Run statements without results (DDL, load, rollups). */
  execute(sql: string, parameters?: readonly SqlValue[]): Promise<void>;
  close(): Promise<void>;
}

/** The same store, every query of which the signal cancels. */
export function cancellableBy(store: Store, signal: AbortSignal): Store {
  return {
    engine: store.engine,
    readsAheadInBackground: store.readsAheadInBackground,
    query: (query, options) => store.query(query, { ...options, signal: options?.signal ? AbortSignal.any([signal, options.signal]) : signal }),
    execute: (sql, parameters) => store.execute(sql, parameters),
    close: () => store.close(),
  };
}

/** Runs `fn` between BEGIN and COMMIT issued through `execute` (the engine's write connection); rolls back if it throws. */
export async function inTransaction<T>(execute: (sql: string) => Promise<void>, fn: () => Promise<T>): Promise<T> {
  await execute('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    await execute('ROLLBACK').catch(() => undefined);
    throw e;
  }
  await execute('COMMIT');
  return result;
}
