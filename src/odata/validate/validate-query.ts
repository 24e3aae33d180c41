// The step between parse and bind that refuses requests asking for more than the server serves,
// as ASP.NET OData's query validators do before its binder runs: $top, $expand depth, and the
// size of expressions (see query-limits.ts). It works on the syntax tree alone, so it needs no
// model, and it walks with its own stacks so no input can exhaust the JavaScript stack here.
import type { ApplyExpandToken, ApplyStepToken, ExpandItemToken, ExprToken, Located, NestedOptionsToken, QueryOptionsToken } from '../parse/syntax.js';
import { assertNever } from '../parse/assert-never.js';
import { expansionTooDeep, topLimitExceeded } from './limit-errors.js';
import { NodeBudget } from './node-budget.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits.js';

/** Options holding expressions, both at the top of a request and nested in `$expand(...)`. */
type ExpressionOption = 'filter' | 'orderby' | 'compute';
const EXPRESSION_OPTIONS: readonly ExpressionOption[] = ['filter', 'orderby', 'compute'];

/** Throws the first exceeded limit as a 400 ODataError targeting its query option. */
export function validateQuery(options: QueryOptionsToken, limits: QueryLimits = DEFAULT_QUERY_LIMITS): void {
  if (options.top) checkTop(options.top, limits, '$top');
  for (const option of EXPRESSION_OPTIONS) {
    const budget = new NodeBudget(limits, `$${option}`);
    for (const expr of expressionsOf(options, option)) budget.spend(expr);
  }
  if (options.expand) validateExpand(options.expand.value, limits);
  if (options.apply) validateApply(options.apply.value, limits);
}

function checkTop(top: Located<number>, limits: QueryLimits, target: string): void {
  if (top.value > limits.maxTop) throw topLimitExceeded(limits.maxTop, top.value, { target, span: top.span });
}

function expressionsOf(options: Pick<NestedOptionsToken, ExpressionOption>, option: ExpressionOption): readonly ExprToken[] {
  switch (option) {
    case 'filter':
      return options.filter ? [options.filter.value] : [];
    case 'orderby':
      return options.orderby?.value.map((item) => item.expr) ?? [];
    case 'compute':
      return options.compute?.value.map((item) => item.expr) ?? [];
    default:
      return assertNever(option);
  }
}

/** Depth as ASP.NET's SelectExpandQueryValidator counts it; nested expressions share one `$expand` budget. */
function validateExpand(items: readonly ExpandItemToken[], limits: QueryLimits): void {
  const target = '$expand';
  const budget = new NodeBudget(limits, target);
  const pending = [{ items, depth: 1 }];
  for (let level = pending.pop(); level !== undefined; level = pending.pop()) {
    for (const { options, span } of level.items) {
      if (level.depth > limits.maxExpansionDepth) throw expansionTooDeep(limits.maxExpansionDepth, { target, span });
      if (options.top) checkTop(options.top, limits, target);
      for (const option of EXPRESSION_OPTIONS) {
        for (const expr of expressionsOf(options, option)) budget.spend(expr);
      }
      if (options.expand) pending.push({ items: options.expand.value, depth: level.depth + 1 });
    }
  }
}

/** Every expression of `$apply` shares one budget; `expand()` nests like `$expand`, `top(n)` is a `$top`. */
function validateApply(steps: readonly ApplyStepToken[], limits: QueryLimits): void {
  const target = '$apply';
  const budget = new NodeBudget(limits, target);
  // Reversed onto the stack, so errors name the first offending step as written.
  const pending = [...steps].reverse();
  for (let step = pending.pop(); step !== undefined; step = pending.pop()) {
    switch (step.kind) {
      case 'aggregate':
        for (const item of step.items) if (item.kind === 'aggregate') budget.spend(item.expr);
        break;
      case 'groupby':
        pending.push(...[...step.then].reverse());
        break;
      case 'concat':
        for (const branch of [...step.branches].reverse()) pending.push(...[...branch].reverse());
        break;
      case 'filter':
        budget.spend(step.expr);
        break;
      case 'compute':
      case 'orderby':
        for (const item of step.items) budget.spend(item.expr);
        break;
      case 'expand':
        validateApplyExpand(step.expand, budget, limits);
        break;
      case 'top':
        checkTop({ value: step.count, span: step.span }, limits, target);
        break;
      case 'topcount':
      case 'bottomcount':
      case 'topsum':
      case 'bottomsum':
      case 'toppercent':
      case 'bottompercent':
        budget.spend(step.n);
        budget.spend(step.value);
        break;
      case 'skip':
      case 'identity':
      case 'search':
        break;
      default:
        assertNever(step);
    }
  }
}

/** `expand(Machine, expand(DesktopGroup))` is depth 2, as `$expand=Machine($expand=DesktopGroup)` is. */
function validateApplyExpand(root: ApplyExpandToken, budget: NodeBudget, limits: QueryLimits): void {
  const pending = [{ expand: root, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { expand, depth } = next;
    if (depth > limits.maxExpansionDepth) throw expansionTooDeep(limits.maxExpansionDepth, { target: '$apply', span: expand.span });
    if (expand.filter) budget.spend(expand.filter);
    for (const nested of expand.nested) pending.push({ expand: nested, depth: depth + 1 });
  }
}
