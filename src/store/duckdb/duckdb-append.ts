// Bulk append of JS rows through DuckDB's Appender, with columns taken from the model.
import { DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { tableOf, type Model } from '../../model/model.js';
import type { PropertyDef } from '../../model/types.js';
import { checkPropertyNames, physicalOrder } from '../entity-insert.js';

/** A property value as a loader supplies it. Dates are instants (UTC); `undefined` means NULL. */
export type EntityValue = string | number | bigint | boolean | Date | null | undefined;
export type EntityRow = Readonly<Record<string, EntityValue>>;

function appendValue(appender: DuckDBAppender, property: PropertyDef, value: EntityValue): void {
  if (value === null || value === undefined) {
    appender.appendNull();
    return;
  }
  switch (property.type) {
    case 'Edm.Guid':
    case 'Edm.String':
    case 'Edm.Decimal':
    case 'Edm.Date':
    case 'Edm.TimeOfDay':
    case 'Edm.Duration':
      // The appender casts text to the column type (UUID, DECIMAL, DATE, ...).
      appender.appendVarchar(value instanceof Date ? value.toISOString() : String(value));
      return;
    case 'Edm.Boolean':
      appender.appendBoolean(Boolean(value));
      return;
    case 'Edm.Byte':
      appender.appendUTinyInt(Number(value));
      return;
    case 'Edm.Int16':
      appender.appendSmallInt(Number(value));
      return;
    case 'Edm.Int32':
      appender.appendInteger(Number(value));
      return;
    case 'Edm.Int64':
      appender.appendBigInt(BigInt(value as number | bigint));
      return;
    case 'Edm.Double':
      appender.appendDouble(Number(value));
      return;
    case 'Edm.DateTimeOffset': {
      const ms = value instanceof Date ? value.getTime() : Number(value);
      if (!Number.isFinite(ms)) throw new Error(`${property.name}: invalid instant ${String(value)}`);
      appender.appendTimestamp(new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n));
      return;
    }
    default: {
      const never: never = property.type;
      throw new Error(`unsupported type ${String(never)}`);
    }
  }
}

function compareValues(a: EntityValue, b: EntityValue): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Appends rows of one entity type for one customer, sorted by the table's physical order. Keys of
 * each row must be property names of the type; missing properties are NULL. Runs in whatever
 * transaction is open on `connection`.
 */
export async function appendEntities(
  connection: DuckDBConnection,
  model: Model,
  entityType: string,
  customerId: string,
  rows: readonly EntityRow[],
): Promise<number> {
  const names = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) names.add(k);
  const type = checkPropertyNames(model, entityType, names);
  for (const row of rows) {
    for (const p of type.properties) {
      if (!p.nullable && (row[p.name] === null || row[p.name] === undefined)) {
        throw new Error(`${type.name}.${p.name} is not nullable`);
      }
    }
  }
  const order = physicalOrder(model, type);
  const sorted = [...rows].sort((r1, r2) => {
    for (const k of order) {
      const c = compareValues(r1[k], r2[k]);
      if (c !== 0) return c;
    }
    return 0;
  });
  const appender = await connection.createAppender(tableOf(model, type.name));
  try {
    for (const row of sorted) {
      appender.appendVarchar(customerId);
      for (const p of type.properties) appendValue(appender, p, row[p.name]);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return sorted.length;
}
