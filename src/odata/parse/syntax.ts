// Syntax tree of OData URLs: what the text says, before any name is resolved against the model.
// Every node carries the span of text it came from, so later stages can point errors at it.
import type { Span } from '../errors.js';

export type { Span } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// Expressions ($filter, $orderby, $compute, and inside $apply)

export type LiteralToken =
  | { readonly kind: 'literal'; readonly type: 'null'; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'boolean'; readonly value: boolean; readonly span: Span }
  /** Integer without suffix; range checked against Int64 by the parser. */
  | { readonly kind: 'literal'; readonly type: 'integer'; readonly value: bigint; readonly span: Span }
  /** Number with a fraction and no exponent (`1.5`, `1.5m`): Edm.Decimal in OData, text kept exact. */
  | { readonly kind: 'literal'; readonly type: 'decimal'; readonly value: string; readonly span: Span }
  /** Number with an exponent, `INF`, `-INF`, `NaN`, or a `d`/`f` suffix. */
  | { readonly kind: 'literal'; readonly type: 'double'; readonly value: number; readonly span: Span }
  | { readonly kind: 'literal'; readonly type: 'string'; readonly value: string; readonly span: Span }
  /** Lower-case canonical 8-4-4-4-12 form. */
  | { readonly kind: 'literal'; readonly type: 'guid'; readonly value: string; readonly span: Span }
  /**
   * `2024-07-30T08:00:00Z`, offsets, 0-7 fractional digits. `epochMicros` is the instant in UTC
   * (fractions beyond microseconds are truncated); `text` is the literal as written.
   */
  | {
      readonly kind: 'literal';
      readonly type: 'dateTimeOffset';
      readonly epochMicros: bigint;
      readonly text: string;
      readonly span: Span;
    }
  /** `2025-05-03`: `year`, `month` (1-12), `day`. */
  | {
      readonly kind: 'literal';
      readonly type: 'date';
      readonly year: number;
      readonly month: number;
      readonly day: number;
      readonly span: Span;
    }
  /** `13:20:00`, `13:20:00.1234567`: microseconds since midnight. */
  | { readonly kind: 'literal'; readonly type: 'timeOfDay'; readonly micros: bigint; readonly span: Span }
  /** `duration'P1DT2H'` (and the 4.01 bare `'P1DT2H'` form): length in microseconds, may be negative. */
  | { readonly kind: 'literal'; readonly type: 'duration'; readonly micros: bigint; readonly span: Span };

/** One name in a member path; `$it`, `$this`, `$root` and lambda variables appear as segments too. */
export interface PathSegmentToken {
  readonly name: string;
  readonly span: Span;
}

/** `Name`, `Machine/DesktopGroup/Name`, `s/LogOnDuration` (lambda variable first). */
export interface PathToken {
  readonly kind: 'path';
  readonly segments: readonly PathSegmentToken[];
  readonly span: Span;
}

/** `Sessions/$count` inside an expression. */
export interface CountToken {
  readonly kind: 'count';
  readonly source: PathToken;
  readonly span: Span;
}

/** `Sessions/any(s: s/LogOnDuration gt 600000)`, `Sessions/any()`, `Sessions/all(x: ...)`. */
export interface LambdaToken {
  readonly kind: 'lambda';
  readonly operator: 'any' | 'all';
  readonly source: PathToken;
  /** Absent only for the argument-less `any()`. */
  readonly variable: PathSegmentToken | undefined;
  readonly predicate: ExprToken | undefined;
  readonly span: Span;
}

export type BinaryOperator =
  | 'or'
  | 'and'
  | 'eq'
  | 'ne'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'has'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'divby'
  | 'mod';

export interface BinaryToken {
  readonly kind: 'binary';
  readonly operator: BinaryOperator;
  readonly left: ExprToken;
  readonly right: ExprToken;
  /** Span of the operator keyword itself (for "operator not defined for types" errors). */
  readonly operatorSpan: Span;
  readonly span: Span;
}

export interface UnaryToken {
  readonly kind: 'unary';
  readonly operator: 'not' | 'negate';
  readonly operand: ExprToken;
  readonly span: Span;
}

/** `X in (1, 2, 3)`; the right side is always a parenthesised list of expressions (primitive literals in practice). */
export interface InToken {
  readonly kind: 'in';
  readonly left: ExprToken;
  readonly list: readonly ExprToken[];
  readonly span: Span;
}

/** A qualified type name used as a function argument: `cast(X, Edm.Int32)`, `isof(Edm.String)`. */
export interface TypeNameToken {
  readonly kind: 'typeName';
  readonly name: string;
  readonly span: Span;
}

/** `contains(Name,'x')`, `year(StartDate)`, `now()`, `cast(X, Edm.Int64)`, `isof(X, Edm.String)`. Name as written. */
export interface CallToken {
  readonly kind: 'call';
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: readonly ExprToken[];
  readonly span: Span;
}

export type ExprToken =
  | LiteralToken
  | PathToken
  | CountToken
  | LambdaToken
  | BinaryToken
  | UnaryToken
  | InToken
  | TypeNameToken
  | CallToken;

// ---------------------------------------------------------------------------------------------
// $orderby, $select, $expand, $compute

export interface OrderByItemToken {
  readonly expr: ExprToken;
  readonly direction: 'asc' | 'desc';
  readonly span: Span;
}

export type SelectItemToken =
  | { readonly kind: 'star'; readonly span: Span }
  | { readonly kind: 'path'; readonly path: PathToken; readonly span: Span };

