// How a mirror finds what changed upstream since its last run, per entity set: by the column the
// Monitor database stamps on every insert and update, else by the set's own time column. Sets with
// no instant at all (link tables, a few small lists) are copied whole each time.
import type { Model } from '../model/model.js';
import type { EntitySetDef, EntityTypeDef, PropertyDef } from '../model/types.js';

export type ChangeTracking =
  | { readonly kind: 'column'; readonly column: string; readonly nullable: boolean; readonly key: readonly string[] }
  | { readonly kind: 'whole'; readonly key: readonly string[] };

/** Stamped by the Monitor database on insert and update, in order of preference. */
const MODIFICATION_STAMPS = ['ModifiedDate', 'UpdatedDate', 'LastModifiedDate'];

export function changeTrackingOf(model: Model, set: EntitySetDef): ChangeTracking {
  const type = model.entityType(set.entityType);
  const column = modificationColumn(type) ?? timeColumn(set, type) ?? instant(type, (p) => p.name === 'CreatedDate') ?? instant(type, (p) => !p.nullable) ?? instant(type, () => true);
  if (column === undefined) return { kind: 'whole', key: type.key };
  return { kind: 'column', column: column.name, nullable: column.nullable, key: type.key };
}

function modificationColumn(type: EntityTypeDef): PropertyDef | undefined {
  for (const name of MODIFICATION_STAMPS) {
    const found = instant(type, (p) => p.name === name);
    if (found) return found;
  }
  return undefined;
}

/** The instant a time series is ordered by (CollectedDate, SummaryDate, PredictionDate). */
function timeColumn(set: EntitySetDef, type: EntityTypeDef): PropertyDef | undefined {
  return instant(type, (p) => p.name === set.order[0]);
}

function instant(type: EntityTypeDef, accept: (p: PropertyDef) => boolean): PropertyDef | undefined {
  return type.properties.find((p) => p.type === 'Edm.DateTimeOffset' && accept(p));
}
