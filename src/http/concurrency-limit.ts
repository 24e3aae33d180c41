// "One OData query is permitted per customer at a time" (Citrix's documentation): requests beyond
// a customer's limit are refused at once with 429 rather than queued, as the real service does.

export class ConcurrencyLimit {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly perCustomer: number) {}

  /** A slot for the customer, released by calling the returned function (once; later calls do nothing), or undefined when none is free. */
  tryAcquire(customerId: string): (() => void) | undefined {
    const current = this.inFlight.get(customerId) ?? 0;
    if (current >= this.perCustomer) return undefined;
    this.inFlight.set(customerId, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(customerId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(customerId, left);
      else this.inFlight.delete(customerId);
    };
  }

  /** Requests of the customer in flight now. */
  count(customerId: string): number {
    return this.inFlight.get(customerId) ?? 0;
  }
}
