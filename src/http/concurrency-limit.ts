// "One OData query is permitted per customer at a time" (Citrix's documentation): requests beyond
// a customer's limit are refused at once with 429 rather than queued, as the real service does.

/** Frees a slot (resolving once it is free for the next request); calling it again does nothing. */
export type Release = () => Promise<void>;

export interface ConcurrencyLimit {
  readonly perCustomer: number;
  /** A slot for the customer, or undefined when all of its slots are taken. */
  tryAcquire(customerId: string): Promise<Release | undefined>;
}

/** Release once, however many times it is called. */
export function once(release: () => Promise<void> | void): Release {
  let done: Promise<void> | undefined;
  return () => (done ??= Promise.resolve(release()));
}

/** The limit of one server process (DuckDB: one process serves the file). */
export class LocalConcurrencyLimit implements ConcurrencyLimit {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly perCustomer: number) {}

  async tryAcquire(customerId: string): Promise<Release | undefined> {
    const current = this.inFlight.get(customerId) ?? 0;
    if (current >= this.perCustomer) return undefined;
    this.inFlight.set(customerId, current + 1);
    return once(() => {
      const left = (this.inFlight.get(customerId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(customerId, left);
      else this.inFlight.delete(customerId);
    });
  }
}
