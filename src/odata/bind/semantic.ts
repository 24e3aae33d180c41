// The bound (semantic) query tree: every name resolved against the model, every expression typed.
// sql/ lowers this tree; it never sees query text.
import type { EdmPrimitive, EntitySetDef, EntityTypeDef, NavigationDef, PropertyDef } from '../../model/types.js';
import { assertNever } from '../parse/assert-never.js';

export { assertNever };

/** A row source that expressions refer to: the request's entity set (`$it`) or a lambda variable. */
export interface RangeVariable {
  readonly id: number;
  readonly name: string;
  readonly type: EntityTypeDef;
}

/** Values of constants, by EDM type: see `constantValueOf` in constants.ts. */
export type ConstantValue = null | boolean | number | bigint | string;

export type BoundExpr =
  | { readonly kind: 'constant'; readonly type: EdmPrimitive | null; readonly value: ConstantValue }
  /** A structural property reached from a range variable through zero or more single-valued navigations. */
  | {
      readonly kind: 'property';
      readonly range: RangeVariable;
      readonly navPath: readonly NavigationDef[];
      readonly property: PropertyDef;
      readonly type: EdmPrimitive;
    }
  /** A value computed by `$compute` (or `$apply`), referred to by its alias. */
  | { readonly kind: 'computed'; readonly alias: string; readonly expr: BoundExpr; readonly type: EdmPrimitive | null }
  /** A single-valued navigation used as a value; only compared with null. */
  | {
      readonly kind: 'entityRef';
      readonly range: RangeVariable;
      readonly navPath: readonly NavigationDef[];
      readonly type: EntityTypeDef;
    }
  | {
      readonly kind: 'binary';
      readonly operator: BoundBinaryOperator;
      readonly left: BoundExpr;
      readonly right: BoundExpr;
      readonly type: EdmPrimitive;
    }
  | { readonly kind: 'not'; readonly operand: BoundExpr; readonly type: 'Edm.Boolean' }
  | { readonly kind: 'negate'; readonly operand: BoundExpr; readonly type: EdmPrimitive }
  | { readonly kind: 'in'; readonly operand: BoundExpr; readonly list: readonly BoundExpr[]; readonly type: 'Edm.Boolean' }
  | { readonly kind: 'call'; readonly fn: BuiltInFunction; readonly args: readonly BoundExpr[]; readonly type: EdmPrimitive }
  /** `lenient`: the user's cast(), which yields null where a conversion is impossible; implicit widenings are not lenient. */
  | { readonly kind: 'cast'; readonly operand: BoundExpr; readonly type: EdmPrimitive; readonly lenient: boolean }
  /** `Sessions/any(s: ...)` / `all`: rows of a collection navigation reached from a range variable. */
  | {
      readonly kind: 'lambda';
      readonly operator: 'any' | 'all';
      readonly source: CollectionSource;
      readonly variable: RangeVariable;
      readonly predicate: BoundExpr | undefined;
      readonly type: 'Edm.Boolean';
    }
  /** `Sessions/$count`. */
  | { readonly kind: 'count'; readonly source: CollectionSource; readonly type: 'Edm.Int64' }
  /** A field of a row produced by `$apply` aggregation (a group key, an aggregate or a later computed value). */
  | { readonly kind: 'field'; readonly field: ShapeField; readonly type: EdmPrimitive | null };

export type BoundBinaryOperator =
  | 'and'
  | 'or'
  | 'eq'
  | 'ne'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'add'
  | 'sub'
  | 'mul'
  /** Division in the operands' type: integer division for integers, as C# does. */
  | 'div'
  /** Always fractional division (OData 4.01 `divby`). */
  | 'divby'
  | 'mod';

export type BuiltInFunction =
  | 'contains'
  | 'startswith'
  | 'endswith'
  | 'length'
  | 'indexof'
  | 'substring'
  | 'tolower'
  | 'toupper'
  | 'trim'
  | 'concat'
  | 'year'
  | 'month'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'fractionalseconds'
  | 'date'
  | 'time'
  | 'totaloffsetminutes'
  | 'now'
  | 'maxdatetime'
  | 'mindatetime'
  | 'round'
  | 'floor'
  | 'ceiling';

/** A collection navigation reached from a range variable through single-valued navigations. */
export interface CollectionSource {
  readonly range: RangeVariable;
  readonly navPath: readonly NavigationDef[];
  readonly collection: NavigationDef;
  readonly target: EntityTypeDef;
}

export interface BoundOrderItem {
  readonly expr: BoundExpr;
  readonly descending: boolean;
}

export interface ComputedItem {
  readonly alias: string;
  readonly expr: BoundExpr;
}

/**
 * What a level of the response shows: structural properties, computed aliases and expanded
 * navigations, in response order. `all` marks `$select=*` or no `$select` (for the context URL).
 */
export interface Projection {
  readonly properties: readonly PropertyDef[];
  readonly computed: readonly ComputedItem[];
  readonly expands: readonly BoundExpand[];
  /** Selected names as the context URL lists them, or undefined when everything is selected. */
  readonly contextSelect: readonly string[] | undefined;
}

/** `$expand=Nav(...)` of one navigation, with its nested options. */
export interface BoundExpand {
  readonly navigation: NavigationDef;
  readonly target: EntityTypeDef;
  readonly filter: BoundExpr | undefined;
  readonly orderby: readonly BoundOrderItem[];
  readonly top: number | undefined;
  readonly skip: number | undefined;
  readonly count: boolean;
  readonly projection: Projection;
  /** The row variable of the expanded entity, for filter/orderby expressions inside. */
  readonly range: RangeVariable;
}

