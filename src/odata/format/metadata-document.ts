// The `$metadata` document: CSDL 4.0 XML derived entirely from the model. Nothing here names an
// entity, a property or a set; the only fixed strings are CSDL vocabulary and the container's
// name, which follows ASP.NET OData (the engine the reference service runs on): `Default.Container`.
import { namespaceOf, shortName } from '../../model/model.js';
import type { Model } from '../../model/model.js';
import type { EntityTypeDef, JoinPair, NavigationDef, PropertyDef } from '../../model/types.js';

export const EDMX_NAMESPACE = 'http://docs.oasis-open.org/odata/ns/edmx';
export const EDM_NAMESPACE = 'http://docs.oasis-open.org/odata/ns/edm';
/** Namespace and name of the entity container, as ASP.NET OData's default model builder emits them. */
export const CONTAINER_NAMESPACE = 'Default';
export const CONTAINER_NAME = 'Container';

const cache = new WeakMap<Model, string>();

/**
 * The CSDL XML `$metadata` document of a model. A pure function of the model (which is
 * immutable), so the text is computed once per model and then served from a cache.
 */
export function metadataDocument(model: Model): string {
  let text = cache.get(model);
  if (text === undefined) {
    text = render(model);
    cache.set(model, text);
  }
  return text;
}

function render(model: Model): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="utf-8"?>');
  out.push(`<edmx:Edmx Version="4.0" xmlns:edmx=${attr(EDMX_NAMESPACE)}>`);
  out.push('  <edmx:DataServices>');
  for (const [namespace, types] of typesByNamespace(model)) {
    out.push(`    <Schema Namespace=${attr(namespace)} xmlns=${attr(EDM_NAMESPACE)}>`);
    for (const type of types) renderEntityType(model, type, out);
    out.push('    </Schema>');
  }
  out.push(`    <Schema Namespace=${attr(CONTAINER_NAMESPACE)} xmlns=${attr(EDM_NAMESPACE)}>`);
  renderContainer(model, out);
  out.push('    </Schema>');
  out.push('  </edmx:DataServices>');
  out.push('</edmx:Edmx>');
  return out.join('\n') + '\n';
}

/** Entity types grouped by namespace, namespaces and types in the model's order. */
function typesByNamespace(model: Model): Map<string, EntityTypeDef[]> {
  const groups = new Map<string, EntityTypeDef[]>();
  for (const type of model.types.values()) {
    const namespace = namespaceOf(type.name);
    let group = groups.get(namespace);
    if (!group) groups.set(namespace, (group = []));
    group.push(type);
  }
  return groups;
}

function renderEntityType(model: Model, type: EntityTypeDef, out: string[]): void {
  out.push(`      <EntityType Name=${attr(shortName(type.name))}>`);
  out.push('        <Key>');
  for (const key of type.key) out.push(`          <PropertyRef Name=${attr(key)} />`);
  out.push('        </Key>');
  for (const property of type.properties) out.push(`        ${propertyElement(property)}`);
  for (const nav of type.navigations) {
    let head = `<NavigationProperty Name=${attr(nav.name)} Type=${attr(navigationType(nav))}`;
    const partner = partnerOf(model, type, nav);
    if (partner) head += ` Partner=${attr(partner.name)}`;
    const constraints = referentialConstraints(model, nav);
    if (constraints.length === 0) {
      out.push(`        ${head} />`);
    } else {
      out.push(`        ${head}>`);
      for (const pair of constraints) {
        out.push(
          `          <ReferentialConstraint Property=${attr(pair.local)} ReferencedProperty=${attr(pair.target)} />`,
        );
      }
      out.push('        </NavigationProperty>');
    }
  }
  out.push('      </EntityType>');
}

function propertyElement(property: PropertyDef): string {
  let element = `<Property Name=${attr(property.name)} Type=${attr(property.type)}`;
  // CSDL 4.0 defaults an unspecified decimal scale to 0; declare it variable, as ASP.NET OData does.
  if (property.type === 'Edm.Decimal') element += ' Scale="variable"';
  if (!property.nullable) element += ' Nullable="false"';
  return `${element} />`;
}

function navigationType(nav: NavigationDef): string {
  return nav.collection ? `Collection(${nav.target})` : nav.target;
}

/** True when `back` joins the same columns as `pairs`, seen from the other end. */
function isMirror(pairs: readonly JoinPair[], back: readonly JoinPair[] | null): boolean {
  if (back === null || back.length !== pairs.length) return false;
  return pairs.every((p) => back.some((q) => q.local === p.target && q.target === p.local));
}

/** Navigations of `target` that lead back to `source` over the mirror of `pairs`. */
function mirrors(model: Model, source: string, target: string, pairs: readonly JoinPair[]): NavigationDef[] {
  const targetType = model.types.get(target);
  if (!targetType) return [];
  return targetType.navigations.filter((back) => back.target === source && isMirror(pairs, back.on));
}

/**
 * The partner of a navigation: the one navigation of the target type that leads back over the
 * mirrored join. Only declared when the relationship is unambiguous from both ends, so the partner
 * always names this navigation back (CSDL forbids a partner that points at a third navigation).
 */
function partnerOf(model: Model, type: EntityTypeDef, nav: NavigationDef): NavigationDef | undefined {
  if (nav.on === null || nav.on.length === 0) return undefined;
  const back = mirrors(model, type.name, nav.target, nav.on);
  if (back.length !== 1) return undefined;
  const partner = back[0];
  if (partner === nav) return undefined;
  const forth = mirrors(model, nav.target, type.name, partner.on ?? []);
  return forth.length === 1 && forth[0] === nav ? partner : undefined;
}

/**
 * Referential constraints of a single-valued navigation whose join columns on the target are
 * exactly the target's key (a foreign key held by this type). Collections and other joins have none.
 */
function referentialConstraints(model: Model, nav: NavigationDef): readonly JoinPair[] {
  if (nav.collection || nav.on === null || nav.on.length === 0) return [];
  const target = model.types.get(nav.target);
  if (!target) return [];
  const referenced = new Set(nav.on.map((p) => p.target));
  const coversKey =
    referenced.size === nav.on.length && referenced.size === target.key.length && target.key.every((k) => referenced.has(k));
  return coversKey ? nav.on : [];
}

function renderContainer(model: Model, out: string[]): void {
  out.push(`      <EntityContainer Name=${attr(CONTAINER_NAME)}>`);
  for (const set of model.sets) {
    const type = model.entityType(set.entityType);
    const bindings: string[] = [];
    for (const nav of type.navigations) {
      const targetSet = model.setOfType(nav.target);
      if (targetSet) {
        bindings.push(`          <NavigationPropertyBinding Path=${attr(nav.name)} Target=${attr(targetSet.name)} />`);
      }
    }
    const head = `        <EntitySet Name=${attr(set.name)} EntityType=${attr(set.entityType)}`;
    if (bindings.length === 0) {
      out.push(`${head} />`);
    } else {
      out.push(`${head}>`);
      out.push(...bindings);
      out.push('        </EntitySet>');
    }
  }
  out.push('      </EntityContainer>');
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** A double-quoted XML attribute value; whitespace escapes keep attribute normalization from altering it. */
function attr(value: string): string {
  return `"${value.replace(/[&<>"'\t\n\r]/g, (c) => XML_ESCAPES[c])}"`;
}
