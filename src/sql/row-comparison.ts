// The keyset predicate of an ascending multi-column ordering, `(a > x) OR (a = x AND b > y) OR
// (a = x AND b = y AND c > z)` (see keyset.ts), is the row comparison `(a, b, c) > (x, y, z)` when
// no column can be NULL: PostgreSQL then starts an index range exactly after the last row,
// where the OR form lets it use only the leading column's redundant `a >= x` bound and filter
// every row that shares `a = x` before the position.
import type { SqlExpr } from './sql-nodes.js';

type Param = Extract<SqlExpr, { kind: 'param' }>;
type Column = Extract<SqlExpr, { kind: 'column' }>;

export interface RowComparison {
  readonly columns: readonly Column[];
  readonly values: readonly Param[];
}

function operands(expr: SqlExpr, operator: 'AND' | 'OR'): SqlExpr[] {
  return expr.kind === 'binary' && expr.operator === operator ? [...operands(expr.left, operator), ...operands(expr.right, operator)] : [expr];
}

/** `column <operator> parameter`, as its two sides. */
function comparison(expr: SqlExpr, operator: '=' | '>'): { column: Column; value: Param } | undefined {
  if (expr.kind !== 'binary' || expr.operator !== operator || expr.left.kind !== 'column' || expr.right.kind !== 'param' || expr.right.value === null) return undefined;
  return { column: expr.left, value: expr.right };
}

function sameComparison(expr: SqlExpr, operator: '=' | '>', column: Column, value: Param): boolean {
  const c = comparison(expr, operator);
  return c !== undefined && c.column.table === column.table && c.column.column === column.column && c.value.type === value.type && c.value.value === value.value;
}

/**
 * The row comparison an OR expression of that shape equals, or undefined. Every branch must
 * repeat the same columns and values (so any expression of this shape, not only a keyset, is
 * rewritten to its equal), and `cannotBeNull` must hold for every column: with a NULL the row
 * comparison is NULL where the OR form may be true.
 */
export function ascendingRowComparison(expr: SqlExpr, cannotBeNull: (column: Column) => boolean): RowComparison | undefined {
  const branches = operands(expr, 'OR');
  if (branches.length < 2) return undefined;
  const last = operands(branches[branches.length - 1]!, 'AND');
  if (last.length !== branches.length) return undefined;
  const pairs = last.map((term, i) => comparison(term, i < last.length - 1 ? '=' : '>'));
  if (pairs.some((p) => p === undefined || !cannotBeNull(p.column))) return undefined;
  const items = pairs as { column: Column; value: Param }[];
  const consistent = branches.every((branch, i) => {
    const terms = operands(branch, 'AND');
    return terms.length === i + 1 && terms.every((term, j) => sameComparison(term, j < i ? '=' : '>', items[j]!.column, items[j]!.value));
  });
  return consistent ? { columns: items.map((p) => p.column), values: items.map((p) => p.value) } : undefined;
}
