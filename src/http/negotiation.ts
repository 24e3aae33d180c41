// Response format from `$format` or the Accept header: JSON with metadata=minimal|full|none and
// the IEEE754Compatible parameter.
import { ODataError } from '../odata/errors.js';
import type { JsonOptions } from '../odata/format/json-writer.js';
import type { MetadataLevel } from '../odata/parse/syntax.js';

function parameters(mediaType: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of mediaType.split(';').slice(1)) {
    const [k, v] = part.split('=');
    if (k && v) map.set(k.trim().toLowerCase(), v.trim().toLowerCase());
  }
  return map;
}

function fromMediaType(mediaType: string): JsonOptions {
  const params = parameters(mediaType);
  const level = (params.get('odata.metadata') ?? params.get('metadata') ?? 'minimal') as MetadataLevel;
  if (level !== 'minimal' && level !== 'full' && level !== 'none') {
    throw new ODataError('notAcceptable', `The metadata level '${level}' is not supported; use minimal, full or none.`);
  }
  return { metadata: level, ieee754: params.get('ieee754compatible') === 'true' };
}

export function negotiateJson(format: string | undefined, accept: string | undefined): JsonOptions {
  if (format !== undefined) {
    const type = format.split(';')[0]!.trim().toLowerCase();
    if (type !== 'json' && type !== 'application/json') {
      throw new ODataError('notAcceptable', `The $format '${format}' is not supported; this service answers application/json.`, { target: '$format' });
    }
    return fromMediaType(format);
  }
  const candidates = (accept ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const json = candidates.find((c) => /^application\/json/i.test(c));
  if (json) return fromMediaType(json);
  if (candidates.length === 0 || candidates.some((c) => /^(\*\/\*|application\/\*)/.test(c))) return { metadata: 'minimal', ieee754: false };
  throw new ODataError('notAcceptable', `None of the accepted media types '${accept}' can be served; this service answers application/json.`);
}

/** Written with its charset: without one, Fastify appends it and re-quotes the dotted parameter. */
export function contentType(options: JsonOptions): string {
  return `application/json; odata.metadata=${options.metadata}${options.ieee754 ? '; IEEE754Compatible=true' : ''}; charset=utf-8`;
}

/** `Prefer: odata.maxpagesize=N` (or 4.01 `maxpagesize`), which can only shrink the page. */
export function preferredPageSize(prefer: string | undefined, limit: number): number | undefined {
  if (!prefer) return undefined;
  const match = /(?:^|[,;\s])(?:odata\.)?maxpagesize\s*=\s*"?(\d+)"?/i.exec(prefer);
  if (!match) return undefined;
  const n = Number(match[1]);
  return n >= 1 ? Math.min(n, limit) : undefined;
}
