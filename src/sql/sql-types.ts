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
