// Counts syntax-tree nodes of the expressions in one query option, as ASP.NET OData's
// FilterQueryValidator counts nodes against MaxNodeCount: every operator, literal, property path,
// function call, type name, `$count` and lambda is one node. The walk keeps its own stack and
// stops at the first node past the limit, so a hostile 100,000-term `a or b or ...` (which the
// parser builds iteratively into a tree 100,000 deep) is refused after `maxNodeCount` steps,
// before the recursive binder could overflow the JavaScript stack on it.
import type { ExprToken } from '../parse/syntax.js';
import { assertNever } from '../parse/assert-never.js';
import { anyAllTooDeep, nodeCountExceeded } from './limit-errors.js';
import type { QueryLimits } from './query-limits.js';

interface Pending {
  readonly node: ExprToken;
  /** Lambdas (`any`/`all`) the node is inside. */
  readonly lambdas: number;
}

export class NodeBudget {
  private spent = 0;

  constructor(
    private readonly limits: Pick<QueryLimits, 'maxNodeCount' | 'maxAnyAllExpressionDepth'>,
    /** The query option every counted expression belongs to. */
    private readonly target: string,
  ) {}

  /** Counts the nodes of `root` against what the option's earlier expressions left. */
  spend(root: ExprToken): void {
    const site = { target: this.target, span: root.span };
    const pending: Pending[] = [{ node: root, lambdas: 0 }];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const { node, lambdas } = next;
      if (++this.spent > this.limits.maxNodeCount) throw nodeCountExceeded(this.limits.maxNodeCount, site);
      switch (node.kind) {
        case 'literal':
        case 'path':
        case 'typeName':
          break;
        case 'count':
          pending.push({ node: node.source, lambdas });
          break;
        case 'unary':
          pending.push({ node: node.operand, lambdas });
          break;
        case 'binary':
          pending.push({ node: node.right, lambdas }, { node: node.left, lambdas });
          break;
        case 'call':
          for (const arg of node.args) pending.push({ node: arg, lambdas });
          break;
        case 'in':
          pending.push({ node: node.left, lambdas });
          // A list of literals is one constant collection to ODL (and one SQL list to us): it
          // does not deepen any tree, so `Id in (...)` with many values costs one node.
          if (node.list.some((item) => item.kind !== 'literal')) {
            for (const item of node.list) pending.push({ node: item, lambdas });
          } else if (node.list.length > 0) {
            pending.push({ node: node.list[0]!, lambdas });
          }
          break;
        case 'lambda': {
          const depth = lambdas + 1;
          if (depth > this.limits.maxAnyAllExpressionDepth) {
            throw anyAllTooDeep(this.limits.maxAnyAllExpressionDepth, { target: this.target, span: node.span });
          }
          pending.push({ node: node.source, lambdas });
          if (node.predicate) pending.push({ node: node.predicate, lambdas: depth });
          break;
        }
        default:
          assertNever(node);
      }
    }
  }
}
