import type { EdmPrimitive } from '../model/types.js';
import type { SqlType } from './sql-nodes.js';

export const sqlTypeOf: Record<EdmPrimitive, SqlType> = {
  'Edm.Guid': 'UUID',
  'Edm.String': 'VARCHAR',
  'Edm.Boolean': 'BOOLEAN',
  'Edm.Byte': 'UTINYINT',
  'Edm.Int16': 'SMALLINT',
  'Edm.Int32': 'INTEGER',
  'Edm.Int64': 'BIGINT',
  'Edm.Double': 'DOUBLE',
  'Edm.Decimal': 'DECIMAL',
  'Edm.DateTimeOffset': 'TIMESTAMP',
  'Edm.Date': 'DATE',
  'Edm.TimeOfDay': 'TIME',
  'Edm.Duration': 'INTERVAL',
};

/** The standard (PostgreSQL) spelling of a SQL type: the base compiler's and PostgreSQL's DDL. */
export function standardTypeName(type: SqlType): string {
  switch (type) {
    case 'UTINYINT':
      return 'SMALLINT';
    case 'DOUBLE':
      return 'DOUBLE PRECISION';
    case 'DECIMAL':
      return 'NUMERIC';
    default:
      return type;
  }
}
