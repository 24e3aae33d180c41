// A non-2xx answer as an Error. The service answers in three shapes: OData's
// `{"error":{"code","message"}}` (bad queries), the Citrix Cloud gateway's `{type, detail,
// parameters}` (tokens, customers, rate limits) and OAuth's `{"error","error_description"}` (the
// token endpoint); older Citrix services also send `{"Error":{"Code","Message"}}` or `{"Error":"..."}`.

export class MonitorODataError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** `BadRequest`, `invalid_client`, `authentication`, `rateLimitExceeded`, ... or `HTTP <status>` when the body names none. */
  readonly code: string;
  /** The request URL. */
  readonly url: string;
  /** The option the error is about (`$filter`), when the service says. */
  readonly target: string | undefined;
  /** The parsed body (or its text when it is not JSON). */
  readonly body: unknown;

  constructor(init: { status: number; code: string; message: string; url: string; target?: string; body?: unknown }) {
    super(init.message);
    this.name = 'MonitorODataError';
    this.status = init.status;
    this.code = init.code;
    this.url = init.url;
    this.target = init.target;
    this.body = init.body;
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Code, message and target of the error bodies we know; undefined for any other body. */
function described(body: unknown): { code?: string; message?: string; target?: string } | undefined {
  if (!isObject(body)) return undefined;
  const error = body.error ?? body.Error;
  if (isObject(error)) {
    return { code: text(error.code ?? error.Code), message: text(error.message ?? error.Message), target: text(error.target) };
  }
  if (typeof error === 'string') return { code: error, message: text(body.error_description) ?? text(body.message) ?? error };
  if (text(body.type) || text(body.detail)) {
    const type = text(body.type);
    return { code: type?.slice(type.lastIndexOf('/') + 1), message: text(body.detail) ?? text(body.title) };
  }
  return undefined;
}

/** The error for a response's status and body text. */
export function errorFromResponse(status: number, statusText: string, bodyText: string, url: string): MonitorODataError {
  let body: unknown = bodyText;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // not JSON: the text is the message
  }
  const found = described(body);
  const fallback = bodyText.trim().slice(0, 500) || statusText || `HTTP ${status}`;
  return new MonitorODataError({
    status,
    code: found?.code ?? `HTTP ${status}`,
    message: found?.message ?? fallback,
    url,
    target: found?.target,
    body,
  });
}
