// $metadata and the service document, read back by two independent CSDL consumers from npm:
// @sap-ux/edmx-parser (SAP's lenient parser, what Fiori tooling uses) and odata-csdl (the OASIS TC's
// CSDL XML → JSON converter, run in strict mode so any unexpected element or attribute throws).
// Everything is compared with the model object, never with a stored copy of the XML.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { parse } from '@sap-ux/edmx-parser';
import { Model, monitorModel, namespaceOf, shortName } from '../src/model/model.js';
import { entitySets, entityTypes } from '../src/model/monitor-schema.js';
import type { EntityTypeDef, NavigationDef } from '../src/model/types.js';
import { metadataDocument } from '../src/odata/format/metadata-document.js';
import { serviceDocument } from '../src/odata/format/service-document.js';

// ---- odata-csdl: CommonJS without typings; load it through require and give it a narrow type.
interface CsdlMember {
  $Kind?: string;
  $Type?: string;
  $Collection?: boolean;
  $Nullable?: boolean;
  $Partner?: string;
  $ReferentialConstraint?: Record<string, string>;
  $Scale?: string | number;
  $Key?: (string | Record<string, string>)[];
  $NavigationPropertyBinding?: Record<string, string>;
}
type CsdlElement = CsdlMember & Record<string, CsdlMember | unknown>;
type CsdlJson = { $Version: string; $EntityContainer: string } & Record<string, unknown>;
interface Xml2JsonOptions {
  strict?: boolean;
  messages?: unknown[];
}
const require = createRequire(import.meta.url);
const { xml2json } = require('odata-csdl') as { xml2json: (xml: string, options?: Xml2JsonOptions) => CsdlJson };

// ---- @sap-ux/edmx-parser: its typings point at a package that is not installed; describe the part we read.
interface RawProperty {
  name: string;
  type: string;
  nullable?: boolean;
}
interface RawReferentialConstraint {
  sourceProperty: string;
  targetTypeName: string;
  targetProperty: string;
}
interface RawNavigation {
  name: string;
  targetTypeName: string;
  isCollection: boolean;
  partner?: string;
  referentialConstraint: RawReferentialConstraint[];
}
interface RawEntityType {
  name: string;
  fullyQualifiedName: string;
  keys: RawProperty[];
  entityProperties: RawProperty[];
  navigationProperties: RawNavigation[];
}
interface RawEntitySet {
  name: string;
  entityTypeName: string;
  navigationPropertyBinding: Record<string, string>;
  fullyQualifiedName: string;
}
interface RawDocument {
  version: string;
  schema: {
    entityContainer: { name?: string; fullyQualifiedName: string };
    entitySets: RawEntitySet[];
    entityTypes: RawEntityType[];
    singletons: unknown[];
    complexTypes: unknown[];
    actions: unknown[];
  };
}
const parseEdmx = (xml: string): RawDocument => parse(xml) as unknown as RawDocument;

const model = monitorModel;
const xml = metadataDocument(model);
const sap = parseEdmx(xml);
const strictMessages: unknown[] = [];
const csdl = xml2json(xml, { strict: true, messages: strictMessages });

const CONTAINER = 'Default.Container';
const modelTypes = [...model.types.values()];
const modelNamespaces = [...new Set(modelTypes.map((t) => namespaceOf(t.name)))];

