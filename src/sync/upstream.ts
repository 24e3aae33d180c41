// What the mirror needs from the service it copies: pages of rows that follow next links (the
// client library's MonitorClient has this shape; tests may pass anything else that does).
export interface UpstreamPage {
  readonly value: readonly Record<string, unknown>[];
}

export interface Upstream {
  /** Every page of the query (relative to the service root), following `@odata.nextLink`. */
  pages(query: string, options?: { readonly signal?: AbortSignal }): AsyncIterable<UpstreamPage>;
}

/** Pages of `source` with the next one already requested while the caller works on the current one. */
export async function* oneAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // Settled later by the loop, or dropped if the caller stops: never an unhandled rejection.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await iterator.return?.();
  }
}
