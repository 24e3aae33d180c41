import type { Model } from '../model/model.js';
import { notNullColumnsByTable } from '../store/postgres/physical-design.js';
import { QueryCompiler } from './query-compiler.js';
import { ascendingRowComparison } from './row-comparison.js';
import type { OrderNode, SelectNode, SqlExpr } from './sql-nodes.js';

/** PostgreSQL: the base compiler writes its dialect; only what differs is overridden here. */
export class PostgresQueryCompiler extends QueryCompiler {
  private readonly notNull: ReadonlyMap<string, ReadonlySet<string>>;
  /** The table each SELECT being written reads FROM (undefined for a subquery or union), innermost last. */
  private readonly scopes: ({ readonly table: string; readonly alias: string } | undefined)[] = [];

  constructor(model?: Model) {
    super();
    this.notNull = notNullColumnsByTable(model);
  }

  protected override visitSearchedText(operand: SqlExpr): void {
    // String columns use a nondeterministic (case-insensitive) collation, which PostgreSQL 15
    // refuses for LIKE and strpos; the operands are already lower-cased, so bytewise is right.
    this.append('(');
    this.visitExpr(operand);
    this.append(') COLLATE "C"');
  }

  protected override visitSelect(node: SelectNode): void {
    this.scopes.push(node.from.kind === 'table' ? node.from : undefined);
    try {
      super.visitSelect(node);
    } finally {
      this.scopes.pop();
    }
  }

  protected override visitExpr(expr: SqlExpr): void {
    const row = expr.kind === 'binary' && expr.operator === 'OR' ? ascendingRowComparison(expr, (c) => this.cannotBeNull(c)) : undefined;
    if (row === undefined) {
      super.visitExpr(expr);
      return;
    }
    // The keyset of an ascending walk as one row comparison, which bounds an index range exactly (row-comparison.ts).
    const tuple = (items: readonly SqlExpr[]) => {
      this.append('(');
      items.forEach((item, i) => {
        if (i > 0) this.append(', ');
        this.visitExpr(item);
      });
      this.append(')');
    };
    this.append('(');
    tuple(row.columns);
    this.append(' > ');
    tuple(row.values);
    this.append(')');
  }

  protected override nullsPlacement(order: OrderNode): string {
    // PostgreSQL serves an ORDER BY from an index only when the NULLS placement matches too, even
    // on a column that cannot be NULL. Such a column sorts alike either way, so it is left to the
    // B-tree default, which the key constraint's index and the order indexes have (see
    // physical-design.ts); nullable columns keep SQL Server's placement, and are indexed so.
    return this.cannotBeNull(order.expr) ? '' : super.nullsPlacement(order);
  }

  /** A column of the table this SELECT reads FROM that the table declares NOT NULL (a joined table's may be NULL-extended). */
  private cannotBeNull(expr: SqlExpr): boolean {
    const scope = this.scopes[this.scopes.length - 1];
    return expr.kind === 'column' && scope !== undefined && expr.table === scope.alias && (this.notNull.get(scope.table)?.has(expr.column) ?? false);
  }
}
