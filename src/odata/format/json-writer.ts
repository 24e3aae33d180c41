// Writes OData JSON for query results, straight to text: rows are shaped by the plan's layout,
// so aggregate aliases and expands need no schema of their own.
import type { EdmPrimitive } from '../../model/types.js';
import { odataDateTimeOffset } from '../../edm/date-time.js';
import type { EntityLayout } from '../../sql/lower-query.js';
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

/** Everything a row writer needs besides the row. */
export interface WriterContext {
  readonly options: JsonOptions;
  readonly serviceRoot: string;
  readonly children: ChildRows;
}

/** Types JSON cannot tell apart from its own numbers and strings, annotated in full metadata. */
const annotatedTypes: ReadonlySet<string> = new Set(['Edm.Guid', 'Edm.DateTimeOffset', 'Edm.Int64', 'Edm.Int16', 'Edm.Byte', 'Edm.Decimal', 'Edm.Date', 'Edm.TimeOfDay', 'Edm.Duration']);

function keyLiteral(value: RowValue, type: EdmPrimitive): string {
  if (type === 'Edm.String') return `'${String(value).replaceAll("'", "''")}'`;
  if (type === 'Edm.DateTimeOffset' && typeof value === 'bigint') return odataDateTimeOffset(value);
  return String(value);
}

/** `Machines(<id>)` or `Set(A=1,B=2)`: the entity's canonical URL relative to the service root. */
function entityPath(row: readonly RowValue[], entity: EntityLayout): string | undefined {
  if (!entity.setName || entity.keys.length === 0) return undefined;
  const keys = entity.keys.length === 1
    ? keyLiteral(row[entity.keys[0]!.column]!, entity.keys[0]!.type)
    : entity.keys.map((k) => `${k.name}=${keyLiteral(row[k.column]!, k.type)}`).join(',');
  return `${entity.setName}(${encodeURI(keys)})`;
}

function fullMetadataHead(row: readonly RowValue[], entity: EntityLayout, context: WriterContext): string {
  let out = `"@odata.type":${JSON.stringify(`#${entity.typeName}`)}`;
  const path = entityPath(row, entity);
  if (path) out += `,"@odata.id":${JSON.stringify(`${context.serviceRoot}/${path}`)},"@odata.editLink":${JSON.stringify(path)}`;
  return out;
}

/** JSON members of one entity in a row (without braces). */
export function writeFields(row: readonly RowValue[], entity: EntityLayout, context: WriterContext): string {
  const { options, children } = context;
  const full = options.metadata === 'full';
  let out = entity.transient ? (options.metadata === 'none' ? '' : '"@odata.id":null') : full ? fullMetadataHead(row, entity, context) : '';
  for (const field of entity.fields) {
    if (out.length > 0) out += ',';
    switch (field.kind) {
      case 'value':
        if (full && field.type && annotatedTypes.has(field.type)) out += `${JSON.stringify(`${field.name}@odata.type`)}:"#${field.type.slice(4)}",`;
        out += `${JSON.stringify(field.name)}:${jsonValue(row[field.column]!, field.type, options)}`;
        break;
      case 'entity':
        out += `${JSON.stringify(field.name)}:${field.presence !== undefined && row[field.presence] === null ? 'null' : `{${writeFields(row, field.entity, context)}}`}`;
        break;
      case 'collection': {
        const rows = children.get(field.plan)?.get(parentKey(row, field.parentColumns)) ?? [];
        if (field.plan.countColumn !== undefined) {
          const count = rows.length > 0 ? String(rows[0]![field.plan.countColumn]) : '0';
          out += `${JSON.stringify(`${field.name}@odata.count`)}:${options.ieee754 ? `"${count}"` : count},`;
        }
        out += `${JSON.stringify(field.name)}:[${rows.map((r) => `{${writeFields(r, field.plan.entity, context)}}`).join(',')}]`;
        break;
      }
    }
  }
  return out;
}

export interface CollectionDocument {
  readonly context: string;
  readonly page: PageRows;
  readonly entity: EntityLayout;
  readonly nextLink: string | undefined;
}

export function writeCollection(doc: CollectionDocument, context: Omit<WriterContext, 'children'>): string {
  const { options } = context;
  const writer: WriterContext = { ...context, children: doc.page.children };
  const parts: string[] = [];
  if (options.metadata !== 'none') parts.push(`"@odata.context":${JSON.stringify(doc.context)}`);
  if (doc.page.count !== undefined) parts.push(`"@odata.count":${options.ieee754 ? `"${doc.page.count}"` : doc.page.count}`);
  const rows = doc.page.rows.map((row) => `{${writeFields(row, doc.entity, writer)}}`);
  parts.push(`"value":[${rows.join(',')}]`);
  if (doc.nextLink) parts.push(`"@odata.nextLink":${JSON.stringify(doc.nextLink)}`);
  return `{${parts.join(',')}}`;
}

export function writeEntity(contextUrl: string, row: readonly RowValue[], entity: EntityLayout, context: WriterContext): string {
  const head = context.options.metadata !== 'none' ? `"@odata.context":${JSON.stringify(contextUrl)}` : '';
  const body = writeFields(row, entity, context);
  return `{${head}${head && body ? ',' : ''}${body}}`;
}
