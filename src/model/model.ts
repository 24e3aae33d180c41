import { entitySets, entityTypes } from './monitor-schema.js';
import type { EntitySetDef, EntityTypeDef, NavigationDef, PropertyDef } from './types.js';

/** Resolved schema with case-insensitive lookups (Citrix's own examples send `UPN`, `NAme`, lower-case navigations). */
export class Model {
  readonly types: ReadonlyMap<string, EntityTypeDef>;
  readonly sets: readonly EntitySetDef[];
  private readonly setsByLowerName = new Map<string, EntitySetDef>();
  private readonly setsByType = new Map<string, EntitySetDef>();
  private readonly members = new Map<string, Map<string, PropertyDef | NavigationDef>>();

  constructor(types: readonly EntityTypeDef[], sets: readonly EntitySetDef[]) {
    this.types = new Map(types.map((t) => [t.name, t]));
    this.sets = sets;
    for (const set of sets) {
      this.setsByLowerName.set(set.name.toLowerCase(), set);
      if (!this.setsByType.has(set.entityType)) this.setsByType.set(set.entityType, set);
    }
    for (const t of types) {
      const byName = new Map<string, PropertyDef | NavigationDef>();
      for (const m of [...t.properties, ...t.navigations]) byName.set(m.name.toLowerCase(), m);
      this.members.set(t.name, byName);
    }
  }

  entitySet(name: string): EntitySetDef | undefined {
    return this.setsByLowerName.get(name.toLowerCase());
  }

  entityType(qualifiedName: string): EntityTypeDef {
    const t = this.types.get(qualifiedName);
    if (!t) throw new Error(`unknown entity type ${qualifiedName}`);
    return t;
  }

  /** The entity set whose rows hold entities of this type; types the service never exposes as a set have none. */
  setOfType(qualifiedName: string): EntitySetDef | undefined {
    return this.setsByType.get(qualifiedName);
  }

  property(type: EntityTypeDef, name: string): PropertyDef | undefined {
    const m = this.members.get(type.name)?.get(name.toLowerCase());
    return m && isProperty(m) ? m : undefined;
  }

  navigation(type: EntityTypeDef, name: string): NavigationDef | undefined {
    const m = this.members.get(type.name)?.get(name.toLowerCase());
    return m && !isProperty(m) ? m : undefined;
  }
}

export function isProperty(m: PropertyDef | NavigationDef): m is PropertyDef {
  return 'type' in m;
}

export function shortName(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.lastIndexOf('.') + 1);
}

export function namespaceOf(qualifiedName: string): string {
  return qualifiedName.slice(0, qualifiedName.lastIndexOf('.'));
}

export const monitorModel = new Model(entityTypes, entitySets);

/** The table that holds the rows of an entity type: its entity set's name, or the type's short name for types no set exposes. */
export function tableOf(model: Model, entityType: string): string {
  return model.setOfType(entityType)?.name ?? shortName(entityType);
}

/** Hidden column present in every table: the customer a row belongs to (tenant isolation). */
export const CUSTOMER_COLUMN = '_customer_id';
