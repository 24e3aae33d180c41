// Binds a request (resource path + query options) against the model into a BoundQuery.
import type { Model } from '../../model/model.js';
import type { EntitySetDef, EntityTypeDef, PropertyDef } from '../../model/types.js';
import { ODataError, semanticError, type Span } from '../errors.js';
import type { KeyValueToken, QueryOptionsToken, ResourcePathToken, SelectItemToken } from '../parse/syntax.js';
import { bindExpression, convertTo, fitsInteger, RangeAllocator, requireBoolean, type BindingScope } from './expression-binder.js';
import { constantOf } from './constants.js';
import { bindApply } from './apply-binder.js';
import { bindCompute, bindOrderBy, bindProjection, withComputed } from './select-expand-binder.js';
import { typeOf, type AggregatedShape, type BoundQuery, type PathStep, type Projection, type ResultKind, type ShapeField } from './semantic.js';
import { implicitlyConvertible } from './type-rules.js';

export interface BindRequest {
  readonly model: Model;
  readonly path: ResourcePathToken;
  readonly options: QueryOptionsToken;
  /** Microseconds since the epoch: the value of `now()` for this request. */
  readonly now: bigint;
}

function notFoundSegment(name: string, span: Span): ODataError {
  return new ODataError('notFound', `Resource not found for the segment '${name}'.`, { target: 'path', span });
}

interface Addressed {
  kind: ResultKind;
  steps: PathStep[];
  set: EntitySetDef | undefined;
  type: EntityTypeDef;
  property: PropertyDef | undefined;
}

export function bindResourcePath(model: Model, path: ResourcePathToken): Addressed {
  const [first, ...rest] = path.segments;
  if (!first || first.kind !== 'name') {
    throw new ODataError('notFound', 'No entity set was named in the resource path.', { target: 'path' });
  }
  const set = model.entitySet(first.name);
  if (!set) throw notFoundSegment(first.name, first.span);
  let type = model.entityType(set.entityType);
  const at: Addressed = { kind: 'collection', steps: [{ kind: 'set', set, type }], set, type, property: undefined };
  if (first.key && first.key.length > 0) {
    at.steps.push(bindKey(model, type, first.key, first.span));
    at.kind = 'entity';
  }
  for (const segment of rest) {
    const finished = at.kind === 'count' || at.kind === 'rawValue';
    if (finished) throw new ODataError('semantic', `No segment may follow '${at.kind === 'count' ? '$count' : '$value'}'.`, { target: 'path', span: segment.span });
    switch (segment.kind) {
      case 'count':
        if (at.kind !== 'collection') throw new ODataError('semantic', '$count may only follow a collection.', { target: 'path', span: segment.span });
        at.kind = 'count';
        break;
      case 'value':
        if (at.kind !== 'property') throw new ODataError('semantic', '$value may only follow a property.', { target: 'path', span: segment.span });
        at.kind = 'rawValue';
        break;
      case 'metadata':
      case 'batch':
        throw notFoundSegment(segment.kind === 'metadata' ? '$metadata' : '$batch', segment.span);
      case 'name': {
        if (at.kind !== 'entity') {
          throw new ODataError('semantic', `The segment '${segment.name}' must follow a single entity; add a key to address one.`, { target: 'path', span: segment.span });
        }
        const navigation = model.navigation(type, segment.name);
        if (navigation) {
          type = model.entityType(navigation.target);
          at.steps.push({ kind: 'navigate', navigation, target: type });
          at.set = model.setOfType(navigation.target);
          at.type = type;
          at.kind = navigation.collection ? 'collection' : 'entity';
          if (segment.key && segment.key.length > 0) {
            if (!navigation.collection) throw new ODataError('semantic', `A key may only follow a collection; '${navigation.name}' is a single entity.`, { target: 'path', span: segment.span });
            at.steps.push(bindKey(model, type, segment.key, segment.span));
            at.kind = 'entity';
          }
          break;
        }
        const property = model.property(type, segment.name);
        if (property && !segment.key) {
          at.kind = 'property';
          at.property = property;
          break;
        }
        throw notFoundSegment(segment.name, segment.span);
      }
      default: {
        const never: never = segment;
        throw new Error(`unexpected segment ${JSON.stringify(never)}`);
      }
    }
  }
  return at;
}

function bindKey(model: Model, type: EntityTypeDef, key: readonly KeyValueToken[], span: Span): PathStep {
  const keyProperties = type.key.map((name) => model.property(type, name)!);
  const values: { property: PropertyDef; value: ReturnType<typeof constantOf> }[] = [];
  if (key.length === 1 && !key[0]!.name) {
    if (keyProperties.length !== 1) {
      throw new ODataError('semantic', `The key of type '${type.name}' has ${keyProperties.length} properties; name each: (${type.key.map((k) => `${k}=...`).join(',')}).`, { target: 'path', span });
    }
    values.push({ property: keyProperties[0]!, value: keyValue(keyProperties[0]!, key[0]!) });
  } else {
    for (const item of key) {
      const property = item.name ? model.property(type, item.name.name) : undefined;
      if (!item.name || !property || !type.key.includes(property.name)) {
        throw new ODataError('semantic', `'${item.name?.name ?? '?'}' is not a key property of type '${type.name}'; the key is (${type.key.join(', ')}).`, { target: 'path', span: item.span });
      }
      if (values.some((v) => v.property === property)) throw new ODataError('semantic', `The key property '${property.name}' is given more than once.`, { target: 'path', span: item.span });
      values.push({ property, value: keyValue(property, item) });
    }
    if (values.length !== keyProperties.length) {
      throw new ODataError('semantic', `The key of type '${type.name}' is (${type.key.join(', ')}); every key property must be given.`, { target: 'path', span });
    }
  }
  return { kind: 'key', values };
}

