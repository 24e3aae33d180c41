// The exhaustiveness check that ends every switch over a `kind`: adding a kind to a union makes
// each switch that forgot it a compile error instead of a silent fall-through.

export function assertNever(value: never): never {
  throw new Error(`Unhandled kind: ${String((value as { kind?: unknown } | undefined)?.kind ?? value)}`);
}
