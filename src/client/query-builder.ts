// An immutable builder of one entity set's query, typed by the generated entity types: `select`
// takes only properties of the set's entity type, `expand` only its navigation properties, and
// the row type follows what was selected and expanded. `toString()` is the URL below the
// service root, e.g. `Machines?$filter=Name%20ne%20null&$select=Id,Name`.
import type { EntitySetName, EntitySetNavigations, EntitySets } from './entity-types.js';
import { encodeQueryOptions, systemQueryEntries } from './query-string.js';

export type PropertyName<S extends EntitySetName> = keyof EntitySets[S] & string;
export type NavigationName<S extends EntitySetName> = keyof EntitySetNavigations[S] & string;
/** `Name`, `Name asc` or `Name desc`; any other `$orderby` text (navigation paths, aliases) is accepted too. */
export type OrderByClause<S extends EntitySetName> = PropertyName<S> | `${PropertyName<S>} ${'asc' | 'desc'}` | (string & {});
/** A row whose shape the types cannot know (after `$apply` or `$compute`, or from a raw query). */
export type AnyRow = Record<string, unknown>;

type Selection<S extends EntitySetName, Selected extends string> = [Selected] extends [never] ? EntitySets[S] : Pick<EntitySets[S], Selected & keyof EntitySets[S]>;

/** The row a query answers with: the selected properties (all without `select`) and the expanded navigations. */
export type EntityRow<S extends EntitySetName, Selected extends string, Expanded extends string> = [Expanded] extends [never]
  ? Selection<S, Selected>
  : Selection<S, Selected> & Pick<EntitySetNavigations[S], Expanded & keyof EntitySetNavigations[S]>;

interface Options {
  readonly apply?: string;
  readonly compute: readonly string[];
  readonly filter?: string;
  readonly select: readonly string[];
  readonly expand: readonly string[];
  readonly orderby: readonly string[];
  readonly top?: number;
  readonly skip?: number;
  readonly count?: boolean;
  readonly custom: readonly (readonly [string, string])[];
}

const NO_OPTIONS: Options = { compute: [], select: [], expand: [], orderby: [], custom: [] };

function nonNegativeInteger(option: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${option} must be a non-negative integer, got ${n}`);
  return n;
}

/** Appends to a list option, keeping each item once. */
function appended(list: readonly string[], items: readonly string[]): string[] {
  return [...list, ...items.filter((item, i) => !list.includes(item) && items.indexOf(item) === i)];
}

/**
 * A query of the entity set `S`. Each method returns a new builder. `filter` twice is both
 * conditions (`(a) and (b)`); `select`, `expand`, `orderby` and `compute` add to what is there;
 * `apply`, `top`, `skip` and `count` replace.
 */
export class QueryBuilder<S extends EntitySetName, Selected extends string = never, Expanded extends string = never, Row = EntityRow<S, Selected, Expanded>> {
  /** The row type (for inference only: never set). */
  declare readonly '~row'?: Row;

  constructor(
    readonly entitySet: S,
    private readonly options: Options = NO_OPTIONS,
  ) {}

  private with<B>(changes: Partial<Options>): B {
    return new QueryBuilder(this.entitySet, { ...this.options, ...changes }) as B;
  }

  filter(expression: string): QueryBuilder<S, Selected, Expanded, Row> {
    const filter = this.options.filter === undefined ? expression : `(${this.options.filter}) and (${expression})`;
    return this.with({ filter });
  }

  select<K extends PropertyName<S>>(...properties: K[]): QueryBuilder<S, Selected | K, Expanded, EntityRow<S, Selected | K, Expanded>> {
    return this.with({ select: appended(this.options.select, properties) });
  }

  /** Navigation properties, each alone or with nested options: `expand('Machine', 'DesktopGroup($select=Name)')`. */
  expand<N extends NavigationName<S>>(...navigations: (N | `${N}(${string})`)[]): QueryBuilder<S, Selected, Expanded | N, EntityRow<S, Selected, Expanded | N>> {
    return this.with({ expand: appended(this.options.expand, navigations) });
  }

  orderby(...clauses: OrderByClause<S>[]): QueryBuilder<S, Selected, Expanded, Row> {
    return this.with({ orderby: appended(this.options.orderby, clauses) });
  }

  top(n: number): QueryBuilder<S, Selected, Expanded, Row> {
    return this.with({ top: nonNegativeInteger('$top', n) });
  }

  skip(n: number): QueryBuilder<S, Selected, Expanded, Row> {
    return this.with({ skip: nonNegativeInteger('$skip', n) });
  }

  /** `$count=true`: the first page carries `@odata.count`, the number of rows before `$top`/`$skip`. */
  count(enabled = true): QueryBuilder<S, Selected, Expanded, Row> {
    return this.with({ count: enabled });
  }

  /** `$apply` transformations (`groupby(...)`, `aggregate(...)`, `filter(...)/...`): rows of any shape. */
  apply(transformations: string): QueryBuilder<S, Selected, Expanded, AnyRow> {
    return this.with({ apply: transformations });
  }

  /** `$compute` (`expr as Alias`): rows gain properties the types do not know. */
  compute(...expressions: string[]): QueryBuilder<S, Selected, Expanded, Row & AnyRow> {
    return this.with({ compute: appended(this.options.compute, expressions) });
  }

  /** Any other query option, written as given after the system options (e.g. `option('$format', 'json')`). */
  option(name: string, value: string): QueryBuilder<S, Selected, Expanded, Row> {
    return this.with({ custom: [...this.options.custom, [name, value]] });
  }

  /** The options in the order they are written. */
  entries(): [string, string][] {
    const o = this.options;
    const list = (items: readonly string[]) => (items.length === 0 ? undefined : items.join(','));
    const system = { ...o, compute: list(o.compute), select: list(o.select), expand: list(o.expand), orderby: list(o.orderby) };
    return [...systemQueryEntries(system), ...o.custom.map(([name, value]): [string, string] => [name, value])];
  }

  /** The URL relative to the service root: `Machines?$select=Id,Name&$top=10`. */
  toString(): string {
    const query = encodeQueryOptions(this.entries());
    return query === '' ? this.entitySet : `${this.entitySet}?${query}`;
  }
}

/** A builder for one entity set (also `client.query(set)`). */
export function query<S extends EntitySetName>(entitySet: S): QueryBuilder<S> {
  return new QueryBuilder(entitySet);
}
