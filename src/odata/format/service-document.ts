// The OData JSON service document (the response to `GET <root>/`): one entry per entity set,
// in the model's order. Derived from the model; no set is named here.
import type { Model } from '../../model/model.js';

export interface ServiceDocumentEntry {
  readonly name: string;
  readonly kind: 'EntitySet';
  readonly url: string;
}

export interface ServiceDocument {
  readonly '@odata.context': string;
  readonly value: readonly ServiceDocumentEntry[];
}

const METADATA_SEGMENT = '$metadata';

/**
 * The service document. `contextUrl` is the document's context URL, `<root>/$metadata`; a service
 * root without the `$metadata` segment is accepted too and completed to it.
 */
export function serviceDocument(model: Model, contextUrl: string): ServiceDocument {
  return {
    '@odata.context': metadataUrl(contextUrl),
    value: model.sets.map((set) => ({ name: set.name, kind: 'EntitySet', url: set.name })),
  };
}

function metadataUrl(url: string): string {
  if (url.endsWith(`/${METADATA_SEGMENT}`) || url === METADATA_SEGMENT) return url;
  if (url === '') return METADATA_SEGMENT;
  return `${url.replace(/\/+$/, '')}/${METADATA_SEGMENT}`;
}
