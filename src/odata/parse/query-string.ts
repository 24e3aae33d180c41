// The query string of one request: split on `&`, decode each name and value (`+` is a space,
// then percent-decoding), recognise system query options and parse each with its parser.
// Rules as ASP.NET OData applies them: option names are case-insensitive and the `$` is optional
// (OData 4.01; Citrix's PowerShell sends `OrderBy=`); unknown names without `$` are custom options
// and ignored (`null=null` in Citrix's Postman collection); unknown `$` names and repeated system
// options are errors. Every error carries the canonical option name as its target.
import { ODataError } from '../errors.js';
import { assertNever } from './assert-never.js';
import { percentDecode } from './percent-decoding.js';
import {
  parseApply,
  parseCompute,
  parseCountOption,
  parseExpand,
  parseFilter,
  parseOrderBy,
  parseSelect,
  parseTopSkip,
} from './query-option-parsers.js';
import type { ParseSettings } from './recursion-guard.js';
import type { QueryOptionsToken } from './syntax.js';

type SystemOption = keyof QueryOptionsToken;
type MutableQueryOptions = { -readonly [K in SystemOption]?: QueryOptionsToken[K] };

const SYSTEM_OPTIONS: ReadonlyMap<string, SystemOption> = new Map(
  (
    [
      'filter',
      'select',
      'expand',
      'orderby',
      'top',
      'skip',
      'count',
      'compute',
      'apply',
      'search',
      'skiptoken',
      'format',
    ] as const satisfies readonly SystemOption[]
  ).map((name) => [name, name]),
);

/**
 * Parses the raw (still percent-encoded) query string after `?`. A leading `?` is tolerated.
 */
export function parseQueryString(rawQuery: string, settings?: ParseSettings): QueryOptionsToken {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  const options: MutableQueryOptions = {};
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const rawName = equals < 0 ? part : part.slice(0, equals);
    const rawValue = equals < 0 ? '' : part.slice(equals + 1);
    const name = decodeName(rawName);
    if (name === undefined) continue;
    const option = SYSTEM_OPTIONS.get((name.startsWith('$') ? name.slice(1) : name).toLowerCase());
    if (option === undefined) {
      // `$filter =x` lands here too: the name is `$filter ` and that is no option we know.
      if (name.startsWith('$')) {
        throw new ODataError('syntax', `The query parameter '${name}' is not supported.`, {
          target: name,
          span: { start: 0, end: name.length },
        });
      }
      continue;
    }
    const target = `$${option}`;
    if (options[option] !== undefined) {
      throw new ODataError(
        'syntax',
        `Query option '${target}' was specified more than once, but it must be specified at most once.`,
        { target, span: { start: 0, end: name.length } },
      );
    }
    try {
      parseOption(option, percentDecode(rawValue, { plusAsSpace: true }), options, settings);
    } catch (error) {
      if (error instanceof ODataError) throw error.inOption(target);
      throw error;
    }
  }
  return options;
}

/**
 * The decoded name, or undefined for a name that cannot be decoded and cannot be a system option
 * anyway (`%$top=1000`, seen from a real client): such custom parameters are ignored like others.
 */
function decodeName(rawName: string): string | undefined {
  try {
    return percentDecode(rawName, { plusAsSpace: true });
  } catch (error) {
    if (!rawName.startsWith('$')) return undefined;
    throw error instanceof ODataError ? error.inOption(rawName) : error;
  }
}

function parseOption(
  option: SystemOption,
  value: string,
  options: MutableQueryOptions,
  settings: ParseSettings | undefined,
): void {
  const span = { start: 0, end: value.length };
  switch (option) {
    case 'filter':
      options.filter = { value: parseFilter(value, settings), span };
      return;
    case 'select':
      options.select = { value: parseSelect(value, settings), span };
      return;
    case 'expand':
      options.expand = { value: parseExpand(value, settings), span };
      return;
    case 'orderby':
      options.orderby = { value: parseOrderBy(value, settings), span };
      return;
    case 'top':
      options.top = { value: parseTopSkip(value, '$top'), span };
      return;
    case 'skip':
      options.skip = { value: parseTopSkip(value, '$skip'), span };
      return;
    case 'count':
      options.count = { value: parseCountOption(value), span };
      return;
    case 'compute':
      options.compute = { value: parseCompute(value, settings), span };
      return;
    case 'apply':
      options.apply = { value: parseApply(value, settings), span };
      return;
    case 'search':
    case 'skiptoken':
    case 'format':
      // Kept as text: $search is not implemented, $skiptoken belongs to the paging code that
      // wrote it, and $format is negotiated by http/.
      options[option] = { value, span };
      return;
    default:
      assertNever(option);
  }
}