function sapType(qualifiedName: string): RawEntityType {
  const t = sap.schema.entityTypes.find((x) => x.fullyQualifiedName === qualifiedName);
  assert.ok(t, `edmx-parser: entity type ${qualifiedName} missing`);
  return t;
}
function sapSet(name: string): RawEntitySet {
  const s = sap.schema.entitySets.find((x) => x.name === name);
  assert.ok(s, `edmx-parser: entity set ${name} missing`);
  return s;
}
function csdlType(qualifiedName: string): CsdlElement {
  const schema = csdl[namespaceOf(qualifiedName)] as Record<string, CsdlElement> | undefined;
  assert.ok(schema, `odata-csdl: schema ${namespaceOf(qualifiedName)} missing`);
  const t = schema[shortName(qualifiedName)];
  assert.ok(t, `odata-csdl: entity type ${qualifiedName} missing`);
  assert.equal(t.$Kind, 'EntityType');
  return t;
}
function csdlContainer(): Record<string, CsdlMember> {
  const [ns, name] = [namespaceOf(csdl.$EntityContainer), shortName(csdl.$EntityContainer)];
  const container = (csdl[ns] as Record<string, Record<string, CsdlMember>>)[name];
  assert.ok(container);
  return container;
}
function csdlMember(type: EntityTypeDef, name: string): CsdlMember {
  const m = csdlType(type.name)[name] as CsdlMember | undefined;
  assert.ok(m, `odata-csdl: ${type.name}/${name} missing`);
  return m;
}
function modelNav(typeName: string, nav: string): NavigationDef {
  const n = model.entityType(typeName).navigations.find((x) => x.name === nav);
  assert.ok(n, `model: ${typeName}/${nav} missing`);
  return n;
}
const qualifiedOf = (t: RawEntityType | string): string => (typeof t === 'string' ? t : t.fullyQualifiedName);

describe('$metadata: strict CSDL (odata-csdl, strict mode)', () => {
  it('converts without a single message and carries the expected header', () => {
    assert.deepEqual(strictMessages, []);
    assert.equal(csdl.$Version, '4.0');
    assert.equal(csdl.$EntityContainer, CONTAINER);
  });

  it('has one schema per model namespace plus the container schema, and nothing else', () => {
    const schemas = Object.keys(csdl).filter((k) => !k.startsWith('$'));
    assert.deepEqual(schemas.sort(), [...modelNamespaces, namespaceOf(CONTAINER)].sort());
    const containerSchema = csdl[namespaceOf(CONTAINER)] as Record<string, CsdlMember>;
    assert.deepEqual(Object.keys(containerSchema), [shortName(CONTAINER)]);
    assert.equal(containerSchema[shortName(CONTAINER)].$Kind, 'EntityContainer');
    for (const ns of modelNamespaces) {
      const declared = Object.keys(csdl[ns] as object).map((n) => `${ns}.${n}`);
      const expected = modelTypes.filter((t) => namespaceOf(t.name) === ns).map((t) => t.name);
      assert.deepEqual(declared, expected, `types of ${ns}`);
    }
  });

  it('declares every key in key order', () => {
    for (const t of modelTypes) assert.deepEqual(csdlType(t.name).$Key, [...t.key], t.name);
    assert.deepEqual(csdlType(model.entitySet('Machines')!.entityType).$Key, ['Id']);
    assert.deepEqual(csdlType(model.entitySet('Sessions')!.entityType).$Key, ['SessionKey']);
    assert.deepEqual(csdlType(model.entitySet('ResourceUtilizationSummary')!.entityType).$Key, [
      'MachineId',
      'Granularity',
      'SummaryDate',
    ]);
  });

  it('declares every property and navigation with the model type, nullability and cardinality', () => {
    for (const t of modelTypes) {
      const declared = Object.keys(csdlType(t.name)).filter((k) => !k.startsWith('$'));
      assert.deepEqual(declared, [...t.properties, ...t.navigations].map((m) => m.name), `members of ${t.name}`);
      for (const p of t.properties) {
        const m = csdlMember(t, p.name);
        assert.equal(m.$Kind, undefined, `${t.name}/${p.name} is a structural property`);
        // CSDL JSON omits the default Edm.String type.
        assert.equal(m.$Type ?? 'Edm.String', p.type, `${t.name}/${p.name} type`);
        // CSDL JSON inverts the default: only nullable members carry `$Nullable: true`.
        assert.equal(m.$Nullable === true, p.nullable, `${t.name}/${p.name} nullable`);
        assert.equal(m.$Collection, undefined);
      }
      for (const n of t.navigations) {
        const m = csdlMember(t, n.name);
        assert.equal(m.$Kind, 'NavigationProperty', `${t.name}/${n.name}`);
        assert.equal(m.$Type, n.target, `${t.name}/${n.name} target`);
        assert.equal(m.$Collection === true, n.collection, `${t.name}/${n.name} collection`);
        // Collections carry no nullability; single-valued navigations keep the default, nullable.
        assert.equal(m.$Nullable, n.collection ? undefined : true, `${t.name}/${n.name} nullability`);
      }
    }
  });

  it('binds navigations in the container the way the model resolves them', () => {
    const container = csdlContainer();
    assert.deepEqual(Object.keys(container).filter((k) => !k.startsWith('$')), model.sets.map((s) => s.name));
    for (const set of model.sets) {
      const s = container[set.name];
      assert.equal(s.$Collection, true, `${set.name} is an entity set`);
      assert.equal(s.$Type, set.entityType);
      const expected: Record<string, string> = {};
      for (const n of model.entityType(set.entityType).navigations) {
        const target = model.setOfType(n.target);
        if (target) expected[n.name] = target.name;
      }
      assert.deepEqual(s.$NavigationPropertyBinding ?? {}, expected, `bindings of ${set.name}`);
    }
  });

  it('is effective: the same converter rejects a document with a foreign element or attribute', () => {
    const badAttribute = xml.replace('<EntityType Name=', '<EntityType Bogus="1" Name=');
    assert.throws(() => xml2json(badAttribute, { strict: true }), /unexpected attribute/);
    const badElement = xml.replace('<Key>', '<Key><Bogus />');
    assert.throws(() => xml2json(badElement, { strict: true }), /unexpected child/);
  });
});

