// Every exchange has an id: the caller's `Citrix-TransactionId` (or `X-Request-Id`) when it sends a
// usable one, so a request can be traced from the client through our logs, else a new UUID. It
// is echoed in both headers and written into every error body, where a user reporting a problem
// finds it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const TRANSACTION_ID_HEADER = 'citrix-transactionid';
export const REQUEST_ID_HEADER = 'x-request-id';
const USABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`. */
export function requestIdOf(request: IncomingMessage): string {
  for (const name of [TRANSACTION_ID_HEADER, REQUEST_ID_HEADER]) {
    const value = request.headers[name];
    if (typeof value === 'string' && USABLE_ID.test(value)) return value;
  }
  return randomUUID();
}

/** The id added to an error body: OData errors carry it in `innererror`, Citrix gateway errors as a parameter. */
export function withRequestId(body: unknown, id: string): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const record = body as Record<string, unknown>;
  const odata = record.error;
  if (typeof odata === 'object' && odata !== null && !Array.isArray(odata)) {
    const error = odata as Record<string, unknown>;
    const inner = typeof error.innererror === 'object' && error.innererror !== null ? error.innererror : {};
    return { ...record, error: { ...error, innererror: { ...inner, requestId: id } } };
  }
  if (typeof record.type === 'string' && typeof record.detail === 'string') {
    const parameters = Array.isArray(record.parameters) ? record.parameters : [];
    return { ...record, parameters: [...parameters, { name: 'transactionId', value: id }] };
  }
  return body;
}

export function registerRequestIds(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('Citrix-TransactionId', request.id);
    reply.header('X-Request-Id', request.id);
    const type = String(reply.getHeader('content-type') ?? '');
    if (reply.statusCode < 400 || !type.includes('json') || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
    try {
      return JSON.stringify(withRequestId(JSON.parse(payload.toString()), request.id));
    } catch {
      return payload;
    }
  });
}
