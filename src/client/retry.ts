// Retries of 429 (too many requests: one query per customer at a time), 503 (overloaded, query
// time limit) and network failures: after `Retry-After` when the answer has one, else after an
// exponential backoff with full jitter.

export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  readonly retries?: number;
  /** Least and most delay of the backoff, in ms (defaults 500 and 30,000); a Retry-After is capped at the most. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The status that is retried (429, 503), or undefined for a network error. */
  readonly status?: number;
  readonly error?: unknown;
  readonly url: string;
}

export interface RetryPolicy {
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly onRetry?: (info: RetryInfo) => void;
  readonly random?: () => number;
}

export const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export function retryPolicy(options: RetryOptions = {}, onRetry?: (info: RetryInfo) => void): RetryPolicy {
  const minDelayMs = Math.max(0, options.minDelayMs ?? 500);
  return { retries: Math.max(0, options.retries ?? 5), minDelayMs, maxDelayMs: Math.max(minDelayMs, options.maxDelayMs ?? 30_000), onRetry };
}

/** `Retry-After` in ms: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full jitter: uniformly between the least delay and an exponentially growing cap. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const cap = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt);
  return Math.round(policy.minDelayMs + (policy.random ?? Math.random)() * (cap - policy.minDelayMs));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * Runs `send` until it answers with a status that is not retried, or the retries are spent (the
 * last answer is returned, the last network error thrown). Nothing is retried once `signal` fires.
 */
export async function withRetry<R extends { readonly status: number; readonly headers: Headers }>(
  send: () => Promise<R>,
  policy: RetryPolicy,
  url: string,
  signal?: AbortSignal,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    let response: R;
    try {
      response = await send();
    } catch (error) {
      if (signal?.aborted || attempt > policy.retries) throw error;
      const delayMs = backoffMs(attempt, policy);
      policy.onRetry?.({ attempt, delayMs, error, url });
      await sleep(delayMs, signal);
      continue;
    }
    if (!RETRIED_STATUSES.has(response.status) || attempt > policy.retries) return response;
    const delayMs = Math.min(policy.maxDelayMs, retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt, policy));
    policy.onRetry?.({ attempt, delayMs, status: response.status, url });
    await sleep(delayMs, signal);
  }
}
