// The token and customer a request presents, spelled as real clients spell them.

/**
 * `CWSAuth bearer=<token>` in every casing clients send (`CwsAuth Bearer=`, a space after `=`),
 * and plain `Bearer <token>`.
 */
const CWS_AUTH = /^\s*cwsauth\s+bearer\s*=\s*(\S+)\s*$/i;
const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return (CWS_AUTH.exec(authorization) ?? BEARER.exec(authorization))?.[1];
}

/** `Citrix-CustomerId`, or the legacy `Customer` header the older endpoints took. */
export function requestedCustomer(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['citrix-customerid'] ?? headers['customer'];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}
