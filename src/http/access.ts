// Who a request acts for: the customer its token names (and the request's customer header, when
// sent, must agree), or in development mode the one customer served without tokens.
import type { TokenClaims } from '../auth/tokens.js';
import { authenticationError, authorizationError, CitrixErrorResponse } from './citrix-errors.js';
import { bearerToken, requestedCustomer } from './credentials.js';

export interface TokenVerifier {
  /** The token's claims, or undefined when it is malformed, forged, expired at `now` or of a revoked client. */
  verify(token: string, now?: Date): Promise<TokenClaims | undefined>;
}

export interface TokenIssuer extends TokenVerifier {
  issue(client: TokenClaims, now?: Date): Promise<{ accessToken: string; expiresIn: number }>;
}

export type AccessMode =
  /** Development: one customer, no tokens asked for (`serve --auth none`). */
  | { readonly kind: 'none'; readonly customerId: string }
  | { readonly kind: 'tokens'; readonly tokens: TokenVerifier };

export function noAuth(customerId: string): AccessMode {
  return { kind: 'none', customerId };
}

/** The customer the request acts for; throws the Citrix 401 or 403 when it may not act at all. */
export async function customerOf(mode: AccessMode, headers: Record<string, string | string[] | undefined>, now: Date): Promise<string> {
  if (mode.kind === 'none') return mode.customerId;
  const authorization = headers.authorization;
  const token = bearerToken(Array.isArray(authorization) ? authorization[0] : authorization);
  if (token === undefined) throw new CitrixErrorResponse(authenticationError('missing'));
  const claims = await mode.tokens.verify(token, now);
  if (claims === undefined) throw new CitrixErrorResponse(authenticationError('invalid'));
  const named = requestedCustomer(headers);
  // Customer ids are compared as Citrix does: case-insensitively.
  if (named !== undefined && named.toLowerCase() !== claims.customerId.toLowerCase()) throw new CitrixErrorResponse(authorizationError());
  return claims.customerId;
}
