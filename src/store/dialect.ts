import type { EdmPrimitive } from '../model/types.js';
import { duckDbTypeName } from '../sql/duckdb-query-compiler.js';
import { sqlTypeOf, standardTypeName } from '../sql/sql-types.js';

/**
 * What differs between engines when tables are created from the model: type names, the collation
 * that makes strings compare like the reference's SQL Server (case-insensitive), identifier quoting
 * and a few capability flags. Everything else in ddl.ts is engine-neutral, so a PostgreSQL engine
 * is one more object of this shape (spread `duckDbDialect` and override what differs).
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'postgres';
  /** Quote an identifier taken from the model (never from user input). */
  quoteIdentifier(name: string): string;
  /** The column type for an EDM primitive, without collation or nullability. */
  typeName(type: EdmPrimitive): string;
  /** Appended to every string column, e.g. `COLLATE NOCASE`; empty for none. */
  readonly stringCollation: string;
  /** Column type of the hidden tenant column. */
  readonly customerColumnType: string;
  /**
   * Whether key constraints are declared. DuckDB keeps a PRIMARY KEY as an ART index that every
   * insert must probe and grow, which makes a bulk load of tens of millions of rows several times
   * slower; keys there are guaranteed by the generator and the ingest code instead.
   */
  readonly declaresPrimaryKeys: boolean;
  /**
   * A FROM item, aliased `alias`, with one row per element of a JSON array passed as the parameter
   * `parameter` (an OData page's `value`), one typed column per entry of `columns`; members
   * absent from an element are NULL, members not named are ignored.
   */
  jsonRecords(parameter: string, columns: readonly JsonRecordColumn[], alias: string): string;
}

export interface JsonRecordColumn {
  readonly name: string;
  readonly type: EdmPrimitive;
}


export const duckDbDialect: SqlDialect = {
  name: 'duckdb',
  quoteIdentifier: (name) => `"${name.replaceAll('"', '""')}"`,
  // UTC instants are TIMESTAMP: the API only ever returns `...Z`, so no zone is stored.
  typeName: (type) => duckDbTypeName(sqlTypeOf[type]),
  stringCollation: 'COLLATE NOCASE',
  customerColumnType: 'VARCHAR',
  declaresPrimaryKeys: false,
  jsonRecords(parameter, columns, alias) {
    // One JSON path list per element is about twice as fast as from_json with a struct type.
    const paths = columns.map((c) => `'$."${c.name}"'`).join(', ');
    const typed = columns.map((c, i) => `CAST(v[${i + 1}] AS ${duckDbDialect.typeName(c.type)}) AS ${duckDbDialect.quoteIdentifier(c.name)}`).join(', ');
    return `(SELECT ${typed} FROM (SELECT json_extract_string(j, [${paths}]) AS v FROM (SELECT unnest(CAST(${parameter} AS JSON[])) AS j))) AS ${alias}`;
  },
};

/**
 * Strings compare case-insensitively through an ICU collation that ignores case only (level 2);
 * it is created with the schema (see ddl.ts). Keys are declared: PostgreSQL loads through COPY into
 * B-tree indexes at a fair cost, and keyset paging reads them.
 */
export const POSTGRES_CASE_INSENSITIVE = 'monitor_ci';

export const postgresDialect: SqlDialect = {
  ...duckDbDialect,
  name: 'postgres',
  typeName: (type) => (type === 'Edm.String' ? 'TEXT' : type === 'Edm.DateTimeOffset' ? 'TIMESTAMP(6)' : standardTypeName(sqlTypeOf[type])),
  stringCollation: `COLLATE "${POSTGRES_CASE_INSENSITIVE}"`,
  customerColumnType: 'TEXT',
  declaresPrimaryKeys: true,
  jsonRecords(parameter, columns, alias) {
    // Text instants such as `2026-01-02T03:04:05Z` enter TIMESTAMP columns with their Z ignored: they are UTC.
    const list = columns.map((c) => `${postgresDialect.quoteIdentifier(c.name)} ${postgresDialect.typeName(c.type)}`).join(', ');
    return `jsonb_to_recordset(CAST(${parameter} AS jsonb)) AS ${alias}(${list})`;
  },
};
