// The one SQL printer. It writes PostgreSQL-flavoured SQL with `$n` parameters; a dialect
// subclass overrides only the hooks its engine spells differently (see duckdb-query-compiler.ts).
import type { CompiledQuery, SqlValue } from '../store/store.js';
import type { DatePart, FromNode, OrderNode, SelectNode, SqlExpr, SqlFunction, SqlType } from './sql-nodes.js';
import { standardTypeName } from './sql-types.js';

function isConstant(expr: SqlExpr): boolean {
  return expr.kind === 'param' || expr.kind === 'keyword' || (expr.kind === 'cast' && isConstant(expr.operand));
}

/**
 * The items that order anything: a constant (`topcount(2, null)`, a cast that always fails) orders
 * nothing, and SQL would read an integer literal there as a column position and refuses a NULL.
 */
function ordering(items: readonly OrderNode[]): readonly OrderNode[] {
  return items.filter((o) => !isConstant(o.expr));
}

export class QueryCompiler {
  private text = '';
  private parameters: SqlValue[] = [];

  compile(node: SelectNode): CompiledQuery {
    this.text = '';
    this.parameters = [];
    this.visitSelect(node);
    return Object.freeze({ sql: this.text, parameters: Object.freeze([...this.parameters]) });
  }

  protected append(sql: string): void {
    this.text += sql;
  }

  protected appendValue(value: SqlValue): void {
    this.parameters.push(value);
    this.append(this.parameterPlaceholder(this.parameters.length));
  }

  // --- dialect hooks -------------------------------------------------------------------------

  protected parameterPlaceholder(index: number): string {
    return `$${index}`;
  }

  protected quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  protected typeName(type: SqlType): string {
    return standardTypeName(type);
  }

  protected functionName(fn: SqlFunction): string {
    return fn;
  }

  /** An operand of a substring search (LIKE, strpos); the lowering has already folded its case. */
  protected visitSearchedText(operand: SqlExpr): void {
    this.visitExpr(operand);
  }

  protected visitLenientCast(operand: SqlExpr, type: SqlType): void {
    // PostgreSQL has no TRY_CAST; a dialect for it supplies a safe conversion.
    this.visitCast(operand, type);
  }

  protected visitIntDivide(left: SqlExpr, right: SqlExpr): void {
    this.append('(');
    this.visitExpr(left);
    this.append(' / ');
    this.visitExpr(right);
    this.append(')');
  }

  protected visitExtract(part: DatePart, operand: SqlExpr): void {
    this.append(`CAST(EXTRACT(${part.toUpperCase()} FROM `);
    this.visitExpr(operand);
    this.append(') AS INTEGER)');
  }

  /** Where an ordering item puts NULLs, after ASC or DESC. */
  protected nullsPlacement(order: OrderNode): string {
    return order.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST';
  }

  // --- visitors ------------------------------------------------------------------------------

  protected visitSelect(node: SelectNode): void {
    this.append('SELECT ');
    this.list(node.columns, (c) => {
      this.visitExpr(c.expr);
      this.append(` AS ${this.quoteIdentifier(c.alias)}`);
    });
    this.append(' FROM ');
    this.visitFrom(node.from);
    for (const join of node.joins) {
      this.append(` ${join.type} JOIN `);
      this.visitFrom(join.from);
      this.append(' ON ');
      this.visitExpr(join.on);
    }
    if (node.where) {
      this.append(' WHERE ');
      this.visitExpr(node.where);
    }
    if (node.groupBy.length > 0) {
      this.append(' GROUP BY ');
      this.list(node.groupBy, (e) => this.visitExpr(e));
    }
    if (node.having) {
      this.append(' HAVING ');
      this.visitExpr(node.having);
    }
    if (ordering(node.orderBy).length > 0) {
      this.append(' ORDER BY ');
      this.visitOrder(ordering(node.orderBy));
    }
    if (node.limit !== undefined) this.append(` LIMIT ${Math.trunc(node.limit)}`);
    if (node.offset !== undefined && node.offset > 0) this.append(` OFFSET ${Math.trunc(node.offset)}`);
  }

  protected visitOrder(items: readonly OrderNode[]): void {
    this.list(items, (o) => {
      this.visitExpr(o.expr);
      this.append(o.descending ? ' DESC' : ' ASC');
      this.append(this.nullsPlacement(o));
    });
  }

