// The dashboard's OData client. Requests go one at a time (the service lets a customer run one
// query at once, as Citrix Cloud does), each answer's next links are followed to the end, and:
//  - with tokens, it signs in with a client id and secret at the token endpoint, keeps the token
//    in memory only, fetches a new one when less than 5 minutes of it are left, and once more on a 401;
//  - a 429 is waited out for its Retry-After (4 s without one) and retried, with a visible notice
//    counting down ("Server busy: retrying in 3 s").

/** @typedef {{ auth: 'tokens' | 'none', customerId?: string, serviceRoot: string }} Config */
/** @typedef {{ value: any[], count?: number }} Result */

const REFRESH_BEFORE_MS = 5 * 60_000;
const MAX_RETRIES = 10;
const DEFAULT_RETRY_SECONDS = 4;
const MAX_RETRY_SECONDS = 60;
const MAX_PAGES = 100;

export class ODataError extends Error {
  /** @param {string} message @param {number} status @param {string} url */
  constructor(message, status, url) {
    super(message);
    this.status = status;
    this.url = url;
  }
}

/** The service wants a (new) sign-in: no credentials yet, or they no longer work. */
export class SignInNeeded extends Error {}

/** The message of whichever error body the service sent: OData, Citrix Cloud or OAuth. */
function errorMessage(/** @type {any} */ body, /** @type {Response} */ response) {
  return body?.error?.message ?? body?.detail ?? body?.error_description ?? `${response.status} ${response.statusText}`;
}

/** Seconds to wait before asking again: Retry-After as seconds or an HTTP date. */
function retryAfter(/** @type {Response} */ response) {
  const header = response.headers.get('Retry-After');
  const seconds = header === null ? NaN : /^\d+$/.test(header.trim()) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  return Math.min(MAX_RETRY_SECONDS, Math.max(1, Math.ceil(Number.isFinite(seconds) ? seconds : DEFAULT_RETRY_SECONDS)));
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class ODataClient {
  /**
   * @param {Config} config
   * @param {(notice: string | undefined) => void} onBusy  shows (or, with undefined, hides) the busy notice
   */
  constructor(config, onBusy) {
    this.root = new URL(config.serviceRoot.replace(/\/?$/, '/'), location.origin);
    this.needsToken = config.auth === 'tokens';
    /** @type {string | undefined} */
    this.customerId = config.customerId;
    this.onBusy = onBusy;
    /** @type {{ clientId: string, clientSecret: string } | undefined} */
    this.credentials = undefined;
    /** @type {string | undefined} */
    this.token = undefined;
    this.expiresAt = 0;
    /** @type {Promise<unknown>} */
    this.queue = Promise.resolve();
  }

  /** The absolute URL of a path below the service root: what a "query" link shows. */
  href(/** @type {string} */ path) {
    return new URL(path, this.root).href;
  }

  get signedIn() {
    return !this.needsToken || this.credentials !== undefined;
  }

  /** Gets a first token; the credentials stay in this object (memory) to get the next ones. */
  async signIn(/** @type {string} */ customerId, /** @type {string} */ clientId, /** @type {string} */ clientSecret) {
    this.customerId = customerId.trim() || undefined;
    this.credentials = { clientId: clientId.trim(), clientSecret };
    try {
      await this.fetchToken();
    } catch (error) {
      this.signOut();
      throw error;
    }
  }

  signOut() {
    this.credentials = undefined;
    this.token = undefined;
    this.expiresAt = 0;
  }

  async fetchToken() {
    const credentials = this.credentials;
    if (credentials === undefined) throw new SignInNeeded('Sign in to see the fleet.');
    const tokenUrl = `/cctrustoauth2/${encodeURIComponent(this.customerId ?? 'root')}/tokens/clients`;
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret }),
    });
    const body = await response.json().catch(() => undefined);
    if (!response.ok) throw new ODataError(`Sign-in failed: ${errorMessage(body, response)}`, response.status, tokenUrl);
    this.token = body.access_token;
    this.expiresAt = Date.now() + Number(body.expires_in) * 1000;
  }

  async headers() {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json' };
    if (this.customerId) headers['Citrix-CustomerId'] = this.customerId;
    if (this.needsToken) {
      if (this.token === undefined || this.expiresAt - Date.now() < REFRESH_BEFORE_MS) await this.fetchToken();
      headers.Authorization = `CWSAuth bearer=${this.token}`;
    }
    return headers;
  }

  /**
   * Every row of a query (a path below the service root), its next links followed; queued behind
   * the requests asked for before it, and not sent at all when `signal` has fired by then.
   * @param {string} path
   * @param {AbortSignal} [signal]
   * @returns {Promise<Result>}
   */
  getAll(path, signal) {
    const run = this.queue.then(() => this.walk(this.href(path), signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** @returns {Promise<Result>} */
  async walk(/** @type {string} */ url, /** @type {AbortSignal | undefined} */ signal) {
    signal?.throwIfAborted();
    const first = await this.send(url);
    const value = [...first.value];
    let next = first['@odata.nextLink'];
    for (let pages = 1; next && pages < MAX_PAGES; pages++) {
      signal?.throwIfAborted();
      const page = await this.send(next);
      value.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return { value, count: first['@odata.count'] };
  }

  /** One GET: 429 waited out and retried, a 401 retried once with a new token. */
  async send(/** @type {string} */ url) {
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, { headers: await this.headers() });
      if (response.status === 429 && attempt < MAX_RETRIES) {
        await this.wait(retryAfter(response));
        continue;
      }
      if (response.status === 401 && this.needsToken && !renewed) {
        renewed = true;
        this.token = undefined;
        continue;
      }
      const body = await response.json().catch(() => undefined);
      if (response.status === 401 && this.needsToken) {
        this.signOut();
        throw new SignInNeeded(`Signed out: ${errorMessage(body, response)}`);
      }
      if (!response.ok) throw new ODataError(errorMessage(body, response), response.status, url);
      return body;
    }
  }

  /** Waits out a 429, counting down in the busy notice. */
  async wait(/** @type {number} */ seconds) {
    for (let left = seconds; left > 0; left--) {
      this.onBusy(`Server busy (429 Too Many Requests): retrying in ${left} s`);
      await sleep(1000);
    }
    this.onBusy(undefined);
  }
}
