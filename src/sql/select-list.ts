// Helpers for building a select list whose columns the plan refers to by position.
import type { OrderNode, SelectColumn, SqlExpr } from './sql-nodes.js';

export interface Columns {
  readonly list: SelectColumn[];
  add(expr: SqlExpr): number;
}

export function columns(): Columns {
  const list: SelectColumn[] = [];
  return {
    list,
    add(expr) {
      list.push({ expr, alias: `c${list.length}` });
      return list.length - 1;
    },
  };
}

/** Nulls first ascending and last descending, as the reference's SQL Server sorts. */
export function orderNode(expr: SqlExpr, descending: boolean): OrderNode {
  return { expr, descending, nullsFirst: !descending };
}
