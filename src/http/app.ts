// The Fastify application: OData routes at both service roots. Tests build it and use inject().
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Model } from '../model/model.js';
import { ODataError } from '../odata/errors.js';
import { metadataDocument } from '../odata/format/metadata-document.js';
import { serviceDocument } from '../odata/format/service-document.js';
import type { QueryCompiler } from '../sql/query-compiler.js';
import { ResultCache, type ResultCacheLimits } from '../store/result-cache.js';
import type { Store } from '../store/store.js';
import { engineErrorResponse, errorResponse } from './error-body.js';
import { contentType } from './negotiation.js';
import { handleQuery } from './query-handler.js';
import { matchServiceRoot, SERVICE_ROOTS } from './service-roots.js';

export interface AppDependencies {
  readonly model: Model;
  readonly store: Store;
  readonly compiler: () => QueryCompiler;
  /** The customer served without tokens (`--auth none`). */
  readonly customerId: string;
  readonly logger?: boolean;
  readonly resultCache?: ResultCacheLimits;
}

const ODATA_VERSION = { 'OData-Version': '4.0' };

function serviceRootUrl(request: FastifyRequest, root: string): string {
  const host = request.headers.host ?? 'localhost';
  return `${request.protocol}://${host}${root}`;
}

function sendError(reply: FastifyReply, error: ODataError) {
  const { status, body } = errorResponse(error);
  return reply.code(status).headers(ODATA_VERSION).type(contentType({ metadata: 'minimal', ieee754: false })).send(JSON.stringify(body));
}

/** Errors raised by the engine while evaluating valid SQL on the data (overflow, bad conversion). */
function isEngineDataError(error: unknown): error is Error {
  return error instanceof Error && /(Conversion|Out of Range|Invalid Input|overflow|Could not convert|Binder Error)/i.test(error.message);
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: 65536,
      // Query text is parsed by our own OData parser from the raw URL, never by Fastify.
      querystringParser: () => ({}),
    },
    // Errors Fastify raises before routing (a malformed percent-escape in the path) get the OData shape too.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, new ODataError('syntax', `The request URL is not valid: ${error.message}`, { target: 'path' }));
    },
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ODataError) return sendError(reply, error);
    // A very long flat expression (`a or b or ...`) parses iteratively but is bound and lowered
    // recursively; past the stack it is a request too complex to serve, not a server fault.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return sendError(reply, new ODataError('semantic', 'The query is too complex: simplify the expression.'));
    }
    if (isEngineDataError(error)) {
      const { status, body } = engineErrorResponse(error.message.split('\n')[0]!);
      return reply.code(status).headers(ODATA_VERSION).type('application/json').send(JSON.stringify(body));
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).headers(ODATA_VERSION).type('application/json').send(JSON.stringify({ error: { code: 'BadRequest', message: (error as Error).message } }));
    }
    reply.log.error(error);
    return reply.code(500).headers(ODATA_VERSION).type('application/json').send(JSON.stringify({ error: { code: 'InternalServerError', message: 'An error has occurred.' } }));
  });

  const cache = new ResultCache(deps.resultCache);

  app.setNotFoundHandler((request, reply) => {
    return sendError(reply, new ODataError('notFound', `No HTTP resource was found that matches the request URI '${request.url}'.`));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const rawUrl = request.raw.url ?? '/';
    const q = rawUrl.indexOf('?');
    const pathPart = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
    const matched = matchServiceRoot(pathPart);
    if (!matched) throw new ODataError('notFound', `No HTTP resource was found that matches the request URI '${rawUrl}'.`);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply.header('Allow', 'GET, HEAD');
      throw new ODataError('methodNotAllowed', `The service is read-only: ${request.method} is not allowed.`);
    }
    const serviceRoot = serviceRootUrl(request, matched.root);
    const rest = matched.rest.replace(/\/+$/, '');
    if (rest === '') {
      return reply.headers(ODATA_VERSION).type(contentType({ metadata: 'minimal', ieee754: false })).send(JSON.stringify(serviceDocument(deps.model, `${serviceRoot}/$metadata`)));
    }
    if (rest === '$metadata' || rest.toLowerCase() === '%24metadata') {
      return reply.headers(ODATA_VERSION).type('application/xml').send(metadataDocument(deps.model));
    }
    const response = await handleQuery({
      model: deps.model,
      store: deps.store,
      compiler: deps.compiler,
      customerId: deps.customerId,
      serviceRoot,
      path: rest,
      rawQuery,
      accept: request.headers.accept,
      prefer: request.headers.prefer as string | undefined,
      now: new Date(),
      cache,
    });
    reply.code(response.status).headers(ODATA_VERSION).headers(response.headers);
    if (response.contentType === 'text') return reply.type('text/plain').send(response.body);
    return reply.type(contentType(response.json!)).send(response.body);
  };

  for (const root of SERVICE_ROOTS) {
    app.all(root, handler);
    app.all(`${root}/*`, handler);
  }
  return app;
}
