// Runs the OASIS OData ABNF test cases (oasis-tcs/odata-abnf, indexed in areas-index.json) through
// our parser entry points and prints, per area, how many in-scope cases behave as the grammar
// says: positive cases parse, negative cases (FailAt) are rejected with a syntax error. FailAt
// offsets are grammar-engine specific, so only accept/reject is compared.
//
// Cases that need features this service deliberately does not parse (geo literals, JSON literals,
// parameter aliases, $search syntax, enum literals, case(), later Data Aggregation drafts, ...) are
// counted as out of scope with a reason category, never dropped silently. Which features those are
// is decided by the detectors below from the case text, not by case name, except for the short
// MODEL_DEPENDENT list: negative cases whose rejection needs the fictional model of the test suite.
//
//   npx tsx scripts/abnf-conformance.ts            (table)
//   npx tsx scripts/abnf-conformance.ts --failures (also list failing in-scope cases)
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ODataError } from '../src/odata/errors.js';
import {
  parseFilter,
  parseLiteral,
  parseQueryString,
  parseResourcePath,
  percentDecode,
  type LiteralToken,
} from '../src/odata/parse/index.js';

export const DEFAULT_INDEX = process.env['ODATA_ABNF_INDEX'] ?? '/work/shared/conformance/odata-abnf/areas-index.json';

export interface ConformanceCase {
  readonly file: string;
  readonly name: string;
  readonly rule: string;
  readonly input: string;
  readonly failAt?: number;
  readonly areas: readonly string[];
}

export type Outcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail'; readonly detail: string }
  | { readonly kind: 'outOfScope'; readonly category: string };

export interface CaseResult {
  readonly testCase: ConformanceCase;
  readonly outcome: Outcome;
}

/** Areas of areas-index.json that our parsers cover, in table order. */
export const SUPPORTED_AREAS = [
  'expr',
  '$filter',
  '$orderby',
  '$select',
  '$expand',
  '$levels',
  '$top',
  '$skip',
  '$count',
  '/$count path',
  '$compute',
  '$apply',
  'lit:date',
  'lit:datetimeoffset',
  'lit:timeofday',
  'lit:guid',
  'lit:duration',
  'lit:other-primitive',
  'resourcePath',
] as const;

function isSupportedArea(area: string): boolean {
  return (SUPPORTED_AREAS as readonly string[]).includes(area) || area.startsWith('apply:');
}

// ---------------------------------------------------------------------------------------------
// Which parser entry point a start rule maps to

const EXPRESSION_RULES = new Set([
  'commonExpr',
  'boolCommonExpr',
  'boolcommonExpr',
  'firstMemberExpr',
  'propertyPathExpr',
  'notExpr',
  'isofExpr',
]);

const QUERY_RULES = new Set([
  'queryOptions',
  'systemQueryOption',
  'customQueryOption',
  'filter',
  'orderby',
  'orderBy',
  'select',
  'expand',
  'compute',
  'search',
  'skiptoken',
  'deltatoken',
]);

type LiteralType = LiteralToken['type'];
const NUMBER_TYPES: readonly LiteralType[] = ['integer', 'decimal', 'double'];

