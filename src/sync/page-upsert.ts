// Stores one page of upstream rows: a row whose key is new is added, a row that differs from the
// stored row with its key replaces it, an identical row is left alone. Both statements read the
// page from one JSON parameter (a staging table measured slower on DuckDB, whose deleted rows
// linger until a checkpoint); the count of rows stored is what changed.
import { CUSTOMER_COLUMN, tableOf, type Model } from '../model/model.js';
import type { EntityTypeDef } from '../model/types.js';
import type { SqlDialect } from '../store/dialect.js';
import type { CompiledQuery, ResultSet, Store } from '../store/store.js';

/** A store that writes inside one transaction and returns rows from its writes (both engines can). */
export type WritableStore = Store & {
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  write(query: CompiledQuery): Promise<ResultSet>;
};

export interface PageUpsert {
  /** Removes the stored rows that share a key with a row of the page but differ from it. Parameters: customer, page JSON. */
  readonly deleteChangedSql: string;
  /** Inserts the page's rows that have no stored row with their key, returning one row each. Parameters: customer, page JSON. */
  readonly insertMissingSql: string;
}

export function pageUpsertSql(model: Model, type: EntityTypeDef, dialect: SqlDialect): PageUpsert {
  const q = dialect.quoteIdentifier;
  const table = q(tableOf(model, type.name));
  const page = dialect.jsonRecords('$2', type.properties, 'page');
  const columns = type.properties.map((p) => q(p.name));
  const stored = (alias: string) => `${alias}.${q(CUSTOMER_COLUMN)} = $1 AND ` + type.key.map((k) => `${alias}.${q(k)} = page.${q(k)}`).join(' AND ');
  // Case matters here although strings compare without case everywhere else: a renamed machine is a change.
  const same = type.properties
    .map((p) => `${table}.${q(p.name)}${p.type === 'Edm.String' ? ' COLLATE "C"' : ''} IS NOT DISTINCT FROM page.${q(p.name)}`)
    .join(' AND ');
  return {
    deleteChangedSql: `DELETE FROM ${table} USING ${page} WHERE ${stored(table)} AND NOT (${same})`,
    insertMissingSql:
      `INSERT INTO ${table} (${[q(CUSTOMER_COLUMN), ...columns].join(', ')})\n` +
      `SELECT $1, ${columns.map((c) => `page.${c}`).join(', ')} FROM ${page}\n` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${table} AS kept WHERE ${stored('kept')})\n` +
      `RETURNING 1`,
  };
}

export interface PageWriter {
  /** Stores a page (the caller holds the transaction); returns how many rows were new or changed. */
  write(customerId: string, rows: readonly unknown[]): Promise<number>;
}

/** A writer of pages of one entity type. */
export function pageWriter(store: WritableStore, model: Model, type: EntityTypeDef, dialect: SqlDialect): PageWriter {
  const sql = pageUpsertSql(model, type, dialect);
  return {
    async write(customerId, rows) {
      if (rows.length === 0) return 0;
      const parameters = [customerId, JSON.stringify(rows)];
      await store.execute(sql.deleteChangedSql, parameters);
      return (await store.write({ sql: sql.insertMissingSql, parameters })).rows.length;
    },
  };
}
