// The public surface of odata/parse: text in, syntax tree (syntax.ts) out. Nothing here knows the
// model; binding names and types is odata/bind's job.
export { parseQueryString } from './query-string.js';
export { parseResourcePath } from './resource-path.js';
export {
  parseApply,
  parseCompute,
  parseCountOption,
  parseExpand,
  parseFilter,
  parseOrderBy,
  parseSelect,
  parseTopSkip,
} from './query-option-parsers.js';
export { parseLiteral } from './literal-parser.js';
export { percentDecode } from './percent-decoding.js';
export { DEFAULT_MAX_DEPTH, type ParseSettings } from './recursion-guard.js';
export type * from './syntax.js';
