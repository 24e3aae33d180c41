// Entry points for the value of each system query option, after odata.net's
// UriQueryExpressionParser.ParseFilter / ParseOrderBy / ParseApply / ParseCompute and
// SelectExpandSyntacticParser. Each takes the percent-decoded value of one option and returns its
// syntax tree; spans point into that value. Errors are syntax ODataErrors; query-string.ts adds
// the option name as the error's target.
import { syntaxError } from '../errors.js';
import { ApplyParser } from './apply-parser.js';
import { parseComputeItems } from './compute-parser.js';
import { ExpressionParser } from './expression-parser.js';
import { ExpressionLexer } from './lexer.js';
import { parseOrderByItems } from './orderby-parser.js';
import { syntaxErrorAt } from './parse-error.js';
import { RecursionGuard, type ParseSettings } from './recursion-guard.js';
import { ExpandParser, parseSelectItems } from './select-expand-parser.js';
import type {
  ApplyStepToken,
  ComputeItemToken,
  ExpandItemToken,
  ExprToken,
  OrderByItemToken,
  SelectItemToken,
} from './syntax.js';

interface ParseContext {
  readonly lexer: ExpressionLexer;
  readonly guard: RecursionGuard;
  readonly expressions: ExpressionParser;
}

/** Runs `parse` over the whole of `text` and insists that nothing is left over. */
function parseWhole<T>(text: string, settings: ParseSettings | undefined, parse: (context: ParseContext) => T): T {
  const lexer = new ExpressionLexer(text);
  const guard = new RecursionGuard(settings);
  const result = parse({ lexer, guard, expressions: new ExpressionParser(lexer, guard) });
  if (!lexer.is('end')) throw syntaxErrorAt('Syntax error', lexer.current.span, text);
  return result;
}

/** `$filter`: one Boolean-valued expression (the binder checks the type). */
export function parseFilter(text: string, settings?: ParseSettings): ExprToken {
  return parseWhole(text, settings, ({ expressions }) => expressions.parseExpression());
}

/** `$orderby=Name desc, Machine/Name`. */
export function parseOrderBy(text: string, settings?: ParseSettings): OrderByItemToken[] {
  return parseWhole(text, settings, ({ lexer, expressions }) => parseOrderByItems(lexer, expressions));
}

/** `$select=*, Name, Machine/Name`; a trailing comma is tolerated; an empty value gives no items. */
export function parseSelect(text: string, settings?: ParseSettings): SelectItemToken[] {
  return parseWhole(text, settings, ({ lexer }) => parseSelectItems(lexer));
}

/** `$expand=Session($select=*;$expand=User($select=UPN)),Machine`. */
export function parseExpand(text: string, settings?: ParseSettings): ExpandItemToken[] {
  return parseWhole(text, settings, ({ lexer, expressions, guard }) => new ExpandParser(lexer, expressions, guard).parseItems());
}

/** `$compute=expr as Alias, ...`. */
export function parseCompute(text: string, settings?: ParseSettings): ComputeItemToken[] {
  return parseWhole(text, settings, ({ lexer, expressions }) => parseComputeItems(lexer, expressions));
}

/** `$apply=step/step/...`. */
export function parseApply(text: string, settings?: ParseSettings): ApplyStepToken[] {
  return parseWhole(text, settings, ({ lexer, expressions, guard }) => new ApplyParser(lexer, expressions, guard).parseSequence());
}

const INT32_MAX = 2_147_483_647;

/**
 * `$top` / `$skip`: digits only, at most Int32 max. ODL reads these with NumberStyles.None (no
 * sign, no whitespace) and words the error as below.
 */
export function parseTopSkip(text: string, option: '$top' | '$skip' = '$top'): number {
  if (!/^\d+$/.test(text) || Number(text) > INT32_MAX) {
    throw syntaxError(
      `Invalid value '${text}' for ${option} query option found. The ${option} query option requires a non-negative integer value.`,
      { start: 0, end: text.length },
    );
  }
  return Number(text);
}

/** `$count=true|false`, case-insensitive; ODL's message for anything else. */
export function parseCountOption(text: string): boolean {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw syntaxError(`'${text}' is not a valid count option.`, { start: 0, end: text.length });
}
