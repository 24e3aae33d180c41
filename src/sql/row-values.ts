// Values read back from the store, bound again as parameters (keyset paging, batched expands).
import type { EdmPrimitive } from '../model/types.js';
import { sqlTimestampText } from '../edm/date-time.js';
import type { RowValue } from '../store/store.js';
import { NULL, type SqlExpr } from './sql-nodes.js';
import { sqlTypeOf } from './sql-types.js';

export function rowValueParam(value: RowValue, type: EdmPrimitive | null): SqlExpr {
  if (value === null) return NULL;
  if (type === null) {
    if (typeof value === 'bigint') return { kind: 'param', value, type: 'BIGINT' };
    if (typeof value === 'number') return { kind: 'param', value, type: 'DOUBLE' };
    if (typeof value === 'boolean') return { kind: 'param', value, type: 'BOOLEAN' };
    return { kind: 'param', value, type: 'VARCHAR' };
  }
  if (type === 'Edm.DateTimeOffset') {
    if (typeof value !== 'bigint') throw new TypeError('a DateTimeOffset value is microseconds as bigint');
    return { kind: 'param', value: sqlTimestampText(value), type: 'TIMESTAMP' };
  }
  if (type === 'Edm.Int64' && typeof value === 'number') return { kind: 'param', value: BigInt(Math.trunc(value)), type: 'BIGINT' };
  return { kind: 'param', value, type: sqlTypeOf[type] };
}
