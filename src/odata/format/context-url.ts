// `@odata.context` built as ASP.NET OData builds it, including the select/expand projection.
import type { BoundQuery, Projection } from '../bind/semantic.js';
import { shortName } from '../../model/model.js';

function projectionText(projection: Projection): string | undefined {
  if (projection.contextSelect === undefined) return undefined;
  const items = [...projection.contextSelect];
  for (const expand of projection.expands) items.push(`${expand.navigation.name}(${projectionText(expand.projection) ?? ''})`);
  return items.join(',');
}

export function contextUrl(serviceRoot: string, query: BoundQuery): string {
  const base = `${serviceRoot}/$metadata#`;
  const name = query.set?.name ?? shortName(query.type.name);
  if (query.kind === 'property' || query.kind === 'rawValue') return `${base}${name}/${query.property!.name}`;
  const projection = projectionText(query.projection);
  const shaped = projection === undefined ? name : `${name}(${projection})`;
  return query.kind === 'entity' ? `${base}${shaped}/$entity` : `${base}${shaped}`;
}