/** Literal start rules and the literal types that satisfy them; `raw` = payload form, not decoded. */
const LITERAL_RULES: ReadonlyMap<string, { readonly types: readonly LiteralType[] | 'any'; readonly raw: boolean }> =
  new Map([
    ['boolean', { types: ['boolean'], raw: false }],
    ['null', { types: ['null'], raw: false }],
    ['date', { types: ['date'], raw: false }],
    ['dateValue', { types: ['date'], raw: true }],
    ['dateTimeOffsetLiteral', { types: ['dateTimeOffset'], raw: false }],
    ['dateTimeOffsetValueInUrl', { types: ['dateTimeOffset'], raw: false }],
    ['dateTimeOffsetValue', { types: ['dateTimeOffset'], raw: true }],
    ['timeOfDayLiteral', { types: ['timeOfDay'], raw: false }],
    ['timeOfDayValue', { types: ['timeOfDay'], raw: true }],
    ['guid', { types: ['guid'], raw: false }],
    ['stringLiteral', { types: ['string'], raw: false }],
    ['decimalLiteral', { types: NUMBER_TYPES, raw: false }],
    ['decimalValue', { types: NUMBER_TYPES, raw: true }],
    ['doubleLiteral', { types: NUMBER_TYPES, raw: false }],
    ['doubleValue', { types: NUMBER_TYPES, raw: true }],
    ['singleLiteral', { types: NUMBER_TYPES, raw: false }],
    ['singleValue', { types: NUMBER_TYPES, raw: true }],
    ['byteValue', { types: ['integer'], raw: true }],
    ['sbyteLiteral', { types: ['integer'], raw: false }],
    ['sbyteValue', { types: ['integer'], raw: true }],
    ['int16Literal', { types: ['integer'], raw: false }],
    ['int16Value', { types: ['integer'], raw: true }],
    ['int32Literal', { types: ['integer'], raw: false }],
    ['int32Value', { types: ['integer'], raw: true }],
    ['int64Literal', { types: ['integer'], raw: false }],
    ['int64Value', { types: ['integer'], raw: true }],
    ['primitiveLiteral', { types: 'any', raw: false }],
    ['binaryLiteral', { types: 'any', raw: false }],
  ]);

// ---------------------------------------------------------------------------------------------
// Out-of-scope detectors: first match wins. `text` is the percent-decoded input; `code` is its
// query part (the whole text for expression and query-option rules, nothing for path rules) with
// quoted strings blanked, so that characters inside string literals, or in the resource path, do
// not count; `path` is the raw resource path.

interface Probe {
  readonly testCase: ConformanceCase;
  readonly text: string;
  readonly code: string;
  /** The query part (after `?`) for URIs and query-option rules, else ''. */
  readonly query: string;
  /** The raw (still percent-encoded) resource path for URI and path rules, else ''. */
  readonly path: string;
}

interface Detector {
  readonly category: string;
  readonly test: (probe: Probe) => boolean;
}

const NESTED_OPTION_NAMES = 'filter|select|expand|orderby|top|skip|count|levels|compute|search|apply';
const APPLY_STEP_NAMES =
  'any|all|aggregate|groupby|filter|compute|expand|orderby|top|skip|topcount|topsum|toppercent|bottomcount|bottomsum|bottompercent|concat|identity|search';

/**
 * Negative cases whose rejection depends on the fictional model in the test file's `Constraints`
 * (which property is a collection, complex, a stream, a custom aggregate...). A parser without
 * model knowledge cannot reject them; the binder does.
 */
const MODEL_DEPENDENT = new Set([
  // `Sales` is collection-valued, so `Sales/Amount sub Sales/Cost` is not aggregatable.
  '$apply=aggregate(Sales/Amount sub Sales/Cost with sum as TotalAmount)',
  // groupby paths must be single-valued / primitive per the model.
  '$apply=groupby((Sales/Product/Name))',
  '$apply=groupby((Product/Price/Quantity))',
  '$apply=groupby((Product/Self.DigitalProduct))',
  // `Address` is complex and `Thumbnail` a stream: neither has a raw `$value`.
  'Categories(1)/Address/$value',
  'Categories(1)/Thumbnail/$value',
  // `TheBestProduct` is an unbound function import, not bindable to `Categories`.
  'Categories/TheBestProduct()',
  // `Model.BestSellingProduct` is a single-valued navigation: a second cast is not allowed.
  'Products(1)/Model.BestSellingProduct/Model.BestSellingProduct',
]);

