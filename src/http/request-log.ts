// One log line per exchange, with its id, and never a credential: tokens travel in headers that
// are not logged, secrets in bodies that are not logged, and query parameters whose names say they
// carry one are masked in the logged URL.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Writable } from 'node:stream';

export interface RequestLog {
  readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where the JSON lines go (default stdout). */
  readonly stream?: Writable;
}

const SENSITIVE_PARAMETER = /secret|token|password|passwd|signature|assertion|^code$/i;

/** The URL as logged: parameters named like credentials keep their name, not their value. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const masked = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape is logged as it came.
      }
      return eq >= 0 && SENSITIVE_PARAMETER.test(decoded) ? `${name}=***` : pair;
    });
  return `${url.slice(0, q)}?${masked.join('&')}`;
}

/** Fastify's logger options for a request log (false: no log). */
export function loggerOptions(log: RequestLog | undefined): FastifyServerOptions['logger'] {
  if (log === undefined) return false;
  // Fastify's own request lines (which would log every header) are off: see the logController in app.ts.
  return { level: log.level, ...(log.stream ? { stream: log.stream } : {}) };
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: loggableUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, customer: request.headers['citrix-customerid'] },
      'request',
    );
  });
}
