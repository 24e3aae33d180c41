// One HTTP exchange, read to the end and retried as retry.ts says: the unit both the token
// endpoint and the OData requests are sent with.
import { withRetry, type RetryPolicy } from './retry.js';

export interface HttpAnswer {
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly text: string;
}

export interface HttpRequest {
  readonly method?: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

export type Exchange = (url: string, request: HttpRequest) => Promise<HttpAnswer>;

/** Sends with `fetch` and reads the whole body; a failure while reading it is a network error too (retried). */
export function exchange(fetchFn: typeof fetch, policy: RetryPolicy): Exchange {
  return (url, request) =>
    withRetry(
      async () => {
        const response = await fetchFn(url, { method: request.method ?? 'GET', headers: request.headers, body: request.body, signal: request.signal });
        return { url, status: response.status, statusText: response.statusText, headers: response.headers, text: await response.text() };
      },
      policy,
      url,
      request.signal,
    );
}
