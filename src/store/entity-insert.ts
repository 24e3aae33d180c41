// INSERT ... SELECT statements whose column lists come from the model: a loader names a SQL
// expression per property and never writes a column list of its own.
import { CUSTOMER_COLUMN, tableOf, type Model } from '../model/model.js';
import type { EntityTypeDef } from '../model/types.js';
import { duckDbDialect, type SqlDialect } from './dialect.js';

/** SQL expression per property name (exact spelling of the model). */
export type PropertyExpressions = Readonly<Record<string, string>>;

export interface InsertSelectSpec {
  /** Qualified entity type name. */
  readonly entityType: string;
  /** SQL expression for the hidden customer column, usually a parameter such as `$1`. */
  readonly customer: string;
  /** Expressions for the properties; properties left out are NULL. */
  readonly values: PropertyExpressions;
  /** Everything after SELECT's list: `FROM ... WHERE ... GROUP BY ...`. */
  readonly from: string;
  /**
   * ORDER BY over the inserted columns (which are aliased by property name). Default: the entity
   * set's physical `order`, so rows land in the order keyset paging reads them.
   */
  readonly orderBy?: readonly string[];
  /**
   * Raw ORDER BY text instead of `orderBy`, for when an equivalent cheaper key exists (an integer
   * rank that follows the UUID order). It must produce the physical order.
   */
  readonly orderBySql?: string;
}

/**
 * Throws unless every named property exists on the type and every non-nullable property has a value.
 * Called before any SQL runs, so a typo in a generator fails at once rather than after minutes of work.
 */
export function checkPropertyNames(model: Model, entityType: string, names: Iterable<string>): EntityTypeDef {
  const type = model.entityType(entityType);
  const known = new Set(type.properties.map((p) => p.name));
  const given = new Set<string>();
  for (const name of names) {
    if (!known.has(name)) throw new Error(`${type.name} has no property ${name}`);
    given.add(name);
  }
  const missing = type.properties.filter((p) => !p.nullable && !given.has(p.name)).map((p) => p.name);
  if (missing.length > 0) throw new Error(`${type.name}: no value for non-nullable ${missing.join(', ')}`);
  return type;
}

/** The physical order of a type's table: its entity set's `order`, else its key. */
export function physicalOrder(model: Model, entityType: EntityTypeDef): readonly string[] {
  return model.setOfType(entityType.name)?.order ?? entityType.key;
}

export function insertSelectSql(model: Model, spec: InsertSelectSpec, dialect: SqlDialect = duckDbDialect): string {
  const type = checkPropertyNames(model, spec.entityType, Object.keys(spec.values));
  const q = dialect.quoteIdentifier;
  const columns = [CUSTOMER_COLUMN, ...type.properties.map((p) => p.name)];
  const select = [
    `${spec.customer} AS ${q(CUSTOMER_COLUMN)}`,
    ...type.properties.map((p) => {
      const expr = spec.values[p.name];
      // A typed NULL keeps UNION-free inserts simple and documents the column's type in the SQL.
      return `${expr === undefined ? `NULL::${dialect.typeName(p.type)}` : `(${expr})`} AS ${q(p.name)}`;
    }),
  ];
  const order = spec.orderBy ?? physicalOrder(model, type);
  for (const name of order) {
    if (!type.properties.some((p) => p.name === name)) throw new Error(`${type.name}: cannot order by ${name}`);
  }
  const orderBy = spec.orderBySql ?? order.map(q).join(', ');
  return (
    `INSERT INTO ${q(tableOf(model, type.name))} (${columns.map(q).join(', ')})\n` +
    `SELECT ${select.join(',\n  ')}\n${spec.from}` +
    (orderBy !== '' ? `\nORDER BY ${orderBy}` : '')
  );
}
