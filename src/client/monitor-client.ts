// The client: sends queries to a Monitor Service (this server, Citrix Cloud or on-premises) with
// the Citrix headers and a token, retries what may be retried, and walks `@odata.nextLink`
// page by page.
import type { EntitySetName } from './entity-types.js';
import { exchange, type Exchange, type HttpAnswer } from './http-exchange.js';
import { errorFromResponse, MonitorODataError } from './odata-error.js';
import { QueryBuilder, type AnyRow } from './query-builder.js';
import { isAbsoluteUrl } from './query-string.js';
import { retryPolicy, type RetryInfo, type RetryOptions } from './retry.js';
import { ClientCredentialsTokens, noToken, staticToken, type TokenSource } from './token-source.js';

export interface MonitorClientOptions {
  /** The service root: `http://127.0.0.1:8080/monitorodata`, `https://api.cloud.com/monitorodata`, `http://host/Citrix/Monitor/OData/v4/Data`. */
  readonly baseUrl: string;
  /** Sent as `Citrix-CustomerId`, and names the token endpoint (`root` without it). */
  readonly customerId?: string;
  /** API client credentials: tokens are fetched from the token endpoint with them. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** A token to send as is (without client credentials). */
  readonly token?: string;
  /** The token endpoint; default `{origin of baseUrl}/cctrustoauth2/{customerId ?? 'root'}/tokens/clients`. */
  readonly tokenUrl?: string;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryOptions;
  readonly onRetry?: (info: RetryInfo) => void;
  /** The clock token expiry is judged by, in ms since the epoch (default Date.now). */
  readonly now?: () => number;
  readonly userAgent?: string;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** The Accept header (default `application/json`). */
  readonly accept?: string;
}

export interface Page<Row> {
  readonly value: Row[];
  /** `@odata.count`, on the first page of a query with `$count=true`. */
  readonly count?: number;
  readonly nextLink?: string;
  readonly context?: string;
}

/** What a request may name: a builder, a path with query relative to the service root (`Machines?$top=3`), or an absolute URL. */
export type QueryTarget = QueryBuilder<EntitySetName, string, string, unknown> | string | URL;
/** The rows a target answers with: typed for a builder, records for raw text. */
export type RowOf<Q> = Q extends QueryBuilder<EntitySetName, string, string, infer Row> ? Row : AnyRow;

export const DEFAULT_USER_AGENT = 'monitor-odata-client';

export function defaultTokenUrl(baseUrl: string, customerId: string | undefined): string {
  return `${new URL(baseUrl).origin}/cctrustoauth2/${encodeURIComponent(customerId ?? 'root')}/tokens/clients`;
}

function tokenSource(options: MonitorClientOptions, baseUrl: string, send: Exchange, userAgent: string): TokenSource {
  const { clientId, clientSecret } = options;
  if (clientId !== undefined || clientSecret !== undefined) {
    if (!clientId || !clientSecret) throw new TypeError('clientId and clientSecret go together');
    const tokenUrl = options.tokenUrl ?? defaultTokenUrl(baseUrl, options.customerId);
    return new ClientCredentialsTokens({ tokenUrl, clientId, clientSecret, userAgent, now: options.now ?? Date.now, exchange: send });
  }
  return options.token ? staticToken(options.token) : noToken;
}

function malformed(url: string, message: string, body?: unknown): MonitorODataError {
  return new MonitorODataError({ status: 200, code: 'InvalidResponse', message, url, body });
}

/** A collection page of an answer's body. */
function pageOf<Row>(answer: HttpAnswer): Page<Row> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw malformed(answer.url, `The answer is not JSON: ${answer.text.slice(0, 200)}`, answer.text);
  }
  if (typeof body !== 'object' || body === null || !Array.isArray(body.value)) throw malformed(answer.url, 'The answer is not an OData collection (no "value" array).', body);
  const page: { value: Row[]; count?: number; nextLink?: string; context?: string } = { value: body.value as Row[] };
  if (typeof body['@odata.count'] === 'number') page.count = body['@odata.count'];
  if (typeof body['@odata.nextLink'] === 'string') page.nextLink = body['@odata.nextLink'];
  if (typeof body['@odata.context'] === 'string') page.context = body['@odata.context'];
  return page;
}

export class MonitorClient {
  readonly baseUrl: string;
  readonly customerId: string | undefined;
  private readonly send: Exchange;
  private readonly tokens: TokenSource;
  private readonly userAgent: string;

  constructor(options: MonitorClientOptions) {
    this.baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, '');
    this.customerId = options.customerId;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.send = exchange(options.fetch ?? globalThis.fetch, retryPolicy(options.retry, options.onRetry));
    this.tokens = tokenSource(options, this.baseUrl, this.send, this.userAgent);
  }

  /** A typed query of an entity set. */
  query<S extends EntitySetName>(entitySet: S): QueryBuilder<S> {
    return new QueryBuilder(entitySet);
  }

  /** The absolute URL of a target. */
  url(target: QueryTarget): string {
    const text = target instanceof URL ? target.href : target.toString();
    return isAbsoluteUrl(text) ? text : `${this.baseUrl}/${text.replace(/^\/+/, '')}`;
  }

  /** Every page of a query, following `@odata.nextLink` to the end; the next page is asked for only when this one has been taken. */
  async *pages<Q extends QueryTarget>(target: Q, options: RequestOptions = {}): AsyncGenerator<Page<RowOf<Q>>, void, undefined> {
    let url: string | undefined = this.url(target);
    while (url !== undefined) {
      const page: Page<RowOf<Q>> = pageOf(await this.request(url, options));
      if (page.nextLink !== undefined && this.url(page.nextLink) === url) throw malformed(url, `The next link repeats the request: ${url}`);
      yield page;
      url = page.nextLink === undefined ? undefined : this.url(page.nextLink);
    }
  }

  /** Every row of a query, one page in memory at a time. */
  async *rows<Q extends QueryTarget>(target: Q, options: RequestOptions = {}): AsyncGenerator<RowOf<Q>, void, undefined> {
    for await (const page of this.pages(target, options)) yield* page.value;
  }

  /** One request's JSON body (a single page: the service document, one entity, one page of rows). */
  async get<T = unknown>(target: QueryTarget, options: RequestOptions = {}): Promise<T> {
    const answer = await this.request(this.url(target), options);
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw malformed(answer.url, `The answer is not JSON: ${answer.text.slice(0, 200)}`, answer.text);
    }
  }

  /** One request's body as text (`$metadata`, `/$count`). */
  async text(target: QueryTarget, options: RequestOptions = {}): Promise<string> {
    return (await this.request(this.url(target), options)).text;
  }

  /** A 2xx answer; a refused token (401) is replaced once, any other failure thrown as MonitorODataError. */
  private async request(url: string, options: RequestOptions): Promise<HttpAnswer> {
    for (let refreshed = false; ; refreshed = true) {
      const token = await this.tokens.token(options.signal);
      const answer = await this.send(url, { headers: this.headers(token, options.accept), signal: options.signal });
      if (answer.status === 401 && !refreshed && this.tokens.refused(token)) continue;
      if (answer.status < 200 || answer.status > 299) throw errorFromResponse(answer.status, answer.statusText, answer.text, url);
      return answer;
    }
  }

  private headers(token: string | undefined, accept = 'application/json'): Record<string, string> {
    const headers: Record<string, string> = { Accept: accept, 'User-Agent': this.userAgent };
    if (token !== undefined) headers.Authorization = `CWSAuth bearer=${token}`;
    if (this.customerId !== undefined) headers['Citrix-CustomerId'] = this.customerId;
    return headers;
  }
}
