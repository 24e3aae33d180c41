// The PostgreSQL engine: a pool of connections for reads, one connection for writes (so that a
// transaction and the statements inside it share a session, as on DuckDB's primary connection),
// statements prepared per connection by name, and cancellation through pg_cancel_backend.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { to as copyTo, from as copyFrom } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inTransaction, QueryCancelledError, type CompiledQuery, type QueryOptions, type ResultSet, type RowValue, type SqlValue, type Store } from '../store.js';
import { parameterValue, rowValueTypes } from './pg-values.js';

export interface PostgresStoreOptions {
  /** Connections serving reads at once. Default 4. */
  readonly readConnections?: number;
  /** Reads go to this server instead (a replica); writes always go to the primary. */
  readonly readUrl?: string;
}

/** `postgres://` and `postgresql://` URLs select this engine; anything else is a DuckDB file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The advisory lock key schema changes take (any constant the application owns). */
const SCHEMA_LOCK = 0x6d6f6e69;

/** Every session speaks UTC, so instants print as `... +00` and compare as the API means them. */
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO';

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const reads = new pg.Pool({ connectionString: options.readUrl ?? url, max: options.readConnections ?? 4, options: SESSION_OPTIONS });
  const writer = new pg.Client({ connectionString: url, options: SESSION_OPTIONS });
  // A broken idle connection must not take the process down; the pool replaces it.
  reads.on('error', () => undefined);
  writer.on('error', () => undefined);
  await writer.connect();
  return new PostgresStore(url, options.readUrl ?? url, reads, writer);
}

/**
 * A data exception (SQLSTATE class 22: division by zero, a value out of range, text that does not
 * convert) is the request's problem with the data it met, not a fault of the server: it is reported
 * in the words of DuckDB's data errors ("Invalid Input Error: ..."), which the app answers with a 400.
 */
function dataError(error: unknown): Error | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('22')) return undefined;
  return new Error(`Invalid Input Error: ${error.message}`, { cause: error });
}

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  private writeTail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly url: string,
    /** The server reads go to (where a running statement is cancelled). */
    private readonly readUrl: string,
    private readonly reads: pg.Pool,
    /** The one connection writes and transactions use, one call at a time. */
    private readonly writer: pg.Client,
  ) {}

  async query(query: CompiledQuery, options: QueryOptions = {}): Promise<ResultSet> {
    this.assertOpen();
    const { signal } = options;
    if (signal?.aborted) throw new QueryCancelledError(signal.reason);
    const client = await this.reads.connect();
    const cancel = () => void this.cancel(client);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await client.query({
        // Named: PostgreSQL parses and plans the statement once per connection.
        name: `q${createHash('sha1').update(query.sql).digest('base64url').slice(0, 20)}`,
        text: query.sql,
        values: query.parameters.map(parameterValue),
        rowMode: 'array',
        types: rowValueTypes,
      });
      return { columns: result.fields.map((f) => f.name), rows: result.rows as RowValue[][] };
    } catch (e) {
      if (signal?.aborted) throw new QueryCancelledError(signal.reason);
      throw dataError(e) ?? e;
    } finally {
      signal?.removeEventListener('abort', cancel);
      client.release();
    }
  }

  /** Statements without results (DDL, load, rollups) on the write connection, one call at a time. */
  execute(sql: string, parameters: readonly SqlValue[] = []): Promise<void> {
    return this.onWriter(async () => {
      await this.writer.query({ text: sql, values: parameters.length > 0 ? parameters.map(parameterValue) : undefined });
    });
  }

  /** A statement with results on the write connection (on the primary, never a replica): `INSERT ... RETURNING` and the like. */
  write(query: CompiledQuery): Promise<ResultSet> {
    return this.onWriter(async () => {
      const result = await this.writer.query({ text: query.sql, values: query.parameters.map(parameterValue), rowMode: 'array', types: rowValueTypes });
      return { columns: result.fields.map((f) => f.name), rows: result.rows as RowValue[][] };
    });
  }

  /**
   * Runs `fn` while holding a database-wide lock (a session advisory lock on the write connection):
   * server processes that start together would otherwise race their CREATE ... IF NOT EXISTS
   * statements into duplicate-key errors.
   */
  async exclusively<T>(fn: () => Promise<T>): Promise<T> {
    await this.execute(`SELECT pg_advisory_lock(${SCHEMA_LOCK})`);
    try {
      return await fn();
    } finally {
      await this.execute(`SELECT pg_advisory_unlock(${SCHEMA_LOCK})`);
    }
  }

  /** Runs `fn` inside one transaction on the write connection; rolls back if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return inTransaction((sql) => this.execute(sql), fn);
  }

  /** `COPY table (columns) FROM STDIN` fed by `source` (text in the given COPY format), on the write connection. */
  copyIn(sql: string, source: Readable): Promise<void> {
    return this.onWriter(async () => {
      await pipeline(source, this.writer.query(copyFrom(sql)));
    });
  }

  /** `COPY (query) TO STDOUT`: the server's bytes, for exports. */
  copyOut(sql: string): Readable {
    this.assertOpen();
    return this.writer.query(copyTo(sql));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeTail;
    await this.writer.end();
    await this.reads.end();
  }

  private onWriter<T>(run: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const result = this.writeTail.then(run, run);
    this.writeTail = result.catch(() => undefined);
    return result;
  }

  private async cancel(client: pg.PoolClient): Promise<void> {
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid === undefined) return;
    // From a session of its own: the one running the statement is busy, and the pool may be full.
    const canceller = new pg.Client({ connectionString: this.readUrl });
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // The statement ends anyway, at its own pace.
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}
