/** EDM primitive types used by the Monitor schema. */
export type EdmPrimitive =
  | 'Edm.Guid'
  | 'Edm.String'
  | 'Edm.Boolean'
  | 'Edm.Byte'
  | 'Edm.Int16'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Double'
  | 'Edm.Decimal'
  | 'Edm.DateTimeOffset'
  | 'Edm.Date'
  | 'Edm.TimeOfDay'
  | 'Edm.Duration';

export interface PropertyDef {
  readonly name: string;
  readonly type: EdmPrimitive;
  readonly nullable: boolean;
}

/** One equality of a join: `source.local = target.target`. */
export interface JoinPair {
  readonly local: string;
  readonly target: string;
}

export interface NavigationDef {
  readonly name: string;
  /** Qualified name of the target entity type. */
  readonly target: string;
  readonly collection: boolean;
  /**
   * How rows of the target are found. `null` for relationships the schema declares but no
   * column pair expresses (many-to-many links the Monitor database keeps in tables it does not expose).
   */
  readonly on: readonly JoinPair[] | null;
}

export interface EntityTypeDef {
  /** Qualified name, e.g. `Citrix.Monitor.Model.Machine`. */
  readonly name: string;
  readonly key: readonly string[];
  readonly properties: readonly PropertyDef[];
  readonly navigations: readonly NavigationDef[];
}

export interface EntitySetDef {
  readonly name: string;
  /** Qualified name of the entity type. */
  readonly entityType: string;
  /** Citrix's published hint: filter on these for speed. Indexed by the PostgreSQL engine. */
  readonly indexedFields: readonly string[];
  /**
   * Physical row order and default (stable) ordering; a permutation of the key that puts the
   * time column first for time series, so date filters and keyset paging read adjacent rows.
   */
  readonly order: readonly string[];
}