/** An option value parsed from a nested `(...)` together with where it was written. */
export interface Located<T> {
  readonly value: T;
  readonly span: Span;
}

/** Options nested in `$expand=Nav($select=...;$filter=...)`; names are matched case-insensitively, `$` optional. */
export interface NestedOptionsToken {
  readonly filter?: Located<ExprToken>;
  readonly select?: Located<readonly SelectItemToken[]>;
  readonly expand?: Located<readonly ExpandItemToken[]>;
  readonly orderby?: Located<readonly OrderByItemToken[]>;
  readonly top?: Located<number>;
  readonly skip?: Located<number>;
  readonly count?: Located<boolean>;
  readonly compute?: Located<readonly ComputeItemToken[]>;
  /** A positive integer or `max`. */
  readonly levels?: Located<number | 'max'>;
}

export interface ExpandItemToken {
  /** Navigation path; `*` is a single segment named `*`. `$ref` / `$count` suffixes are kept as last segments. */
  readonly path: PathToken;
  readonly options: NestedOptionsToken;
  readonly span: Span;
}

export interface ComputeItemToken {
  readonly expr: ExprToken;
  readonly alias: PathSegmentToken;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// $apply (OData Data Aggregation 4.0): a sequence of transformations separated by `/`

export type AggregateMethod = 'sum' | 'min' | 'max' | 'average' | 'countdistinct';

export type AggregateItemToken =
  | {
      readonly kind: 'aggregate';
      readonly expr: ExprToken;
      /** Built-in method, or a qualified custom method name. */
      readonly method: AggregateMethod | string;
      readonly alias: PathSegmentToken;
      readonly span: Span;
    }
  /** `$count as Alias`. */
  | { readonly kind: 'count'; readonly alias: PathSegmentToken; readonly span: Span };

export type ApplyStepToken =
  | { readonly kind: 'aggregate'; readonly items: readonly AggregateItemToken[]; readonly span: Span }
  | {
      readonly kind: 'groupby';
      readonly properties: readonly PathToken[];
      /** Transformations given after the grouping list: `groupby((a), aggregate(...))`. */
      readonly then: readonly ApplyStepToken[];
      readonly span: Span;
    }
  | { readonly kind: 'filter'; readonly expr: ExprToken; readonly span: Span }
  | { readonly kind: 'compute'; readonly items: readonly ComputeItemToken[]; readonly span: Span }
  | { readonly kind: 'expand'; readonly expand: ApplyExpandToken; readonly span: Span }
  | { readonly kind: 'orderby'; readonly items: readonly OrderByItemToken[]; readonly span: Span }
  | { readonly kind: 'top' | 'skip'; readonly count: number; readonly span: Span }
  | {
      readonly kind: 'topcount' | 'bottomcount' | 'topsum' | 'bottomsum' | 'toppercent' | 'bottompercent';
      readonly n: ExprToken;
      readonly value: ExprToken;
      readonly span: Span;
    }
  | { readonly kind: 'concat'; readonly branches: readonly (readonly ApplyStepToken[])[]; readonly span: Span }
  | { readonly kind: 'identity'; readonly span: Span }
  | { readonly kind: 'search'; readonly text: string; readonly span: Span };

/** `expand(Machine, expand(DesktopGroup, filter(Name ne null)))`. */
export interface ApplyExpandToken {
  readonly path: PathToken;
  readonly filter: ExprToken | undefined;
  readonly nested: readonly ApplyExpandToken[];
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Resource path (after the service root) and key predicates

export interface KeyValueToken {
  /** Absent for the single-key short form `Machines(guid)`. */
  readonly name: PathSegmentToken | undefined;
  readonly value: LiteralToken;
  readonly span: Span;
}

export type ResourceSegmentToken =
  | {
      /** An entity set, navigation property or structural property name. */
      readonly kind: 'name';
      readonly name: string;
      /** `Set()` gives an empty list (allowed on the entity set only); no parentheses gives `undefined`. */
      readonly key: readonly KeyValueToken[] | undefined;
      readonly span: Span;
    }
  | { readonly kind: 'count'; readonly span: Span }
  | { readonly kind: 'value'; readonly span: Span }
  | { readonly kind: 'metadata'; readonly span: Span }
  | { readonly kind: 'batch'; readonly span: Span };

export interface ResourcePathToken {
  readonly segments: readonly ResourceSegmentToken[];
}

// ---------------------------------------------------------------------------------------------
// Query options of one request

export type MetadataLevel = 'minimal' | 'full' | 'none';

/** All system query options of one request, each parsed; custom (non-`$`) parameters are dropped. */
export interface QueryOptionsToken {
  readonly filter?: Located<ExprToken>;
  readonly select?: Located<readonly SelectItemToken[]>;
  readonly expand?: Located<readonly ExpandItemToken[]>;
  readonly orderby?: Located<readonly OrderByItemToken[]>;
  readonly top?: Located<number>;
  readonly skip?: Located<number>;
  readonly count?: Located<boolean>;
  readonly compute?: Located<readonly ComputeItemToken[]>;
  readonly apply?: Located<readonly ApplyStepToken[]>;
  readonly search?: Located<string>;
  /** Opaque; decoded by the paging code that wrote it. */
  readonly skiptoken?: Located<string>;
  /** `json`, `application/json`, with optional `;odata.metadata=...;IEEE754Compatible=...`. */
  readonly format?: Located<string>;
}
