// Builds the objects a JSON writer hands to JSON.stringify. Every row of a page has the same
// members in the same order, so each layout gets one function with an object literal of those
// members: V8 then creates each row's object from one template, where adding the members one by
// one with computed names would cost a shape transition per member per row.

/** Computes one member's value from a row and the writer's context. */
export type MemberValue<Row, Context> = (row: Row, context: Context) => unknown;

export type ObjectFactory<Row, Context> = (values: readonly MemberValue<Row, Context>[], row: Row, context: Context) => object;

/** Factories by member names: requests repeat a few shapes, and a new function would be compiled and optimised again. */
const factories = new Map<string, Function>();
const MAX_FACTORIES = 512;

export function objectFactory<Row, Context>(names: readonly string[]): ObjectFactory<Row, Context> {
  const key = names.join('\u0000');
  let factory = factories.get(key);
  if (factory === undefined) {
    // Names are written as JSON string literals (valid JS string literals), never as code; a
    // member called `__proto__` is a computed key so that it stays an own property.
    const members = names.map((name, i) => `${name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name)}: v[${i}](r, c)`);
    factory = new Function('v', 'r', 'c', `return {${members.join(', ')}};`);
    if (factories.size >= MAX_FACTORIES) factories.clear();
    factories.set(key, factory);
  }
  return factory as ObjectFactory<Row, Context>;
}