describe('$metadata: read by @sap-ux/edmx-parser', () => {
  it('is CSDL 4.0 with the ASP.NET container name and nothing but entity types and sets', () => {
    assert.equal(sap.version, '4.0');
    assert.equal(sap.schema.entityContainer.fullyQualifiedName, CONTAINER);
    assert.deepEqual(sap.schema.singletons, []);
    assert.deepEqual(sap.schema.complexTypes, []);
    assert.deepEqual(sap.schema.actions, []);
  });

  it('exposes the 74 entity sets with the right entity types', () => {
    assert.equal(model.sets.length, 74);
    assert.equal(sap.schema.entitySets.length, 74);
    for (const set of model.sets) assert.equal(sapSet(set.name).entityTypeName, set.entityType, set.name);
    assert.equal(sapSet('Machines').entityTypeName, 'Citrix.Monitor.Model.Machine');
    assert.equal(sapSet('ApplicationActivitySummaries').entityTypeName, 'Citrix.Monitor.Model.ApplicationInstanceSummary');
    assert.equal(sapSet('SessionLogonMetrics').entityTypeName, 'Citrix.Monitor.DataService.V4.SessionLogonMetrics');
    assert.equal(sapSet('ConnectionFailureCategories').entityTypeName, 'Citrix.Monitor.Model.VShared.ConnectionFailureCategory');
  });

  it('declares every entity type of the model exactly once', () => {
    const declared = sap.schema.entityTypes.map(qualifiedOf);
    assert.equal(new Set(declared).size, declared.length);
    assert.deepEqual([...declared].sort(), modelTypes.map((t) => t.name).sort());
    assert.equal(declared.length, 79);
  });

  it('has the keys of Machines, Sessions and ResourceUtilizationSummary (and of every type)', () => {
    const keyNames = (set: string): string[] => sapType(sapSet(set).entityTypeName).keys.map((k) => k.name);
    assert.deepEqual(keyNames('Machines'), ['Id']);
    assert.deepEqual(keyNames('Sessions'), ['SessionKey']);
    // edmx-parser lists keys in property order, so compare as sets here (order is checked with odata-csdl).
    assert.deepEqual(keyNames('ResourceUtilizationSummary').sort(), ['Granularity', 'MachineId', 'SummaryDate']);
    for (const t of modelTypes) {
      const keys = sapType(t.name).keys;
      assert.deepEqual(keys.map((k) => k.name).sort(), [...t.key].sort(), t.name);
      for (const k of keys) assert.equal(k.nullable, false, `${t.name} key ${k.name} is non-nullable`);
    }
  });

  it('has the property types of the model', () => {
    const prop = (set: string, name: string): RawProperty => {
      const p = sapType(sapSet(set).entityTypeName).entityProperties.find((x) => x.name === name);
      assert.ok(p, `${set}/${name}`);
      return p;
    };
    assert.equal(prop('ResourceUtilizationSummary', 'TotalSessionCount').type, 'Edm.Int16');
    assert.equal(prop('Machines', 'Id').type, 'Edm.Guid');
    assert.equal(prop('Machines', 'Id').nullable, false);
    assert.equal(prop('Sessions', 'StartDate').type, 'Edm.DateTimeOffset');
    assert.equal(prop('Sessions', 'StartDate').nullable, true);
    for (const t of modelTypes) {
      const declared = sapType(t.name).entityProperties;
      assert.deepEqual(
        declared.map((p) => ({ name: p.name, type: p.type, nullable: p.nullable })),
        t.properties.map((p) => ({ name: p.name, type: p.type, nullable: p.nullable })),
        t.name,
      );
    }
  });

  it('navigates Machine.DesktopGroup to DesktopGroup, bound to the DesktopGroups set', () => {
    const machines = sapSet('Machines');
    const nav = sapType(machines.entityTypeName).navigationProperties.find((n) => n.name === 'DesktopGroup');
    assert.ok(nav);
    assert.equal(nav.targetTypeName, 'Citrix.Monitor.Model.DesktopGroup');
    assert.equal(nav.isCollection, false);
    assert.equal(nav.partner, 'Machines');
    assert.deepEqual(
      nav.referentialConstraint.map((c) => [c.sourceProperty, c.targetProperty]),
      [['DesktopGroupId', 'Id']],
    );
    assert.equal(machines.navigationPropertyBinding.DesktopGroup, `${CONTAINER}/DesktopGroups`);
    assert.equal(sapSet('DesktopGroups').entityTypeName, nav.targetTypeName);
    const back = sapType(nav.targetTypeName).navigationProperties.find((n) => n.name === 'Machines');
    assert.ok(back);
    assert.equal(back.isCollection, true);
    assert.equal(back.partner, 'DesktopGroup');
    assert.deepEqual(back.referentialConstraint, []);
  });

  it('declares every navigation of the model, including those without a join', () => {
    for (const t of modelTypes) {
      const declared = sapType(t.name).navigationProperties;
      assert.deepEqual(
        declared.map((n) => ({ name: n.name, target: n.targetTypeName, collection: n.isCollection })),
        t.navigations.map((n) => ({ name: n.name, target: n.target, collection: n.collection })),
        t.name,
      );
    }
    const unjoined = modelTypes.flatMap((t) => t.navigations.filter((n) => n.on === null).map((n) => [t, n] as const));
    assert.ok(unjoined.length > 0, 'the model has navigations with on: null');
    for (const [t, n] of unjoined) {
      const nav = sapType(t.name).navigationProperties.find((x) => x.name === n.name);
      assert.ok(nav, `${t.name}/${n.name}`);
      assert.deepEqual(nav.referentialConstraint, [], `${t.name}/${n.name} has no constraint`);
      assert.equal(nav.partner, undefined, `${t.name}/${n.name} has no partner`);
    }
  });

  it('every NavigationProperty type names a declared entity type; members are unique per type', () => {
    const declared = new Set(sap.schema.entityTypes.map(qualifiedOf));
    for (const t of sap.schema.entityTypes) {
      for (const n of t.navigationProperties) {
        assert.ok(declared.has(n.targetTypeName), `${t.fullyQualifiedName}/${n.name} → ${n.targetTypeName}`);
      }
      const names = [...t.entityProperties, ...t.navigationProperties].map((m) => m.name.toLowerCase());
      assert.equal(new Set(names).size, names.length, `${t.fullyQualifiedName}: member names unique (case-insensitively)`);
    }
  });

  it('every NavigationPropertyBinding names an existing set of the navigation target type', () => {
    const setsByQualifiedName = new Map(sap.schema.entitySets.map((s) => [s.fullyQualifiedName, s]));
    let bindings = 0;
    for (const set of sap.schema.entitySets) {
      const type = sapType(set.entityTypeName);
      for (const [path, target] of Object.entries(set.navigationPropertyBinding)) {
        bindings++;
        const targetSet = setsByQualifiedName.get(target);
        assert.ok(targetSet, `${set.name}: binding ${path} → ${target} names an existing set`);
        const nav = type.navigationProperties.find((n) => n.name === path);
        assert.ok(nav, `${set.name}: binding path ${path} is a navigation of ${type.fullyQualifiedName}`);
        assert.equal(targetSet.entityTypeName, nav.targetTypeName, `${set.name}/${path}: target set holds the target type`);
      }
      // Every navigation whose target type has a set is bound; no others.
      const expected = model
        .entityType(set.entityTypeName)
        .navigations.filter((n) => model.setOfType(n.target) !== undefined)
        .map((n) => n.name);
      assert.deepEqual(Object.keys(set.navigationPropertyBinding), expected, set.name);
    }
    assert.ok(bindings > 0);
  });

  it('partners are consistent: the partner leads back, and names this navigation if it names any', () => {
    let partners = 0;
    for (const t of sap.schema.entityTypes) {
      for (const n of t.navigationProperties) {
        if (n.partner === undefined) continue;
        partners++;
        const back = sapType(n.targetTypeName).navigationProperties.find((x) => x.name === n.partner);
        assert.ok(back, `${t.fullyQualifiedName}/${n.name}: partner ${n.partner} exists on ${n.targetTypeName}`);
        assert.equal(back.targetTypeName, t.fullyQualifiedName, `${t.fullyQualifiedName}/${n.name}: partner leads back`);
        assert.ok(back.partner === undefined || back.partner === n.name, `${t.fullyQualifiedName}/${n.name}: partner agrees`);
        // In the model the two navigations join over mirrored column pairs.
        const forth = modelNav(t.fullyQualifiedName, n.name).on;
        const mirror = modelNav(n.targetTypeName, back.name).on;
        assert.ok(forth && mirror, 'partners come from joins');
        assert.deepEqual(
          mirror.map((p) => `${p.target}=${p.local}`).sort(),
          forth.map((p) => `${p.local}=${p.target}`).sort(),
          `${t.fullyQualifiedName}/${n.name} ↔ ${back.name}`,
        );
      }
    }
    assert.ok(partners > 0);
  });

  it('referential constraints are the foreign keys of single-valued navigations', () => {
    for (const t of modelTypes) {
      const declared = sapType(t.name);
      for (const n of t.navigations) {
        const nav = declared.navigationProperties.find((x) => x.name === n.name);
        assert.ok(nav);
        const target = model.entityType(n.target);
        const pointsAtKey =
          !n.collection && n.on !== null && [...n.on.map((p) => p.target)].sort().join() === [...target.key].sort().join();
        const expected = pointsAtKey && n.on ? n.on.map((p) => [p.local, p.target]) : [];
        assert.deepEqual(
          nav.referentialConstraint.map((c) => [c.sourceProperty, c.targetProperty]),
          expected,
          `${t.name}/${n.name}`,
        );
        for (const c of nav.referentialConstraint) {
          const local = declared.entityProperties.find((p) => p.name === c.sourceProperty);
          const referenced = sapType(c.targetTypeName).entityProperties.find((p) => p.name === c.targetProperty);
          assert.ok(local && referenced, `${t.name}/${n.name}: constraint properties exist`);
          assert.equal(local.type, referenced.type, `${t.name}/${n.name}: constraint properties share a type`);
        }
      }
    }
  });
});

