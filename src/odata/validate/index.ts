// The public surface of odata/validate: limits checked on the syntax tree, between parse and bind.
export { validateQuery } from './validate-query.js';
export { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits.js';
