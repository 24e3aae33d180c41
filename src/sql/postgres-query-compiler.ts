import { QueryCompiler } from './query-compiler.js';
import type { SqlExpr } from './sql-nodes.js';

/** PostgreSQL: the base compiler writes its dialect; only what differs is overridden here. */
export class PostgresQueryCompiler extends QueryCompiler {
  protected override visitSearchedText(operand: SqlExpr): void {
    // String columns use a nondeterministic (case-insensitive) collation, which PostgreSQL 15
    // refuses for LIKE and strpos; the operands are already lower-cased, so bytewise is right.
    this.append('(');
    this.visitExpr(operand);
    this.append(') COLLATE "C"');
  }
}
