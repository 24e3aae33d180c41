// Headers for an API that browsers may reach: no sniffing, no framing, no caching of tenant data,
// no referrer; Helmet sets them (its page-oriented defaults narrowed for JSON and XML answers).
// CORS is off unless the operator names the origins that may call (`serve --cors`).
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

export interface CorsOptions {
  /** Origins allowed to call from a browser; `*` for any. */
  readonly origins: readonly string[];
}

/** Request headers a Monitor client sends, and response headers its scripts read. */
const ALLOWED_HEADERS = ['Authorization', 'Citrix-CustomerId', 'Customer', 'Accept', 'Content-Type', 'Prefer', 'OData-Version', 'OData-MaxVersion', 'Citrix-TransactionId', 'X-Request-Id'];
const EXPOSED_HEADERS = ['OData-Version', 'Retry-After', 'Citrix-TransactionId', 'X-Request-Id', 'Preference-Applied'];

export async function registerSecurityHeaders(app: FastifyInstance, corsOptions: CorsOptions | undefined): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: corsOptions ? 'cross-origin' : 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    return payload;
  });
  if (corsOptions) {
    const any = corsOptions.origins.includes('*');
    await app.register(cors, {
      origin: any ? '*' : [...corsOptions.origins],
      methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
}
