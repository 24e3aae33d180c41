// A small, immutable SQL tree (after Kysely's operation nodes): lowering builds it, one compiler
// prints it, dialects override only the spellings that differ.
import type { SqlValue } from '../store/store.js';

export type SqlType =
  | 'BOOLEAN'
  | 'UTINYINT'
  | 'SMALLINT'
  | 'INTEGER'
  | 'BIGINT'
  | 'DOUBLE'
  | 'DECIMAL'
  | 'VARCHAR'
  | 'UUID'
  | 'TIMESTAMP'
  | 'DATE'
  | 'TIME'
  | 'INTERVAL';

export type SqlBinaryOperator =
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'IS DISTINCT FROM'
  | 'IS NOT DISTINCT FROM'
  | 'AND'
  | 'OR'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'LIKE';

/** Functions the lowering may call; each dialect spells them. */
export type SqlFunction =
  | 'lower'
  | 'upper'
  | 'trim'
  | 'length'
  | 'strpos'
  | 'substring'
  | 'concat'
  | 'round'
  | 'floor'
  | 'ceil'
  | 'trunc'
  | 'coalesce'
  | 'right';

export type DatePart = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'microsecond';

export type SqlExpr =
  | { readonly kind: 'column'; readonly table: string; readonly column: string }
  /** A reference to a column of the select list by its alias (ORDER BY / outer queries). */
  | { readonly kind: 'alias'; readonly name: string }
  | { readonly kind: 'param'; readonly value: SqlValue; readonly type: SqlType }
  | { readonly kind: 'keyword'; readonly keyword: 'TRUE' | 'FALSE' | 'NULL' }
  | { readonly kind: 'binary'; readonly operator: SqlBinaryOperator; readonly left: SqlExpr; readonly right: SqlExpr }
  | { readonly kind: 'not'; readonly operand: SqlExpr }
  | { readonly kind: 'negate'; readonly operand: SqlExpr }
  | { readonly kind: 'isNull'; readonly operand: SqlExpr; readonly negated: boolean }
  | { readonly kind: 'call'; readonly fn: SqlFunction; readonly args: readonly SqlExpr[] }
  /** Integer division truncating toward zero, as C# does. */
  | { readonly kind: 'intDivide'; readonly left: SqlExpr; readonly right: SqlExpr }
  /** `lenient`: an impossible conversion gives NULL instead of an error (ASP.NET's cast()). */
  | { readonly kind: 'cast'; readonly operand: SqlExpr; readonly type: SqlType; readonly lenient: boolean }
  | { readonly kind: 'extract'; readonly part: DatePart; readonly operand: SqlExpr }
  | { readonly kind: 'in'; readonly operand: SqlExpr; readonly list: readonly SqlExpr[] }
  | { readonly kind: 'exists'; readonly query: SelectNode }
  | { readonly kind: 'scalar'; readonly query: SelectNode }
  | { readonly kind: 'case'; readonly whens: readonly { readonly when: SqlExpr; readonly then: SqlExpr }[]; readonly otherwise: SqlExpr }
  | {
      readonly kind: 'aggregate';
      readonly fn: 'count' | 'sum' | 'avg' | 'min' | 'max';
      /** Absent for count(*). */
      readonly arg: SqlExpr | undefined;
      readonly distinct: boolean;
    }
  | {
      readonly kind: 'window';
      readonly fn: 'row_number' | 'count' | 'sum';
      /** The summed value for `sum`. */
      readonly arg?: SqlExpr;
      readonly partitionBy: readonly SqlExpr[];
      readonly orderBy: readonly OrderNode[];
    };

export interface OrderNode {
  readonly expr: SqlExpr;
  readonly descending: boolean;
  /** Explicit, because engines differ in their default and the reference (SQL Server) sorts nulls first. */
  readonly nullsFirst: boolean;
}

export type FromNode =
  | { readonly kind: 'table'; readonly table: string; readonly alias: string }
  | { readonly kind: 'subquery'; readonly query: SelectNode; readonly alias: string }
  /** `(q1 UNION ALL q2 ...) alias`: the queries have the same columns in the same order. */
  | { readonly kind: 'union'; readonly queries: readonly SelectNode[]; readonly alias: string };

export interface JoinNode {
  readonly type: 'LEFT' | 'INNER';
  readonly from: FromNode;
  readonly on: SqlExpr;
}

export interface SelectColumn {
  readonly expr: SqlExpr;
  readonly alias: string;
}

export interface SelectNode {
  readonly kind: 'select';
  readonly columns: readonly SelectColumn[];
  readonly from: FromNode;
  readonly joins: readonly JoinNode[];
  readonly where: SqlExpr | undefined;
  readonly groupBy: readonly SqlExpr[];
  readonly having: SqlExpr | undefined;
  readonly orderBy: readonly OrderNode[];
  readonly limit: number | undefined;
  readonly offset: number | undefined;
}

export function and(...parts: (SqlExpr | undefined)[]): SqlExpr | undefined {
  const present = parts.filter((p): p is SqlExpr => p !== undefined);
  if (present.length === 0) return undefined;
  return present.reduce((left, right) => ({ kind: 'binary', operator: 'AND', left, right }));
}

export function or(...parts: SqlExpr[]): SqlExpr {
  return parts.reduce((left, right) => ({ kind: 'binary', operator: 'OR', left, right }));
}

export function binary(operator: SqlBinaryOperator, left: SqlExpr, right: SqlExpr): SqlExpr {
  return { kind: 'binary', operator, left, right };
}

export function column(table: string, name: string): SqlExpr {
  return { kind: 'column', table, column: name };
}

export const TRUE: SqlExpr = { kind: 'keyword', keyword: 'TRUE' };
export const FALSE: SqlExpr = { kind: 'keyword', keyword: 'FALSE' };
export const NULL: SqlExpr = { kind: 'keyword', keyword: 'NULL' };

export function select(parts: Partial<SelectNode> & Pick<SelectNode, 'from'>): SelectNode {
  return Object.freeze({
    kind: 'select',
    columns: [],
    joins: [],
    where: undefined,
    groupBy: [],
    having: undefined,
    orderBy: [],
    limit: undefined,
    offset: undefined,
    ...parts,
  });
}
