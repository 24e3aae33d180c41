// Errors the Citrix Cloud gateway answers before a request reaches the OData service (tokens,
// customers, rate limits) come in the Citrix Cloud shape `{type, detail, parameters}`, not the
// OData one: scripts written against the real service look for these bodies.

export interface CitrixError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: { type: string; detail: string; parameters?: { name: string; value: string }[] };
}

const ERRORS_API = 'https://errors-api.cloud.com/common';

/** 401: no token, or one that is malformed, forged, expired or of a revoked client. */
export function authenticationError(reason: 'missing' | 'invalid'): CitrixError {
  return {
    status: 401,
    headers: { 'WWW-Authenticate': 'CWSAuth bearer' },
    body: { type: `${ERRORS_API}/authentication`, detail: 'Missing or invalid authentication details', parameters: [{ name: 'reason', value: reason }] },
  };
}

/** 403: a valid token, for another customer than the request names. */
export function authorizationError(): CitrixError {
  return { status: 403, headers: {}, body: { type: `${ERRORS_API}/authorization`, detail: 'Access denied' } };
}

/** 429: the customer already has as many requests in flight as it may. */
export function rateLimitError(retryDelaySeconds: number): CitrixError {
  return {
    status: 429,
    headers: { 'Retry-After': String(retryDelaySeconds) },
    body: {
      type: `${ERRORS_API}/rateLimitExceeded`,
      detail: `Rate limit exceeded; try again in ${retryDelaySeconds} seconds`,
      parameters: [{ name: 'retryDelay', value: String(retryDelaySeconds) }],
    },
  };
}

/** Thrown by request hooks; the app's error handler writes it as is. */
export class CitrixErrorResponse extends Error {
  constructor(readonly error: CitrixError) {
    super(error.body.detail);
    this.name = 'CitrixErrorResponse';
  }
}
