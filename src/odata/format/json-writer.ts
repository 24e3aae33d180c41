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

type RowWriter = (row: readonly RowValue[], context: WriterContext) => string;

/** Writes one value of a type; specialised once per field, since pages repeat the same shape 1,000 times. */
function valueWriter(type: EdmPrimitive | null, options: JsonOptions): (value: RowValue) => string {
  switch (type) {
    case 'Edm.Guid':
      // Lower-case hex and dashes: nothing to escape.
      return (v) => (v === null ? 'null' : `"${v as string}"`);
    case 'Edm.DateTimeOffset': {
      // A page repeats few instants (SummaryDate, CreatedDate): format each once.
      const cache = new Map<bigint, string>();
      return (v) => {
        if (v === null) return 'null';
        if (typeof v !== 'bigint') return JSON.stringify(String(v));
        let text = cache.get(v);
        if (text === undefined) {
          if (cache.size > 4096) cache.clear();
          text = `"${odataDateTimeOffset(v)}"`;
          cache.set(v, text);
        }
        return text;
      };
    }
    case 'Edm.Byte':
    case 'Edm.Int16':
    case 'Edm.Int32':
      return (v) => (v === null ? 'null' : String(v));
    default:
      return (v) => jsonValue(v, type, options);
  }
}

function compileEntity(entity: EntityLayout, options: JsonOptions): RowWriter {
  const full = options.metadata === 'full';
  const parts: RowWriter[] = [];
  if (entity.transient) {
    if (options.metadata !== 'none') parts.push(() => '"@odata.id":null');
  } else if (full) {
    parts.push((row, context) => fullMetadataHead(row, entity, context));
  }
  for (const field of entity.fields) {
    const key = `${JSON.stringify(field.name)}:`;
    switch (field.kind) {
      case 'value': {
        const write = valueWriter(field.type, options);
        const column = field.column;
        const annotation = full && field.type && annotatedTypes.has(field.type) ? `${JSON.stringify(`${field.name}@odata.type`)}:"#${field.type.slice(4)}",` : '';
        parts.push((row) => annotation + key + write(row[column]!));
        break;
      }
      case 'entity': {
        const inner = compileEntity(field.entity, options);
        const presence = field.presence;
        parts.push((row, context) => key + (presence !== undefined && row[presence] === null ? 'null' : `{${inner(row, context)}}`));
        break;
      }
      case 'collection': {
        const inner = compileEntity(field.plan.entity, options);
        const countColumn = field.plan.countColumn;
        const countKey = `${JSON.stringify(`${field.name}@odata.count`)}:`;
        parts.push((row, context) => {
          const rows = context.children.get(field.plan)?.get(parentKey(row, field.parentColumns)) ?? [];
          let out = '';
          if (countColumn !== undefined) {
            const count = rows.length > 0 ? String(rows[0]![countColumn]) : '0';
            out = `${countKey}${options.ieee754 ? `"${count}"` : count},`;
          }
          return `${out}${key}[${rows.map((r) => `{${inner(r, context)}}`).join(',')}]`;
        });
        break;
      }
    }
  }
  return (row, context) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) out += (i > 0 ? ',' : '') + parts[i]!(row, context);
    return out;
  };
}

/** JSON members of one entity in a row (without braces). */
export function writeFields(row: readonly RowValue[], entity: EntityLayout, context: WriterContext): string {
  return compileEntity(entity, context.options)(row, context);
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
  const write = compileEntity(doc.entity, options);
  const rows = doc.page.rows.map((row) => `{${write(row, writer)}}`);
  parts.push(`"value":[${rows.join(',')}]`);
  if (doc.nextLink) parts.push(`"@odata.nextLink":${JSON.stringify(doc.nextLink)}`);
  return `{${parts.join(',')}}`;
}

export function writeEntity(contextUrl: string, row: readonly RowValue[], entity: EntityLayout, context: WriterContext): string {
  const head = context.options.metadata !== 'none' ? `"@odata.context":${JSON.stringify(contextUrl)}` : '';
  const body = writeFields(row, entity, context);
  return `{${head}${head && body ? ',' : ''}${body}}`;
}
