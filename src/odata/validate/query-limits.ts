// How much one request may ask for. ASP.NET OData guards its services the same way
// (ODataValidationSettings: MaxTop, MaxExpansionDepth, MaxNodeCount, MaxAnyAllExpressionDepth);
// our defaults are chosen so that every request a real client sends passes, and only requests
// that could only be hostile or broken are refused. Use `Infinity` to lift a limit.

export interface QueryLimits {
  /** Largest `$top`, also inside `$expand(...)` and as `top(n)` in `$apply`. */
  readonly maxTop: number;
  /** `$expand=A` is depth 1, `$expand=A($expand=B)` depth 2; nested `expand()` in `$apply` counts alike. */
  readonly maxExpansionDepth: number;
  /** Syntax-tree nodes in the expressions of one query option (`$filter`, `$orderby`, `$compute`, `$apply`, `$expand`). */
  readonly maxNodeCount: number;
  /** `Sessions/any(s: s/Connections/any(...))` is depth 2. */
  readonly maxAnyAllExpressionDepth: number;
  /** Characters of the request URL; enforced by http/, not by validateQuery. */
  readonly maxUrlLength: number;
  /**
   * Entities one response writes, expanded ones included each time they are written; enforced by
   * http/ on the rows read. A page whose expansions would write more holds fewer rows (its next link
   * goes on from there); a single entity that would is refused.
   */
  readonly maxExpandedEntities: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  // Server paging (1000 rows a page) applies below this; a larger $top is a mistake or a scrape.
  maxTop: 100_000,
  // Citrix's own examples nest two levels; the Monitor schema has no useful chain longer than four.
  maxExpansionDepth: 4,
  // ASP.NET's default is 100, but Power BI folds a slicer selection into one `a eq x or a eq y or ...`
  // chain of four nodes a value: 1000 lets a selection of 250 values through.
  maxNodeCount: 1000,
  // ASP.NET's default is 1; DesktopGroups -> Machines -> Sessions -> Connections needs three.
  maxAnyAllExpressionDepth: 4,
  // Room for a filter at maxNodeCount, percent-encoded: 250 `MachineId eq <guid> or` terms take 15,250.
  maxUrlLength: 16_384,
  // A collection expanded under a single-valued navigation is written again for every row that shares
  // it: 1,000 summaries each with their delivery group's summaries came to 513 MB of JSON on a fleet
  // of 40 machines, at V8's limit on one string. 100,000 entities are some 50 MB at most.
  maxExpandedEntities: 100_000,
});
