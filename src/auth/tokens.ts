// Access tokens: HS256 JWTs naming the client (`sub`) and its customer (`customer`), valid for an
// hour, as Citrix Cloud's bearer tokens are.
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Store } from '../store/store.js';
import { ActiveClients, ACTIVE_CLIENTS_TTL_MS } from './active-clients.js';
import { loadSigningKey } from './signing-key.js';

export const TOKEN_LIFETIME_SECONDS = 3600;

const ALGORITHM = 'HS256';
const CUSTOMER_CLAIM = 'customer';

export interface TokenClaims {
  readonly clientId: string;
  readonly customerId: string;
}

export interface TokenServiceOptions {
  /** How long the set of active clients is trusted before it is read again (tests shorten it). */
  readonly activeClientsTtlMs?: number;
}

export class TokenService {
  private constructor(
    private readonly kid: string,
    /** Imported once: jose would otherwise import a raw secret again on every call. */
    private readonly key: CryptoKey,
    private readonly activeClients: ActiveClients,
  ) {}

  /** Loads the signing key from the database, creating it on first use. */
  static async open(store: Store, options: TokenServiceOptions = {}): Promise<TokenService> {
    const { kid, secret } = await loadSigningKey(store);
    const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return new TokenService(kid, key, new ActiveClients(store, options.activeClientsTtlMs ?? ACTIVE_CLIENTS_TTL_MS));
  }

  async issue(client: TokenClaims, now: Date = new Date()): Promise<{ accessToken: string; expiresIn: number }> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const accessToken = await new SignJWT({ [CUSTOMER_CLAIM]: client.customerId })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid })
      .setSubject(client.clientId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
      .sign(this.key);
    return { accessToken, expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /** The claims of a valid token, else undefined: bad signature, malformed, expired at `now`, or its client revoked/removed. */
  async verify(token: string, now: Date = new Date()): Promise<TokenClaims | undefined> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: [ALGORITHM], currentDate: now, requiredClaims: ['sub', 'exp'] }));
    } catch (e) {
      // Every way a token can be bad is a JOSEError; anything else is a fault of ours and is thrown.
      if (e instanceof errors.JOSEError) return undefined;
      throw e;
    }
    const clientId = payload.sub;
    const customerId = payload[CUSTOMER_CLAIM];
    if (typeof clientId !== 'string' || typeof customerId !== 'string') return undefined;
    // Compared with the table as well, so a token can only ever speak for its client's own customer.
    if ((await this.activeClients.customerOf(clientId)) !== customerId) return undefined;
    return { clientId, customerId };
  }

  /** Reads the active clients again now, e.g. right after a client was removed in this process. */
  refreshActiveClients(): Promise<void> {
    return this.activeClients.refresh();
  }
}