function keyValue(property: PropertyDef, item: KeyValueToken) {
  const value = constantOf(item.value);
  const type = typeOf(value);
  const fits = value.kind === 'constant' && fitsInteger(value.value, property.type);
  if (type === null || (!fits && !implicitlyConvertible(type, property.type)) || type === 'Edm.Date') {
    throw new ODataError('semantic', `The key value '${item.value.kind === 'literal' ? item.value.type : ''}' for '${property.name}' is not of the expected type '${property.type}'.`, { target: 'path', span: item.span });
  }
  return convertTo(value, property.type);
}

export function bindQuery(request: BindRequest): BoundQuery {
  const { model, options } = request;
  const at = bindResourcePath(model, request.path);
  const ranges = new RangeAllocator();
  const range = ranges.create('$it', at.type);
  const base: BindingScope = { model, implicit: range, variables: new Map(), computed: new Map(), now: request.now, ranges };
  const wrap = <T>(option: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      throw error instanceof ODataError ? error.inOption(option) : error;
    }
  };
  if (options.search) {
    throw new ODataError('semantic', 'The Monitor schema defines no searchable text; $search is not supported. Use $filter with contains().', { target: '$search', span: options.search.span });
  }
  const collectionOnly = [options.filter && '$filter', options.orderby && '$orderby', options.top && '$top', options.skip && '$skip', options.count && '$count'].filter(Boolean);
  // `/$count` counts the filtered collection, so $filter applies there too.
  const filterable = at.kind === 'collection' || (at.kind === 'count' && collectionOnly.every((o) => o === '$filter'));
  if (!filterable && collectionOnly.length > 0) {
    throw semanticError(`The requested resource is not a collection. Query options $filter, $orderby, $count, $skip, and $top can be applied only on collections; found ${collectionOnly.join(', ')}.`);
  }
  const applied = options.apply ? wrap('$apply', () => bindApply(options.apply!.value, base)) : undefined;
  const shape = applied?.clause.shape;
  if (shape && options.expand) throw semanticError('$expand cannot be applied to aggregated results; use expand() inside $apply.', options.expand.span);
  if (shape && options.compute) throw semanticError('$compute cannot follow an aggregating $apply; use compute() inside $apply.', options.compute.span);
  const afterApply = applied?.scope ?? base;
  const ownCompute = options.compute ? wrap('$compute', () => bindCompute(options.compute!.value, afterApply)) : [];
  const compute = [...(shape ? [] : (applied?.clause.entityCompute ?? [])), ...ownCompute];
  const scope = withComputed(afterApply, ownCompute);
  const filter = options.filter
    ? wrap('$filter', () => {
        const bound = bindExpression(options.filter!.value, scope);
        requireBoolean(bound, options.filter!.span, 'The $filter expression must evaluate to a single boolean value.');
        return bound;
      })
    : undefined;
  const orderby = options.orderby ? wrap('$orderby', () => bindOrderBy(options.orderby!.value, scope)) : [];
  const projection = shape
    ? emptyProjection
    : wrap(options.expand ? '$expand' : '$select', () => bindProjection(options.select?.value, options.expand?.value, compute, scope));
  const fields = shape ? wrap('$select', () => selectFields(shape, options.select?.value)) : undefined;
  return {
    kind: at.kind,
    path: at.steps,
    set: at.set,
    type: at.type,
    range,
    property: at.property,
    filter,
    compute,
    orderby,
    top: options.top?.value,
    skip: options.skip?.value,
    count: options.count?.value ?? false,
    projection,
    apply: applied?.clause,
    fields,
  };
}

const emptyProjection: Projection = { properties: [], computed: [], expands: [], contextSelect: undefined };

/**
 * The fields of aggregated rows a response shows, in the order ASP.NET OData writes them: group
 * properties, then aggregates and computed values, then the navigation groups, each in reverse
 * order of declaration (its property containers are linked lists that prepend).
 */
function selectFields(shape: AggregatedShape, select: readonly SelectItemToken[] | undefined): ShapeField[] {
  let chosen = shape.fields.filter((f) => f.role !== 'hidden');
  if (select && select.length > 0 && !select.some((i) => i.kind === 'star')) {
    const names = new Set<string>();
    for (const item of select) {
      if (item.kind !== 'path') continue;
      const first = item.path.segments[0]!.name.toLowerCase();
      if (!shape.fields.some((f) => (f.path[0] ?? f.name).toLowerCase() === first)) {
        throw semanticError(`Could not find a property named '${item.path.segments[0]!.name}' on the aggregated result.`, item.span);
      }
      names.add(first);
    }
    chosen = chosen.filter((f) => names.has((f.path[0] ?? f.name).toLowerCase()));
  }
  const simpleKeys = chosen.filter((f) => f.role === 'group' && f.path.length === 0).reverse();
  const values = chosen.filter((f) => f.role !== 'group').reverse();
  const nested = chosen.filter((f) => f.path.length > 0).reverse();
  return [...simpleKeys, ...values, ...nested];
}