/** Filters that pick the rows a resource path addresses, applied before the query options. */
export type PathStep =
  /** Rows of the root entity set. */
  | { readonly kind: 'set'; readonly set: EntitySetDef; readonly type: EntityTypeDef }
  /** Key predicate on the rows addressed so far. */
  | { readonly kind: 'key'; readonly values: readonly { readonly property: PropertyDef; readonly value: BoundExpr }[] }
  /** Follow a navigation from the rows addressed so far. */
  | { readonly kind: 'navigate'; readonly navigation: NavigationDef; readonly target: EntityTypeDef };

export type ResultKind =
  /** A collection of entities: `Machines`, `Machines(1)/Sessions`. */
  | 'collection'
  /** One entity: `Machines(1)`, `Sessions(k)/Machine`; 404 when absent. */
  | 'entity'
  /** `.../$count`: a plain-text number. */
  | 'count'
  /** `Machines(1)/Name` (JSON `value`) or `.../Name/$value` (raw text). */
  | 'property'
  | 'rawValue';

export interface BoundQuery {
  readonly kind: ResultKind;
  /** Path from the root set to the addressed rows. */
  readonly path: readonly PathStep[];
  /** The entity set the result rows belong to (for the context URL); a navigation target without a set uses its type. */
  readonly set: EntitySetDef | undefined;
  readonly type: EntityTypeDef;
  readonly range: RangeVariable;
  /** Present for `property`/`rawValue` results. */
  readonly property: PropertyDef | undefined;
  readonly filter: BoundExpr | undefined;
  readonly compute: readonly ComputedItem[];
  readonly orderby: readonly BoundOrderItem[];
  readonly top: number | undefined;
  readonly skip: number | undefined;
  readonly count: boolean;
  readonly projection: Projection;
  readonly apply: ApplyClause | undefined;
  /** For aggregated results: the fields shown, in response order. */
  readonly fields: readonly ShapeField[] | undefined;
}

// ---------------------------------------------------------------------------------------------
// $apply

/** A field of an aggregated row: `DesktopGroup/Name` is path ['DesktopGroup'] and name 'Name'. */
export interface ShapeField {
  readonly name: string;
  /** Navigation names leading to the field; the response nests the field in objects of these names. */
  readonly path: readonly string[];
  readonly type: EdmPrimitive | null;
  /** Column name in the SQL stage that holds the field; unique within one query. */
  readonly column: string;
  /** `hidden`: kept for ordering only (which concat() branch a row came from), never written. */
  readonly role: 'group' | 'aggregate' | 'computed' | 'hidden';
}

/** The rows a transformation produces after aggregation (Olingo's DynamicStructuredType). */
export interface AggregatedShape {
  readonly fields: readonly ShapeField[];
  /** Group keys: the stable ordering of aggregated rows. */
  readonly keys: readonly ShapeField[];
}

export type AggregateMethodName = 'sum' | 'min' | 'max' | 'average' | 'countdistinct' | 'count';

export interface BoundAggregate {
  readonly method: AggregateMethodName;
  /** Absent for `$count`. */
  readonly expr: BoundExpr | undefined;
  readonly field: ShapeField;
}

/** Transformations after the first aggregation (or reshaping); earlier filters fold into `ApplyClause.entityFilters`. */
export type BoundApplyStep =
  | {
      readonly kind: 'aggregate';
      /** False for a plain projection of entities (one row each), true for groupby()/aggregate(). */
      readonly grouped: boolean;
      readonly keys: readonly { readonly expr: BoundExpr; readonly field: ShapeField }[];
      readonly aggregates: readonly BoundAggregate[];
      readonly output: AggregatedShape;
    }
  | { readonly kind: 'filter'; readonly predicate: BoundExpr }
  | { readonly kind: 'compute'; readonly items: readonly { readonly expr: BoundExpr; readonly field: ShapeField }[]; readonly output: AggregatedShape }
  | { readonly kind: 'orderby'; readonly items: readonly BoundOrderItem[] }
  | { readonly kind: 'top' | 'skip'; readonly count: number }
  | {
      readonly kind: 'topcount' | 'bottomcount' | 'topsum' | 'bottomsum' | 'toppercent' | 'bottompercent';
      readonly n: number;
      readonly expr: BoundExpr;
    }
  /** `concat(a, b, ...)`: the rows of every branch, each run from the entities. */
  | {
      readonly kind: 'concat';
      readonly branches: readonly ConcatBranch[];
      readonly output: AggregatedShape;
      /** Output field for each branch field column; output fields a branch lacks are null there. */
      readonly columnMap: ReadonlyMap<string, ShapeField>;
      readonly branchField: ShapeField;
    };

export interface ConcatBranch {
  readonly entityFilters: readonly BoundExpr[];
  readonly steps: readonly BoundApplyStep[];
  readonly shape: AggregatedShape;
}

export interface ApplyClause {
  /** `filter()` and `expand()` steps that run on entities, before any aggregation. */
  readonly entityFilters: readonly BoundExpr[];
  /** `compute()` steps that run on entities. */
  readonly entityCompute: readonly ComputedItem[];
  readonly steps: readonly BoundApplyStep[];
  /** The shape of the result rows; undefined when `$apply` kept entities (only filter/compute/expand). */
  readonly shape: AggregatedShape | undefined;
}

export function typeOf(expr: BoundExpr): EdmPrimitive | null {
  switch (expr.kind) {
    case 'constant':
    case 'computed':
      return expr.type;
    case 'entityRef':
      return null;
    case 'property':
    case 'binary':
    case 'not':
    case 'negate':
    case 'in':
    case 'call':
    case 'cast':
    case 'lambda':
    case 'count':
    case 'field':
      return expr.type;
    default:
      return assertNever(expr);
  }
}
