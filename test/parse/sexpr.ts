// Prints syntax trees as compact S-expressions so tests can state a whole tree shape in one line:
// `(and (eq Name 'x') (lt Price 2.55m))`. Spans are checked separately where they matter.
import { assertNever } from '../../src/odata/parse/assert-never.js';
import type { ApplyExpandToken, ApplyStepToken, ExpandItemToken, ExprToken, LiteralToken, OrderByItemToken } from '../../src/odata/parse/index.js';

export function literal(token: LiteralToken): string {
  switch (token.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(token.value);
    case 'integer':
      return token.value.toString();
    case 'decimal':
      return `${token.value}m`;
    case 'double':
      return `${token.value}d`;
    case 'string':
      return `'${token.value.replaceAll("'", "''")}'`;
    case 'guid':
      return `guid:${token.value}`;
    case 'dateTimeOffset':
      return `dto:${token.text}`;
    case 'date':
      return `date:${token.year}-${token.month}-${token.day}`;
    case 'timeOfDay':
      return `tod:${token.micros}`;
    case 'duration':
      return `dur:${token.micros}`;
    default:
      return assertNever(token);
  }
}

export function sexpr(token: ExprToken): string {
  switch (token.kind) {
    case 'literal':
      return literal(token);
    case 'path':
      return token.segments.map((segment) => segment.name).join('/');
    case 'count':
      return `${sexpr(token.source)}/$count`;
    case 'lambda':
      return `(${token.operator} ${sexpr(token.source)}${token.variable ? ` ${token.variable.name}` : ''}${token.predicate ? ` ${sexpr(token.predicate)}` : ''})`;
    case 'binary':
      return `(${token.operator} ${sexpr(token.left)} ${sexpr(token.right)})`;
    case 'unary':
      return `(${token.operator === 'negate' ? '-' : 'not'} ${sexpr(token.operand)})`;
    case 'in':
      return `(in ${sexpr(token.left)} [${token.list.map(sexpr).join(' ')}])`;
    case 'typeName':
      return `type:${token.name}`;
    case 'call':
      return `(${token.name}${token.args.map((arg) => ` ${sexpr(arg)}`).join('')})`;
    default:
      return assertNever(token);
  }
}

export function orderBy(items: readonly OrderByItemToken[]): string {
  return items.map((item) => `${sexpr(item.expr)} ${item.direction}`).join(', ');
}

function applyExpand(expand: ApplyExpandToken): string {
  const parts = [sexpr(expand.path)];
  if (expand.filter) parts.push(`filter ${sexpr(expand.filter)}`);
  for (const nested of expand.nested) parts.push(applyExpand(nested));
  return `expand(${parts.join(', ')})`;
}

export function applySteps(steps: readonly ApplyStepToken[]): string {
  return steps
    .map((step): string => {
      switch (step.kind) {
        case 'aggregate':
          return `aggregate(${step.items
            .map((item) => (item.kind === 'count' ? `$count as ${item.alias.name}` : `${sexpr(item.expr)} with ${item.method} as ${item.alias.name}`))
            .join(', ')})`;
        case 'groupby':
          return `groupby((${step.properties.map(sexpr).join(', ')})${step.then.length > 0 ? `, ${applySteps(step.then)}` : ''})`;
        case 'filter':
          return `filter(${sexpr(step.expr)})`;
        case 'compute':
          return `compute(${step.items.map((item) => `${sexpr(item.expr)} as ${item.alias.name}`).join(', ')})`;
        case 'expand':
          return applyExpand(step.expand);
        case 'orderby':
          return `orderby(${orderBy(step.items)})`;
        case 'top':
        case 'skip':
          return `${step.kind}(${step.count})`;
        case 'topcount':
        case 'bottomcount':
        case 'topsum':
        case 'bottomsum':
        case 'toppercent':
        case 'bottompercent':
          return `${step.kind}(${sexpr(step.n)}, ${sexpr(step.value)})`;
        case 'concat':
          return `concat(${step.branches.map(applySteps).join(', ')})`;
        case 'identity':
          return 'identity';
        case 'search':
          return `search(${step.text})`;
        default:
          return assertNever(step);
      }
    })
    .join('/');
}

export function expandItems(items: readonly ExpandItemToken[]): string {
  return items
    .map((item) => {
      const options = Object.entries(item.options).map(([name, located]) => {
        const value = (located as { value: unknown }).value;
        if (name === 'expand') return `$expand=${expandItems(value as ExpandItemToken[])}`;
        if (name === 'select') {
          return `$select=${(value as { kind: string; path?: ExprToken }[]).map((s) => (s.kind === 'star' ? '*' : sexpr(s.path!))).join(',')}`;
        }
        if (name === 'filter') return `$filter=${sexpr(value as ExprToken)}`;
        if (name === 'orderby') return `$orderby=${orderBy(value as OrderByItemToken[])}`;
        return `$${name}=${String(value)}`;
      });
      return options.length > 0 ? `${sexpr(item.path)}(${options.join(';')})` : sexpr(item.path);
    })
    .join(',');
}
