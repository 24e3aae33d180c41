// Stores one page of upstream rows: a row whose key is new is added, a row that differs from the
// stored row with its key replaces it, an identical row is left alone. The page's JSON is read
// once into a staging table on the write connection; the count of rows stored is what changed.
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
  /** Creates the staging table (a temporary table of the write connection). */
  readonly createStagingSql: string;
  readonly dropStagingSql: string;
  /** Empties the staging table and fills it from the page. Parameter: page JSON. */
  readonly stageSql: readonly string[];
  /** Removes the stored rows that share a key with a staged row but differ from it. Parameter: customer. */
  readonly deleteChangedSql: string;
  /** Inserts the staged rows that have no stored row with their key, returning one row each. Parameter: customer. */
  readonly insertMissingSql: string;
}

export function pageUpsertSql(model: Model, type: EntityTypeDef, dialect: SqlDialect): PageUpsert {
  const q = dialect.quoteIdentifier;
  const name = tableOf(model, type.name);
  const table = q(name);
  const staging = q(`_sync_page_${name}`);
  const columns = type.properties.map((p) => q(p.name));
  const stored = (alias: string) => `${alias}.${q(CUSTOMER_COLUMN)} = $1 AND ` + type.key.map((k) => `${alias}.${q(k)} = page.${q(k)}`).join(' AND ');
  // Case matters here although strings compare without case everywhere else: a renamed machine is a change.
  const same = type.properties
    .map((p) => `${table}.${q(p.name)}${p.type === 'Edm.String' ? ' COLLATE "C"' : ''} IS NOT DISTINCT FROM page.${q(p.name)}`)
    .join(' AND ');
  return {
    createStagingSql: `CREATE TEMPORARY TABLE IF NOT EXISTS ${staging} (${type.properties.map((p) => `${q(p.name)} ${dialect.typeName(p.type)}`).join(', ')})`,
    dropStagingSql: `DROP TABLE IF EXISTS ${staging}`,
    stageSql: [`DELETE FROM ${staging}`, `INSERT INTO ${staging} (${columns.join(', ')}) SELECT ${columns.map((c) => `page.${c}`).join(', ')} FROM ${dialect.jsonRecords('$1', type.properties, 'page')}`],
    deleteChangedSql: `DELETE FROM ${table} USING ${staging} AS page WHERE ${stored(table)} AND NOT (${same})`,
    insertMissingSql:
      `INSERT INTO ${table} (${[q(CUSTOMER_COLUMN), ...columns].join(', ')})\n` +
      `SELECT $1, ${columns.map((c) => `page.${c}`).join(', ')} FROM ${staging} AS page\n` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${table} AS kept WHERE ${stored('kept')})\n` +
      `RETURNING 1`,
  };
}

export interface PageWriter {
  /** Stores a page (the caller holds the transaction); returns how many rows were new or changed. */
  write(customerId: string, rows: readonly unknown[]): Promise<number>;
  /** Drops the staging table. */
  close(): Promise<void>;
}

/** A writer of pages of one entity type, with its staging table created. */
export async function openPageWriter(store: WritableStore, model: Model, type: EntityTypeDef, dialect: SqlDialect): Promise<PageWriter> {
  const sql = pageUpsertSql(model, type, dialect);
  await store.execute(sql.createStagingSql);
  return {
    async write(customerId, rows) {
      if (rows.length === 0) return 0;
      await store.execute(sql.stageSql[0]!);
      await store.execute(sql.stageSql[1]!, [JSON.stringify(rows)]);
      await store.execute(sql.deleteChangedSql, [customerId]);
      return (await store.write({ sql: sql.insertMissingSql, parameters: [customerId] })).rows.length;
    },
    close: () => store.execute(sql.dropStagingSql),
  };
}