describe('$metadata: generation', () => {
  it('is a pure function of the model: cached per model, identical for an equal model', () => {
    assert.equal(metadataDocument(model), xml);
    assert.equal(metadataDocument(new Model(entityTypes, entitySets)), xml);
  });

  it('starts with the CSDL 4.0 envelope', () => {
    assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<edmx:Edmx Version="4\.0" xmlns:edmx="http:\/\/docs\.oasis-open\.org\/odata\/ns\/edmx">/);
    const schemaTags = xml.match(/<Schema [^>]*>/g) ?? [];
    assert.equal(schemaTags.length, modelNamespaces.length + 1);
    for (const tag of schemaTags) assert.match(tag, /xmlns="http:\/\/docs\.oasis-open\.org\/odata\/ns\/edm"/);
  });

  it('derives partners and constraints from joins only when they are unambiguous foreign keys', () => {
    // A toy model exercising the rules the Monitor schema happens not to reach.
    const a = (extra: NavigationDef[] = []): EntityTypeDef => ({
      name: 'Toy.A',
      key: ['Id'],
      properties: [
        { name: 'Id', type: 'Edm.Int32', nullable: false },
        { name: 'BId', type: 'Edm.Int32', nullable: true },
        { name: 'BCode', type: 'Edm.String', nullable: true },
      ],
      navigations: [
        { name: 'B', target: 'Toy.B', collection: false, on: [{ local: 'BId', target: 'Id' }] },
        { name: 'ByCode', target: 'Toy.B', collection: false, on: [{ local: 'BCode', target: 'Code' }] },
        ...extra,
      ],
    });
    const b = (extra: NavigationDef[] = []): EntityTypeDef => ({
      name: 'Toy.B',
      key: ['Id'],
      properties: [
        { name: 'Id', type: 'Edm.Int32', nullable: false },
        { name: 'Code', type: 'Edm.String', nullable: true },
      ],
      navigations: [
        { name: 'As', target: 'Toy.A', collection: true, on: [{ local: 'Id', target: 'BId' }] },
        { name: 'AsByCode', target: 'Toy.A', collection: true, on: [{ local: 'Code', target: 'BCode' }] },
        ...extra,
      ],
    });
    const sets = [{ name: 'As', entityType: 'Toy.A', indexedFields: [], order: ['Id'] }];
    const navs = (m: Model): Record<string, [string | undefined, string[][]]> =>
      Object.fromEntries(
        parseEdmx(metadataDocument(m)).schema.entityTypes.flatMap((t) =>
          t.navigationProperties.map((n) => [
            `${t.name}.${n.name}`,
            [n.partner, n.referentialConstraint.map((c) => [c.sourceProperty, c.targetProperty])],
          ]),
        ),
      );

    assert.deepEqual(navs(new Model([a(), b()], sets)), {
      'A.B': ['As', [['BId', 'Id']]],
      'A.ByCode': ['AsByCode', []], // joins a non-key column: no referential constraint
      'B.As': ['B', []],
      'B.AsByCode': ['ByCode', []],
    });
    // A second navigation back over the same join makes the relationship ambiguous from both ends.
    const twin: NavigationDef = { name: 'AsAgain', target: 'Toy.A', collection: true, on: [{ local: 'Id', target: 'BId' }] };
    assert.deepEqual(navs(new Model([a(), b([twin])], sets)), {
      'A.B': [undefined, [['BId', 'Id']]],
      'A.ByCode': ['AsByCode', []],
      'B.As': [undefined, []],
      'B.AsByCode': ['ByCode', []],
      'B.AsAgain': [undefined, []],
    });
    // Only the set's own type is exposed, so only navigations into Toy.A are bound.
    const doc = parseEdmx(metadataDocument(new Model([a(), b()], sets)));
    assert.deepEqual(doc.schema.entitySets[0].navigationPropertyBinding, {});
    // A composite key is referenced only when every key column is joined.
    const c: EntityTypeDef = {
      name: 'Toy.C',
      key: ['X', 'Y'],
      properties: [
        { name: 'X', type: 'Edm.Int32', nullable: false },
        { name: 'Y', type: 'Edm.Int32', nullable: false },
      ],
      navigations: [
        { name: 'Part', target: 'Toy.C', collection: false, on: [{ local: 'Y', target: 'X' }] },
        { name: 'Whole', target: 'Toy.C', collection: false, on: [{ local: 'Y', target: 'Y' }, { local: 'X', target: 'X' }] },
      ],
    };
    assert.deepEqual(navs(new Model([c], [])), {
      'C.Part': [undefined, []],
      'C.Whole': [undefined, [['Y', 'Y'], ['X', 'X']]],
    });
  });

  it('derives every name from the model and escapes XML in names', () => {
    const odd = 'Odd.Name&Space';
    const type: EntityTypeDef = {
      name: `${odd}.T<"'>`,
      key: ['K&"<>\''],
      properties: [
        { name: 'K&"<>\'', type: 'Edm.Int32', nullable: false },
        { name: 'Amount', type: 'Edm.Decimal', nullable: true },
      ],
      navigations: [{ name: 'Self&', target: `${odd}.T<"'>`, collection: true, on: null }],
    };
    const toy = new Model([type], [{ name: 'Set&<>"\'', entityType: type.name, indexedFields: [], order: [] }]);
    const doc = metadataDocument(toy);
    const parsed = parseEdmx(doc);
    assert.deepEqual(parsed.schema.entityTypes.map(qualifiedOf), [type.name]);
    const t = parsed.schema.entityTypes[0];
    assert.deepEqual(t.keys.map((k) => k.name), type.key);
    assert.deepEqual(t.entityProperties.map((p) => p.name), type.properties.map((p) => p.name));
    assert.deepEqual(t.navigationProperties.map((n) => [n.name, n.targetTypeName]), [['Self&', type.name]]);
    assert.deepEqual(parsed.schema.entitySets.map((s) => [s.name, s.entityTypeName]), [['Set&<>"\'', type.name]]);
    assert.deepEqual(parsed.schema.entitySets[0].navigationPropertyBinding, { 'Self&': `${CONTAINER}/Set&<>"'` });
    // odata-csdl parses it too (identifier syntax is not its concern). A decimal's scale is declared
    // variable, which CSDL JSON expresses by omitting $Scale (an XML decimal without Scale has scale 0).
    const json = xml2json(doc, { strict: true });
    const amount = (json[odd] as Record<string, Record<string, CsdlMember>>)[shortName(type.name)].Amount;
    assert.equal(amount.$Type, 'Edm.Decimal');
    assert.equal(amount.$Scale, undefined);
    const unscaled = xml2json(doc.replace(' Scale="variable"', ''), { strict: true });
    assert.equal((unscaled[odd] as Record<string, Record<string, CsdlMember>>)[shortName(type.name)].Amount.$Scale, 0);
  });
});

