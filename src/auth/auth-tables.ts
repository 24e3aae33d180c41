// The credential tables. They are created on first use rather than by ensureSchema(): a database
// file made before they existed gets them the first time a client or a token is needed, and
// ensureSchema() keeps describing the model's tables and _meta only.
//
// Plain SQL types and constraints that DuckDB and PostgreSQL read alike. These tables are tiny, so
// unlike the model's tables (see SqlDialect.declaresPrimaryKeys) they declare their primary keys.
//
// Reads of these tables use no ORDER BY and no predicate on a constant (such as `IS NULL`): only
// whole-table scans and `column = $n` lookups, with sorting and filtering done in JS. Store.query()
// reuses prepared statements, and DuckDB 1.5.5 bakes the table's statistics at preparation into a
// prepared plan (duckdb/duckdb#23704, fixed upstream by #24696). Unlike the model's tables, these
// change while a server runs, and such a plan then hides new rows, keeps returning a client after
// its revocation (`revoked_at IS NULL` folded to true) or returns sorted strings corrupted.
import type { RowValue, Store } from '../store/store.js';

export const API_CLIENTS_TABLE = '_api_clients';
export const SIGNING_KEYS_TABLE = '_signing_keys';

const CREATE_STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS "${API_CLIENTS_TABLE}" (
  client_id VARCHAR PRIMARY KEY,
  customer_id VARCHAR NOT NULL,
  secret_hash VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  revoked_at TIMESTAMP
)`,
  `CREATE TABLE IF NOT EXISTS "${SIGNING_KEYS_TABLE}" (
  kid VARCHAR PRIMARY KEY,
  secret VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
)`,
];

/** Stores whose credential tables exist (or are being created), so the DDL runs once per open store. */
const ensured = new WeakMap<Store, Promise<void>>();

/** Creates the credential tables if missing; later calls on the same store cost nothing. */
export function ensureAuthTables(store: Store): Promise<void> {
  let done = ensured.get(store);
  if (done === undefined) {
    const create = () => store.execute(CREATE_STATEMENTS.join(';\n'));
    done = store.exclusively ? store.exclusively(create) : create();
    // A failure (e.g. a read-only store) is not remembered, so a later call tries again.
    done.catch(() => ensured.delete(store));
    ensured.set(store, done);
  }
  return done;
}

/** A TIMESTAMP as the store returns it (microseconds since the epoch, UTC) as a Date. */
export function instantOf(micros: RowValue): Date {
  return new Date(Number(BigInt(micros as bigint) / 1000n));
}