const DETECTORS: readonly Detector[] = [
  { category: 'absolute URI (service root unknown)', test: ({ testCase }) => testCase.rule === 'odataUri' },
  {
    category: 'payload/CSDL value rule, not URL syntax',
    test: ({ testCase }) => ['primitiveValue', 'booleanValue', 'stringInUrl', 'binaryValue'].includes(testCase.rule),
  },
  { category: 'temporal extension ($at/$from/$to)', test: ({ testCase, query }) => testCase.file.includes('temporal') || /(^|[&;(])\$?(at|from|to|toInclusive)=/i.test(query) },
  {
    category: '$search syntax',
    test: ({ testCase, query }) =>
      ['search', 'searchExpr'].includes(testCase.rule) || /(^|[&;(])\$?search=/i.test(query),
  },
  { category: 'geo literal', test: ({ text, testCase }) => /\bgeo(graphy|metry)'/i.test(text) || /^geo(graphy|metry)/.test(testCase.rule) },
  {
    category: 'enum literal',
    test: ({ text, testCase }) => /(?<![\w.])[A-Za-z_]\w*(\.[A-Za-z_]\w*)+'/.test(text) || testCase.rule.startsWith('enum'),
  },
  { category: 'binary literal', test: ({ text }) => /\bbinary'/i.test(text) },
  { category: 'JSON array/object literal', test: ({ code }) => /[[\]{}"]/.test(code) },
  { category: 'parameter alias or annotation (@)', test: ({ code }) => code.includes('@') },
  { category: '4.01 case()', test: ({ code }) => /\bcase\s*\(/.test(code) },
  {
    category: 'option $id/$index/$schemaversion/$deltatoken/$skiptoken',
    test: ({ query, testCase }) =>
      /(^|[&;])\$?(id|index|schemaversion|deltatoken)=/i.test(query) ||
      ['skiptoken', 'deltatoken'].includes(testCase.rule) ||
      /\$skiptoken=/i.test(query),
  },
  {
    category: 'path segment $entity/$crossjoin/$all/$ref/$filter/$each/$query or #context',
    test: ({ path }) => /\$(entity|crossjoin|all|ref|filter|each|query)\b|#/.test(path),
  },
  {
    category: 'key-as-segment or f(...)(key) in the path',
    // `Customers/1`, `People/O'Neil`, `Categories/Smartphone%2FTablet`, `Function(...)(key)`: a
    // segment after the first that, decoded, is no name (with or without parentheses). A segment
    // that only continues an unclosed `(` of the previous one is a raw `/` inside a key, which the
    // parser must reject itself (`Categories('Tablet/Slate')`).
    test: ({ path }) => keyAsSegment(path) || /\)(\(|%28)/.test(path),
  },
  {
    category: 'join/nest/rollup/hierarchy transformations',
    test: ({ code }) => /\b(join|outerjoin|nest|addnested|rollup|rolluprecursive|ancestors|descendants|traverse)\s*\(/.test(code),
  },
  { category: 'aggregate() in expressions, $these', test: ({ code }) => /\$these\b|[\w$]\/aggregate\(/.test(code) },
  { category: '$apply inside $expand', test: ({ code }) => /\(\s*\$?apply=/i.test(code) },
  { category: "aggregation 'from'", test: ({ code }) => /\sfrom\s/.test(code) },
  {
    category: 'function call with named parameters',
    test: ({ code }) => new RegExp(`[\\w.]\\(\\s*(?!\\$|(?:${NESTED_OPTION_NAMES})\\s*=)[A-Za-z_]\\w*\\s*=`, 'i').test(code),
  },
  {
    category: 'custom set transformation in $apply',
    test: ({ code, query }) => /apply=/i.test(query) && /(^|[=/,]\s*)[A-Za-z_]\w*\.[A-Za-z_]\w*\(/.test(code),
  },
  {
    category: 'custom aggregate or path/$count as alias',
    // An item that is just a path (custom aggregates) or ends in `/$count`, optionally with an alias.
    test: ({ code }) => aggregateItems(code).some((item) => /^\s*[\w.]+(\/[\w.$]+)*(\s+as\s+\w+)?\s*$/.test(item) && !/^\s*\$count\s/.test(item)),
  },
  {
    category: 'bound function or key inside a member path',
    test: ({ code }) => new RegExp(`/(?!(?:${APPLY_STEP_NAMES})\\()[\\w.$]+\\((?!\\s*\\$?(?:${NESTED_OPTION_NAMES})\\s*=)`, 'i').test(code),
  },
  { category: 'options or parameters on $select items (4.01)', test: ({ query }) => /(^|[&;(])\$?select=[^&;]*?[\w*]\(/i.test(query) },
  {
    category: 'options on /$count inside an expression',
    test: ({ query }) => /(^|[&;])\$?(filter|orderby)=[^&]*\/\$count\(/i.test(query),
  },
  {
    category: 'year outside 0001-9999 (.NET range)',
    test: ({ text }) => /(^|[^\d])(-\d{4,}|0000|\d{5,})-\d\d-\d\d/.test(text),
  },
  {
    category: 'lenient like ASP.NET: space after =',
    test: ({ query }) => /(^|&)\$?\w+=[ \t]/.test(query),
  },
  { category: 'negative case that needs the model', test: ({ testCase }) => MODEL_DEPENDENT.has(testCase.input) },
];

function keyAsSegment(path: string): boolean {
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const previous = segments[i - 1]!;
    const unclosed = previous.split('(').length > previous.split(')').length;
    const segment = segments[i]!;
    if (!unclosed && segment !== '' && !/^(\$\w+|[A-Za-z_][\w.]*(\(.*)?)$/.test(decodeLeniently(segment))) return true;
  }
  return false;
}

/** Items of every `aggregate(...)` transformation in `code` (top-level commas only). */
function aggregateItems(code: string): string[] {
  const items: string[] = [];
  const opener = /(^|[=/(,\s])aggregate\(/g;
  for (let match = opener.exec(code); match !== null; match = opener.exec(code)) {
    let depth = 0;
    let item = '';
    for (let i = match.index + match[0].length; i < code.length; i++) {
      const c = code[i]!;
      if (c === '(') depth++;
      if (c === ')' && depth-- === 0) break;
      if (c === ',' && depth === 0) {
        items.push(item);
        item = '';
      } else {
        item += c;
      }
    }
    items.push(item);
  }
  return items;
}

function decodeLeniently(text: string): string {
  try {
    return percentDecode(text, { plusAsSpace: false });
  } catch {
    return text;
  }
}

const PATH_RULES = new Set(['resourcePath', 'entitySetName', 'odataIdentifier']);

function probeOf(testCase: ConformanceCase): Probe {
  const text = decodeLeniently(testCase.input);
  const isUri = testCase.rule === 'odataRelativeUri' || testCase.rule === 'odataUri';
  let query = '';
  let path = '';
  if (isUri) {
    // The path stays raw: it is split on `/` before decoding, as parseResourcePath does.
    const q = testCase.input.indexOf('?');
    path = q < 0 ? testCase.input : testCase.input.slice(0, q);
    query = q < 0 ? '' : decodeLeniently(testCase.input.slice(q + 1));
  } else if (QUERY_RULES.has(testCase.rule)) {
    query = text;
  } else if (PATH_RULES.has(testCase.rule)) {
    path = testCase.input;
  }
  const expressionText = isUri || QUERY_RULES.has(testCase.rule) ? query : PATH_RULES.has(testCase.rule) ? '' : text;
  const code = expressionText.replace(/'(?:[^']|'')*'/g, "''");
  return { testCase, text, code, query, path };
}

// ---------------------------------------------------------------------------------------------
// Running one case

/** Throws (ODataError) when our parsers reject the case input under its start rule. */
function runEntryPoint(testCase: ConformanceCase): void {
  const { rule, input } = testCase;
  if (EXPRESSION_RULES.has(rule)) {
    parseFilter(percentDecode(input, { plusAsSpace: false }));
    return;
  }
  if (rule === 'anyExpr') {
    // anyExpr is the part after `path/`; embed it where the grammar allows it.
    parseFilter('Items/' + percentDecode(input, { plusAsSpace: false }));
    return;
  }
  if (QUERY_RULES.has(rule)) {
    parseQueryString(input);
    return;
  }
  if (rule === 'odataRelativeUri') {
    const q = input.indexOf('?');
    parseResourcePath(q < 0 ? input : input.slice(0, q));
    if (q >= 0) parseQueryString(input.slice(q + 1));
    return;
  }
  if (PATH_RULES.has(rule)) {
    parseResourcePath(input);
    return;
  }
  const literalRule = LITERAL_RULES.get(rule);
  if (literalRule) {
    const text = literalRule.raw ? input : percentDecode(input, { plusAsSpace: false });
    const literal = parseLiteral(text);
    if (literalRule.types !== 'any' && !literalRule.types.includes(literal.type)) {
      throw new ODataError('syntax', `parsed as ${literal.type}, not ${literalRule.types.join('/')}`);
    }
    return;
  }
  if (rule === 'durationValue' || rule === 'durationLiteral') {
    // durationValue is the body without quotes; the 4.01 bare form `'P1D'` reads as a string
    // literal in an expression, so check its body as a duration.
    const decoded = rule === 'durationValue' ? input : percentDecode(input, { plusAsSpace: false });
    const literal = parseLiteral(
      rule === 'durationValue' ? `duration'${decoded}'` : decoded.startsWith("'") ? `duration${decoded}` : decoded,
    );
    if (literal.type !== 'duration') throw new ODataError('syntax', `parsed as ${literal.type}, not duration`);
    return;
  }
  throw new Error(`no entry point for rule ${rule}`);
}

function hasEntryPoint(rule: string): boolean {
  return (
    EXPRESSION_RULES.has(rule) ||
    QUERY_RULES.has(rule) ||
    LITERAL_RULES.has(rule) ||
    PATH_RULES.has(rule) ||
    rule === 'anyExpr' ||
    rule === 'odataRelativeUri' ||
    rule === 'durationValue' ||
    rule === 'durationLiteral'
  );
}

export function runCase(testCase: ConformanceCase): Outcome {
  if (!testCase.areas.some(isSupportedArea)) {
    return { kind: 'outOfScope', category: `area not supported (${testCase.areas.join(', ')})` };
  }
  const probe = probeOf(testCase);
  const detector = DETECTORS.find((candidate) => candidate.test(probe));
  if (detector) return { kind: 'outOfScope', category: detector.category };
  if (!hasEntryPoint(testCase.rule)) return { kind: 'outOfScope', category: `start rule ${testCase.rule} is not a parser entry point` };
  const negative = testCase.failAt !== undefined;
  try {
    runEntryPoint(testCase);
  } catch (error) {
    if (!(error instanceof ODataError)) {
      return { kind: 'fail', detail: `crashed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
    }
    if (error.kind !== 'syntax') return { kind: 'fail', detail: `rejected with a ${error.kind} error: ${error.message}` };
    return negative ? { kind: 'pass' } : { kind: 'fail', detail: `rejected: ${error.message}` };
  }
  return negative ? { kind: 'fail', detail: `accepted, but the grammar rejects it at ${testCase.failAt}` } : { kind: 'pass' };
}

export function loadCases(indexPath = DEFAULT_INDEX): ConformanceCase[] {
  return JSON.parse(readFileSync(indexPath, 'utf8')) as ConformanceCase[];
}

export function runConformance(cases: readonly ConformanceCase[]): CaseResult[] {
  return cases.map((testCase) => ({ testCase, outcome: runCase(testCase) }));
}

// ---------------------------------------------------------------------------------------------
// Per-area summary

export interface AreaSummary {
  readonly area: string;
  readonly total: number;
  readonly positive: { readonly run: number; readonly passed: number };
  readonly negative: { readonly run: number; readonly passed: number };
  readonly outOfScope: ReadonlyMap<string, number>;
}

export function summarize(results: readonly CaseResult[]): AreaSummary[] {
  const areas = new Map<string, { total: number; pos: [number, number]; neg: [number, number]; out: Map<string, number> }>();
  const rowOf = (area: string) => {
    let row = areas.get(area);
    if (!row) areas.set(area, (row = { total: 0, pos: [0, 0], neg: [0, 0], out: new Map() }));
    return row;
  };
  for (const area of SUPPORTED_AREAS) rowOf(area);
  for (const { testCase, outcome } of results) {
    // `apply:*` sub-areas fold into `$apply`; a case counts once per area.
    for (const area of new Set(testCase.areas.map((a) => (a.startsWith('apply:') ? '$apply' : a)))) {
      const row = rowOf(area);
      row.total++;
      if (outcome.kind === 'outOfScope') {
        const category = outcome.category.startsWith('area not supported') ? 'area not supported' : outcome.category;
        row.out.set(category, (row.out.get(category) ?? 0) + 1);
        continue;
      }
      const bucket = testCase.failAt === undefined ? row.pos : row.neg;
      bucket[0]++;
      if (outcome.kind === 'pass') bucket[1]++;
    }
  }
  return [...areas.entries()].map(([area, row]) => ({
    area,
    total: row.total,
    positive: { run: row.pos[0], passed: row.pos[1] },
    negative: { run: row.neg[0], passed: row.neg[1] },
    outOfScope: row.out,
  }));
}

export function inScopePassRate(summary: AreaSummary): number {
  const run = summary.positive.run + summary.negative.run;
  return run === 0 ? 1 : (summary.positive.passed + summary.negative.passed) / run;
}

export function formatTable(summaries: readonly AreaSummary[]): string {
  const lines = [
    '| area | cases | in scope (+/-) | passed (+/-) | in-scope pass rate | out of scope (reason: cases) |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const s of summaries) {
    const run = s.positive.run + s.negative.run;
    const passed = s.positive.passed + s.negative.passed;
    const rate = run === 0 ? '-' : `${((100 * passed) / run).toFixed(1)}%`;
    const out = [...s.outOfScope.entries()]
      .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
      .map(([category, n]) => `${category}: ${n}`)
      .join('; ');
    lines.push(
      `| ${s.area} | ${s.total} | ${run} (${s.positive.run}/${s.negative.run}) | ${passed} (${s.positive.passed}/${s.negative.passed}) | ${rate} | ${out} |`,
    );
  }
  return lines.join('\n');
}

/** Cases per out-of-scope category, each case counted once. */
export function formatCategories(results: readonly CaseResult[]): string {
  const counts = new Map<string, number>();
  for (const { outcome } of results) {
    if (outcome.kind !== 'outOfScope') continue;
    const category = outcome.category.startsWith('area not supported') ? 'area not supported' : outcome.category;
    counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  const lines = ['| out-of-scope category | cases |', '|---|---:|'];
  for (const [category, n] of [...counts.entries()].sort(([a, m], [b, n]) => n - m || a.localeCompare(b))) {
    lines.push(`| ${category} | ${n} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const results = runConformance(loadCases());
  console.log(formatTable(summarize(results)));
  console.log('');
  console.log(formatCategories(results));
  const inScope = results.filter((r) => r.outcome.kind !== 'outOfScope');
  const passed = inScope.filter((r) => r.outcome.kind === 'pass');
  console.log(`\nAll cases: ${results.length}; in scope: ${inScope.length}; passed: ${passed.length}; out of scope: ${results.length - inScope.length}.`);
  if (process.argv.includes('--failures')) {
    for (const { testCase, outcome } of results) {
      if (outcome.kind === 'fail') console.log(`FAIL [${testCase.rule}] ${JSON.stringify(testCase.input)}\n     ${outcome.detail}`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
