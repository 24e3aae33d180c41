// Where the bearer token comes from: none (`serve --auth none`), a fixed one, or the Citrix Cloud
// token endpoint with client credentials — fetched when first needed, fetched again shortly
// before it expires, and once more when the service refuses it (401).
import type { Exchange } from './http-exchange.js';
import { errorFromResponse, MonitorODataError } from './odata-error.js';

export interface TokenSource {
  /** The token to send now, or undefined to send none. */
  token(signal?: AbortSignal): Promise<string | undefined>;
  /** The service refused `token` (401): forget it. True when a new one can be fetched, so the request is worth sending again. */
  refused(token: string | undefined): boolean;
}

export const noToken: TokenSource = { token: async () => undefined, refused: () => false };

export function staticToken(token: string): TokenSource {
  return { token: async () => token, refused: () => false };
}

/** A token is fetched again when less than this is left of it (or half its lifetime, when shorter). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** Citrix Cloud's tokens last an hour; assumed when the answer does not say. */
const DEFAULT_LIFETIME_SECONDS = 3600;

export interface ClientCredentials {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly userAgent: string;
  readonly now: () => number;
  readonly exchange: Exchange;
}

/** `expires_in` as Citrix Cloud writes it (`"3600"`) or as OAuth does (`3600`). */
function lifetimeSeconds(value: unknown): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LIFETIME_SECONDS;
}

export class ClientCredentialsTokens implements TokenSource {
  private current: { readonly token: string; readonly refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly config: ClientCredentials) {}

  async token(signal?: AbortSignal): Promise<string> {
    if (this.current !== undefined && this.config.now() < this.current.refreshAt) return this.current.token;
    // Concurrent requests share one token request.
    this.pending ??= this.fetch(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  refused(token: string | undefined): boolean {
    if (this.current?.token === token) this.current = undefined;
    return true;
  }

  private async fetch(signal: AbortSignal | undefined): Promise<string> {
    const { tokenUrl, clientId, clientSecret } = this.config;
    const requestedAt = this.config.now();
    const answer = await this.config.exchange(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'User-Agent': this.config.userAgent },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
      signal,
    });
    if (answer.status < 200 || answer.status > 299) throw errorFromResponse(answer.status, answer.statusText, answer.text, tokenUrl);
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(answer.text);
    } catch {
      body = {};
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new MonitorODataError({ status: answer.status, code: 'invalid_token_response', message: 'The token endpoint answered without an access_token.', url: tokenUrl, body: answer.text });
    }
    const lifetimeMs = lifetimeSeconds(body.expires_in) * 1000;
    this.current = { token: body.access_token, refreshAt: requestedAt + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) };
    return body.access_token;
  }
}