  protected visitFrom(from: FromNode): void {
    switch (from.kind) {
      case 'table':
        this.append(`${this.quoteIdentifier(from.table)} ${this.quoteIdentifier(from.alias)}`);
        return;
      case 'subquery':
        this.append('(');
        this.visitSelect(from.query);
        this.append(`) ${this.quoteIdentifier(from.alias)}`);
        return;
      case 'union':
        this.append('(');
        from.queries.forEach((q, i) => {
          if (i > 0) this.append(' UNION ALL ');
          this.append('(');
          this.visitSelect(q);
          this.append(')');
        });
        this.append(`) ${this.quoteIdentifier(from.alias)}`);
        return;
      default: {
        const never: never = from;
        throw new Error(`unexpected FROM ${JSON.stringify(never)}`);
      }
    }
  }

  protected visitCast(operand: SqlExpr, type: SqlType): void {
    this.append('CAST(');
    this.visitExpr(operand);
    this.append(` AS ${this.typeName(type)})`);
  }

  protected visitExpr(expr: SqlExpr): void {
    switch (expr.kind) {
      case 'column':
        this.append(`${this.quoteIdentifier(expr.table)}.${this.quoteIdentifier(expr.column)}`);
        return;
      case 'alias':
        this.append(this.quoteIdentifier(expr.name));
        return;
      case 'param':
        this.append('CAST(');
        this.appendValue(expr.value);
        this.append(` AS ${this.typeName(expr.type)})`);
        return;
      case 'keyword':
        this.append(expr.keyword);
        return;
      case 'binary':
        this.append('(');
        if (expr.operator === 'LIKE') {
          this.visitSearchedText(expr.left);
          this.append(' LIKE ');
          this.visitSearchedText(expr.right);
          this.append(" ESCAPE '\\')");
          return;
        }
        this.visitExpr(expr.left);
        this.append(` ${expr.operator} `);
        this.visitExpr(expr.right);
        this.append(')');
        return;
      case 'not':
        this.append('(NOT ');
        this.visitExpr(expr.operand);
        this.append(')');
        return;
      case 'negate':
        this.append('(-');
        this.visitExpr(expr.operand);
        this.append(')');
        return;
      case 'isNull':
        this.append('(');
        this.visitExpr(expr.operand);
        this.append(expr.negated ? ' IS NOT NULL)' : ' IS NULL)');
        return;
      case 'call':
        this.append(`${this.functionName(expr.fn)}(`);
        this.list(expr.args, (a) => (expr.fn === 'strpos' ? this.visitSearchedText(a) : this.visitExpr(a)));
        this.append(')');
        return;
      case 'intDivide':
        this.visitIntDivide(expr.left, expr.right);
        return;
      case 'cast':
        if (expr.lenient) this.visitLenientCast(expr.operand, expr.type);
        else this.visitCast(expr.operand, expr.type);
        return;
      case 'extract':
        this.visitExtract(expr.part, expr.operand);
        return;
      case 'in':
        // `x in ()` holds for no row (SQL has no empty IN list).
        if (expr.list.length === 0) {
          this.append('FALSE');
          return;
        }
        this.append('(');
        this.visitExpr(expr.operand);
        this.append(' IN (');
        this.list(expr.list, (e) => this.visitExpr(e));
        this.append('))');
        return;
      case 'exists':
        this.append('EXISTS (');
        this.visitSelect(expr.query);
        this.append(')');
        return;
      case 'scalar':
        this.append('(');
        this.visitSelect(expr.query);
        this.append(')');
        return;
      case 'case':
        this.append('CASE');
        for (const w of expr.whens) {
          this.append(' WHEN ');
          this.visitExpr(w.when);
          this.append(' THEN ');
          this.visitExpr(w.then);
        }
        this.append(' ELSE ');
        this.visitExpr(expr.otherwise);
        this.append(' END');
        return;
      case 'aggregate':
        this.append(`${expr.fn}(`);
        if (expr.distinct) this.append('DISTINCT ');
        if (expr.arg) this.visitExpr(expr.arg);
        else this.append('*');
        this.append(')');
        return;
      case 'window':
        if (expr.fn === 'sum') {
          this.append('sum(');
          this.visitExpr(expr.arg!);
          this.append(') OVER (');
        } else {
          this.append(expr.fn === 'row_number' ? 'row_number() OVER (' : 'count(*) OVER (');
        }
        if (expr.partitionBy.length > 0) {
          this.append('PARTITION BY ');
          this.list(expr.partitionBy, (e) => this.visitExpr(e));
        }
        if (ordering(expr.orderBy).length > 0) {
          this.append(' ORDER BY ');
          this.visitOrder(ordering(expr.orderBy));
        }
        this.append(')');
        return;
      default: {
        const never: never = expr;
        throw new Error(`unexpected SQL node ${JSON.stringify(never)}`);
      }
    }
  }

  private list<T>(items: readonly T[], visit: (item: T) => void): void {
    items.forEach((item, i) => {
      if (i > 0) this.append(', ');
      visit(item);
    });
  }
}