describe('service document', () => {
  const root = 'https://api.cloud.com/monitorodata';

  it('lists every entity set of the model, in order, as a plain JSON document', () => {
    const doc = JSON.parse(JSON.stringify(serviceDocument(model, `${root}/$metadata`))) as {
      '@odata.context': string;
      value: { name: string; kind: string; url: string }[];
    };
    assert.deepEqual(Object.keys(doc), ['@odata.context', 'value']);
    assert.equal(doc['@odata.context'], `${root}/$metadata`);
    assert.equal(doc.value.length, 74);
    assert.deepEqual(doc.value, model.sets.map((s) => ({ name: s.name, kind: 'EntitySet', url: s.name })));
    assert.deepEqual(doc.value.find((e) => e.name === 'Machines'), { name: 'Machines', kind: 'EntitySet', url: 'Machines' });
  });

  it('agrees with $metadata: every entry is an entity set declared there', () => {
    const declared = new Set(sap.schema.entitySets.map((s) => s.name));
    const listed = serviceDocument(model, `${root}/$metadata`).value.map((e) => e.name);
    assert.deepEqual([...listed].sort(), [...declared].sort());
  });

  it('completes a service root to the $metadata context URL', () => {
    assert.equal(serviceDocument(model, root)['@odata.context'], `${root}/$metadata`);
    assert.equal(serviceDocument(model, `${root}/`)['@odata.context'], `${root}/$metadata`);
    assert.equal(serviceDocument(model, '$metadata')['@odata.context'], '$metadata');
    assert.equal(serviceDocument(model, '')['@odata.context'], '$metadata');
  });
});
