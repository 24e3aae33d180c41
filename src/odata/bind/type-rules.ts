// Type rules of OData expressions as the reference (ODL + ASP.NET OData) applies them:
// numeric promotion, which operands compare, and the signatures of built-in functions.
import type { EdmPrimitive } from '../../model/types.js';
import type { BuiltInFunction } from './semantic.js';

const numericRank: Partial<Record<EdmPrimitive, number>> = {
  'Edm.Byte': 1,
  'Edm.Int16': 2,
  'Edm.Int32': 3,
  'Edm.Int64': 4,
  'Edm.Decimal': 5,
  'Edm.Double': 6,
};

export function isNumeric(type: EdmPrimitive | null): type is EdmPrimitive {
  return type !== null && numericRank[type] !== undefined;
}

export function isIntegral(type: EdmPrimitive | null): boolean {
  return type === 'Edm.Byte' || type === 'Edm.Int16' || type === 'Edm.Int32' || type === 'Edm.Int64';
}

/** The common type of two numeric operands; byte and short arithmetic happens in Int32 as in C#. */
export function promoteNumeric(a: EdmPrimitive, b: EdmPrimitive): EdmPrimitive {
  const wider = numericRank[a]! >= numericRank[b]! ? a : b;
  return wider === 'Edm.Byte' || wider === 'Edm.Int16' ? 'Edm.Int32' : wider;
}

/** Types whose values may be compared against each other (after numeric promotion). */
export function comparable(a: EdmPrimitive, b: EdmPrimitive): boolean {
  if (isNumeric(a) && isNumeric(b)) return true;
  if (a === b) return true;
  // A date-only literal against a DateTimeOffset compares calendar dates (see date-comparison.ts).
  return (a === 'Edm.Date' && b === 'Edm.DateTimeOffset') || (a === 'Edm.DateTimeOffset' && b === 'Edm.Date');
}

export const operatorKindName: Record<string, string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
  and: 'And',
  or: 'Or',
  add: 'Add',
  sub: 'Subtract',
  mul: 'Multiply',
  div: 'Divide',
  divby: 'Divide',
  mod: 'Modulo',
  has: 'Has',
};

export interface FunctionSignature {
  readonly params: readonly EdmPrimitive[];
  readonly returns: EdmPrimitive;
}

const S = 'Edm.String';
const I = 'Edm.Int32';
const B = 'Edm.Boolean';
const DTO = 'Edm.DateTimeOffset';
const DATE = 'Edm.Date';
const TOD = 'Edm.TimeOfDay';
const DBL = 'Edm.Double';
const DEC = 'Edm.Decimal';

/** Built-in functions and their overloads, as ODL's BuiltInUriFunctions declares them (the subset of types we store). */
export const functionSignatures: Record<BuiltInFunction, readonly FunctionSignature[]> = {
  contains: [{ params: [S, S], returns: B }],
  startswith: [{ params: [S, S], returns: B }],
  endswith: [{ params: [S, S], returns: B }],
  length: [{ params: [S], returns: I }],
  indexof: [{ params: [S, S], returns: I }],
  substring: [
    { params: [S, I], returns: S },
    { params: [S, I, I], returns: S },
  ],
  tolower: [{ params: [S], returns: S }],
  toupper: [{ params: [S], returns: S }],
  trim: [{ params: [S], returns: S }],
  concat: [{ params: [S, S], returns: S }],
  year: [{ params: [DTO], returns: I }, { params: [DATE], returns: I }],
  month: [{ params: [DTO], returns: I }, { params: [DATE], returns: I }],
  day: [{ params: [DTO], returns: I }, { params: [DATE], returns: I }],
  hour: [{ params: [DTO], returns: I }, { params: [TOD], returns: I }],
  minute: [{ params: [DTO], returns: I }, { params: [TOD], returns: I }],
  second: [{ params: [DTO], returns: I }, { params: [TOD], returns: I }],
  fractionalseconds: [{ params: [DTO], returns: DEC }, { params: [TOD], returns: DEC }],
  date: [{ params: [DTO], returns: DATE }],
  time: [{ params: [DTO], returns: TOD }],
  totaloffsetminutes: [{ params: [DTO], returns: I }],
  now: [{ params: [], returns: DTO }],
  maxdatetime: [{ params: [], returns: DTO }],
  mindatetime: [{ params: [], returns: DTO }],
  round: [{ params: [DBL], returns: DBL }, { params: [DEC], returns: DEC }],
  floor: [{ params: [DBL], returns: DBL }, { params: [DEC], returns: DEC }],
  ceiling: [{ params: [DBL], returns: DBL }, { params: [DEC], returns: DEC }],
};

export function isBuiltInFunction(name: string): name is BuiltInFunction {
  return Object.hasOwn(functionSignatures, name);
}

/** Whether a value of `from` may be passed where `to` is expected (implicit widening only). */
export function implicitlyConvertible(from: EdmPrimitive | null, to: EdmPrimitive): boolean {
  if (from === null || from === to) return true;
  if (isNumeric(from) && isNumeric(to)) return numericRank[from]! <= numericRank[to]!;
  return from === DATE && to === DTO;
}

/** Target types `cast()` accepts. */
export const castTargets: ReadonlySet<string> = new Set<EdmPrimitive>([
  'Edm.Boolean',
  'Edm.Byte',
  'Edm.Int16',
  'Edm.Int32',
  'Edm.Int64',
  'Edm.Double',
  'Edm.Decimal',
  'Edm.String',
  'Edm.Guid',
  'Edm.DateTimeOffset',
  'Edm.Date',
  'Edm.TimeOfDay',
]);
