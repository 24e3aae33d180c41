// A date-only literal compared with a DateTimeOffset compares calendar dates, as ASP.NET OData's
// binder does (both sides become year*10000+month*100+day): `le 2025-05-10` includes that whole
// day, `gt 2024-01-01` excludes it. Against a constant date we compare with day boundaries
// instead of taking the date of the column, so the comparison can use the time-ordered layout.
import type { BoundExpr } from './semantic.js';
import { dateStartMicros, MICROS_PER_DAY } from './constants.js';

type Comparison = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export function compareDateOnly(instant: BoundExpr, operator: Comparison, date: BoundExpr): BoundExpr {
  if (date.kind !== 'constant' || typeof date.value !== 'string') {
    const day: BoundExpr = { kind: 'call', fn: 'date', args: [instant], type: 'Edm.Date' };
    return { kind: 'binary', operator, left: day, right: date, type: 'Edm.Boolean' };
  }
  const start = dateStartMicros(date.value);
  const dayStart = boundary(start);
  const nextDay = boundary(start + MICROS_PER_DAY);
  const compare = (op: Comparison, right: BoundExpr): BoundExpr => ({ kind: 'binary', operator: op, left: instant, right, type: 'Edm.Boolean' });
  const and = (left: BoundExpr, right: BoundExpr): BoundExpr => ({ kind: 'binary', operator: 'and', left, right, type: 'Edm.Boolean' });
  const or = (left: BoundExpr, right: BoundExpr): BoundExpr => ({ kind: 'binary', operator: 'or', left, right, type: 'Edm.Boolean' });
  switch (operator) {
    case 'ge':
      return compare('ge', dayStart);
    case 'gt':
      return compare('ge', nextDay);
    case 'lt':
      return compare('lt', dayStart);
    case 'le':
      return compare('lt', nextDay);
    case 'eq':
      return and(compare('ge', dayStart), compare('lt', nextDay));
    case 'ne':
      // C# lifted `!=` is true for a null instant, so null rows stay (compare('eq', null) is `IS NULL`).
      return or(or(compare('lt', dayStart), compare('ge', nextDay)), compare('eq', { kind: 'constant', type: null, value: null }));
  }
}

function boundary(micros: bigint): BoundExpr {
  return { kind: 'constant', type: 'Edm.DateTimeOffset', value: micros };
}
