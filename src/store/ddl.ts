// Tables derived from the model and nothing else: one table per entity type, named by tableOf(),
// with the type's properties in model order behind the hidden tenant column.
import { CUSTOMER_COLUMN, monitorModel, tableOf, type Model } from '../model/model.js';
import type { EntityTypeDef, PropertyDef } from '../model/types.js';
import { duckDbDialect, POSTGRES_CASE_INSENSITIVE, type SqlDialect } from './dialect.js';
import { keyConstraint, partitionClause, partitionColumnOfType, physicalDesignStatements } from './postgres/physical-design.js';
import type { Store } from './store.js';

/** Bumped whenever the DDL or the meaning of stored data changes. */
export const SCHEMA_VERSION = 1;

/** Bookkeeping table: one row per generated (or ingested) customer. */
export const META_TABLE = '_meta';

export interface ColumnDef {
  readonly name: string;
  /** Full SQL type including collation, without nullability. */
  readonly sqlType: string;
  readonly nullable: boolean;
}

export interface TableDef {
  readonly name: string;
  readonly entityType: EntityTypeDef;
  /** The hidden customer column first, then the type's properties in model order. */
  readonly columns: readonly ColumnDef[];
  /** PostgreSQL: the time column the table is range-partitioned on by month (see physical-design.ts). */
  readonly partitionColumn: string | undefined;
}

/** SQL type of one property under a dialect (strings carry the case-insensitive collation). */
export function propertySqlType(property: PropertyDef, dialect: SqlDialect = duckDbDialect): string {
  const base = dialect.typeName(property.type);
  return property.type === 'Edm.String' && dialect.stringCollation !== ''
    ? `${base} ${dialect.stringCollation}`
    : base;
}

export function tableDef(model: Model, entityType: EntityTypeDef, dialect: SqlDialect = duckDbDialect): TableDef {
  const columns: ColumnDef[] = [{ name: CUSTOMER_COLUMN, sqlType: dialect.customerColumnType, nullable: false }];
  for (const p of entityType.properties) {
    columns.push({ name: p.name, sqlType: propertySqlType(p, dialect), nullable: p.nullable });
  }
  const partitionColumn = dialect.name === 'postgres' ? partitionColumnOfType(model, entityType) : undefined;
  return { name: tableOf(model, entityType.name), entityType, columns, partitionColumn };
}

/** Every table of the model, in the model's type order. Throws if two types would share a table. */
export function tableDefs(model: Model = monitorModel, dialect: SqlDialect = duckDbDialect): readonly TableDef[] {
  const defs = [...model.types.values()].map((t) => tableDef(model, t, dialect));
  const seen = new Map<string, string>();
  for (const d of defs) {
    const key = d.name.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) throw new Error(`types ${other} and ${d.entityType.name} both map to table ${d.name}`);
    seen.set(key, d.entityType.name);
  }
  return defs;
}

export function createTableSql(def: TableDef, dialect: SqlDialect = duckDbDialect): string {
  const q = dialect.quoteIdentifier;
  const lines = def.columns.map((c) => `  ${q(c.name)} ${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`);
  // DuckDB: no PRIMARY KEY on purpose (see SqlDialect.declaresPrimaryKeys): an ART index per table
  // makes the bulk load of the generator several times slower and the keys are unique by construction.
  if (dialect.declaresPrimaryKeys) {
    const key = keyConstraint(def.entityType, def.partitionColumn);
    lines.push(`  ${key.kind} (${key.columns.map(q).join(', ')})`);
  }
  const partitioned = def.partitionColumn === undefined ? '' : partitionClause(def.partitionColumn);
  return `CREATE TABLE IF NOT EXISTS ${q(def.name)} (\n${lines.join(',\n')}\n)${partitioned}`;
}

export function createMetaTableSql(dialect: SqlDialect = duckDbDialect): string {
  const q = dialect.quoteIdentifier;
  return `CREATE TABLE IF NOT EXISTS ${q(META_TABLE)} (
  customer_id ${dialect.customerColumnType} NOT NULL,
  schema_version INTEGER NOT NULL,
  seed BIGINT,
  machines INTEGER,
  days INTEGER,
  end_date DATE,
  generated_at TIMESTAMP NOT NULL
)`;
}

/** All statements that create the schema; each is idempotent. PostgreSQL's add its physical design (partitions, indexes). */
export function schemaStatements(model: Model = monitorModel, dialect: SqlDialect = duckDbDialect): readonly string[] {
  const tables = [...tableDefs(model, dialect).map((d) => createTableSql(d, dialect)), createMetaTableSql(dialect)];
  return dialect.name === 'postgres' ? [postgresCollationSql(), ...tables, ...physicalDesignStatements(model)] : tables;
}

/** The case-insensitive collation PostgreSQL's string columns use (ICU, case ignored, accents not). */
function postgresCollationSql(): string {
  return `CREATE COLLATION IF NOT EXISTS "${POSTGRES_CASE_INSENSITIVE}" (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`;
}

/** Creates every missing table (existing tables are left alone). */
export async function ensureSchema(
  store: Pick<Store, 'execute'>,
  model: Model = monitorModel,
  dialect: SqlDialect = duckDbDialect,
): Promise<void> {
  await store.execute(schemaStatements(model, dialect).join(';\n'));
}
