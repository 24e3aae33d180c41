// Query option values in a URL: percent-encoded so that any text survives (`&`, `#`, `%`, `+`,
// spaces, non-ASCII), while the characters OData expressions are made of stay readable.

/** Characters encodeURIComponent escapes that are safe in a query value and keep OData readable. */
const READABLE = /%(24|2C|2F|3A|3B|3D|40)/gi;

/** A URL with a scheme (`https://...`), as opposed to a path below the service root. */
export function isAbsoluteUrl(target: string): boolean {
  return /^[a-z][a-z\d+.-]*:/i.test(target);
}

/** One query option value, encoded: `Name eq 'a&b'` → `Name%20eq%20'a%26b'`. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(READABLE, (escape) => decodeURIComponent(escape));
}

/** `name=value` pairs joined with `&`, each value encoded. */
export function encodeQueryOptions(options: readonly (readonly [string, string])[]): string {
  return options.map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join('&');
}

/** A path or URL with more query options appended after the ones it already has. */
export function appendQueryOptions(target: string, options: readonly (readonly [string, string])[]): string {
  if (options.length === 0) return target;
  const hash = target.indexOf('#');
  const base = hash < 0 ? target : target.slice(0, hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${encodeQueryOptions(options)}`;
}

/** The system query options as their values are written (lists already joined with `,`). */
export interface SystemQueryOptions {
  readonly apply?: string;
  readonly compute?: string;
  readonly filter?: string;
  readonly select?: string;
  readonly expand?: string;
  readonly orderby?: string;
  readonly top?: number;
  readonly skip?: number;
  readonly count?: boolean;
}

const SYSTEM_OPTION_ORDER = ['apply', 'compute', 'filter', 'select', 'expand', 'orderby', 'top', 'skip', 'count'] as const;

/** `[$name, value]` for each option given, in the order the builder and the CLI write them. */
export function systemQueryEntries(options: SystemQueryOptions): [string, string][] {
  const entries: [string, string][] = [];
  for (const name of SYSTEM_OPTION_ORDER) {
    const value = options[name];
    if (value !== undefined && value !== '') entries.push([`$${name}`, String(value)]);
  }
  return entries;
}
