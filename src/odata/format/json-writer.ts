// Writes OData JSON for query results, straight to text: rows are shaped by the plan's layout,
// so aggregate aliases and expands need no schema of their own.
import type { EdmPrimitive } from '../../model/types.js';
import { odataDateTimeOffset } from '../../edm/date-time.js';
import type { FieldLayout } from '../../sql/lower-query.js';
import { parentKey, type ChildRows, type PageRows } from '../../store/run-plan.js';
import type { RowValue } from '../../store/store.js';
import type { MetadataLevel } from '../parse/syntax.js';

export interface JsonOptions {
  readonly metadata: MetadataLevel;
  /** `IEEE754Compatible=true`: Int64 and Decimal values (and counts) as strings. */
  readonly ieee754: boolean;
}

export function jsonValue(value: RowValue, type: EdmPrimitive | null, options: JsonOptions): string {
  if (value === null) return 'null';
  switch (type) {
    case 'Edm.DateTimeOffset':
      return typeof value === 'bigint' ? `"${odataDateTimeOffset(value)}"` : JSON.stringify(String(value));
    case 'Edm.Int64':
    case 'Edm.Decimal':
      return options.ieee754 ? `"${String(value)}"` : String(value);
    case 'Edm.Double':
      if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"INF"' : '"-INF"';
      return String(value);
    case 'Edm.Boolean':
      return value ? 'true' : 'false';
    case 'Edm.Byte':
    case 'Edm.Int16':
    case 'Edm.Int32':
      return String(value);
    default:
      if (typeof value === 'bigint') return options.ieee754 ? `"${value}"` : String(value);
      if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      return JSON.stringify(value);
  }
}

/** JSON members of one row (without braces) for a level of the layout. */
export function writeFields(row: readonly RowValue[], layout: readonly FieldLayout[], children: ChildRows, options: JsonOptions): string {
  let out = '';
  for (const field of layout) {
    if (out.length > 0) out += ',';
    switch (field.kind) {
      case 'value':
        out += `${JSON.stringify(field.name)}:${jsonValue(row[field.column]!, field.type, options)}`;
        break;
      case 'entity':
        out += `${JSON.stringify(field.name)}:${row[field.presence] === null ? 'null' : `{${writeFields(row, field.fields, children, options)}}`}`;
        break;
      case 'collection': {
        const rows = children.get(field.plan)?.get(parentKey(row, field.parentColumns)) ?? [];
        if (field.plan.countColumn !== undefined) {
          const count = rows.length > 0 ? String(rows[0]![field.plan.countColumn]) : '0';
          out += `${JSON.stringify(`${field.name}@odata.count`)}:${options.ieee754 ? `"${count}"` : count},`;
        }
        out += `${JSON.stringify(field.name)}:[${rows.map((r) => `{${writeFields(r, field.plan.layout, children, options)}}`).join(',')}]`;
        break;
      }
    }
  }
  return out;
}

export interface CollectionDocument {
  readonly context: string;
  readonly page: PageRows;
  readonly layout: readonly FieldLayout[];
  readonly nextLink: string | undefined;
}

export function writeCollection(doc: CollectionDocument, options: JsonOptions): string {
  const parts: string[] = [];
  if (options.metadata !== 'none') parts.push(`"@odata.context":${JSON.stringify(doc.context)}`);
  if (doc.page.count !== undefined) parts.push(`"@odata.count":${options.ieee754 ? `"${doc.page.count}"` : doc.page.count}`);
  const rows = doc.page.rows.map((row) => `{${writeFields(row, doc.layout, doc.page.children, options)}}`);
  parts.push(`"value":[${rows.join(',')}]`);
  if (doc.nextLink) parts.push(`"@odata.nextLink":${JSON.stringify(doc.nextLink)}`);
  return `{${parts.join(',')}}`;
}

export function writeEntity(context: string, row: readonly RowValue[], layout: readonly FieldLayout[], children: ChildRows, options: JsonOptions): string {
  const head = options.metadata !== 'none' ? `"@odata.context":${JSON.stringify(context)}` : '';
  const body = writeFields(row, layout, children, options);
  return `{${head}${head && body ? ',' : ''}${body}}`;
}
