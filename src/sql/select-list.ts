// Helpers for building a select list whose columns the plan refers to by position.
import type { OrderNode, SelectColumn, SqlExpr } from './sql-nodes.js';

export interface Columns {
  readonly list: SelectColumn[];
  add(expr: SqlExpr): number;
  /** The position of the same column when the list already reads it (ordering keys usually are), else add(). */
  reuse(expr: SqlExpr): number;
}

export function columns(): Columns {
  const list: SelectColumn[] = [];
  return {
    list,
    add(expr) {
      list.push({ expr, alias: `c${list.length}` });
      return list.length - 1;
    },
    reuse(expr) {
      if (expr.kind === 'column') {
        const at = list.findIndex((c) => c.expr.kind === 'column' && c.expr.table === expr.table && c.expr.column === expr.column);
        if (at >= 0) return at;
      }
      return this.add(expr);
    },
  };
}

/** Nulls first ascending and last descending, as the reference's SQL Server sorts. */
export function orderNode(expr: SqlExpr, descending: boolean): OrderNode {
  return { expr, descending, nullsFirst: !descending };
}
