import type { DatePart, SqlExpr, SqlType } from './sql-nodes.js';
import { QueryCompiler } from './query-compiler.js';

/** DuckDB's names of the SQL types: it has the unsigned byte and calls the fixed-point type DECIMAL. Also used by its DDL. */
export function duckDbTypeName(type: SqlType): string {
  return type === 'DECIMAL' ? 'DECIMAL(38,10)' : type;
}

/** DuckDB spells a few things differently from the PostgreSQL-flavoured default. */
export class DuckDbQueryCompiler extends QueryCompiler {
  protected override typeName(type: SqlType): string {
    return duckDbTypeName(type);
  }

  protected override visitLenientCast(operand: SqlExpr, type: SqlType): void {
    this.append('TRY_CAST(');
    this.visitExpr(operand);
    this.append(` AS ${this.typeName(type)})`);
  }

  protected override visitIntDivide(left: SqlExpr, right: SqlExpr): void {
    // DuckDB's `/` on integers yields a double; `//` floors, and C# truncates toward zero, so
    // divide as double and truncate (exact for the 53-bit range the Monitor counters live in).
    this.append('CAST(trunc(');
    this.visitExpr(left);
    this.append(' / ');
    this.visitExpr(right);
    this.append(') AS BIGINT)');
  }

  protected override visitExtract(part: DatePart, operand: SqlExpr): void {
    this.append(`CAST(${part}(`);
    this.visitExpr(operand);
    this.append(') AS INTEGER)');
  }
}
