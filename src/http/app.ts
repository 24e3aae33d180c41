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
import { PreparedPages, type PreparedPagesLimits } from './prepared-pages.js';
import { followsNextLink, handleQuery, type QueryRequest, type QueryResponse } from './query-handler.js';
import { matchServiceRoot, SERVICE_ROOTS } from './service-roots.js';

export interface AppDependencies {
  readonly model: Model;
  readonly store: Store;
  readonly compiler: () => QueryCompiler;
  /** The customer served without tokens (`--auth none`). */
  readonly customerId: string;
  readonly logger?: boolean;
  readonly resultCache?: ResultCacheLimits;
  /** Next pages of a walk answered ahead of their request; limits `{ maxEntries: 0 }` turn this off. */
  readonly preparedPages?: PreparedPagesLimits | PreparedPages<Answer>;
}

/** A query's answer, with the body already encoded (prepared pages hold it this way). */
export interface Answer extends QueryResponse {
  readonly bytes: Buffer;
}

async function answer(request: QueryRequest): Promise<Answer> {
  const response = await handleQuery(request);
  return { ...response, bytes: typeof response.body === 'string' ? Buffer.from(response.body) : response.body };
}

/** Everything that makes two requests the same request. */
function requestKey(r: Pick<QueryRequest, 'customerId' | 'serviceRoot' | 'path' | 'rawQuery' | 'accept' | 'prefer'>): string {
  return JSON.stringify([r.customerId, r.serviceRoot, r.path, r.rawQuery, r.accept ?? '', r.prefer ?? '']);
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
  const prepared = deps.preparedPages instanceof PreparedPages ? deps.preparedPages : new PreparedPages<Answer>(deps.preparedPages);

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
    const query: QueryRequest = {
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
    };
    const response = (request.method === 'GET' ? await prepared.take(requestKey(query)) : undefined) ?? (await answer(query));
    if (response.next && request.method === 'GET' && followsNextLink(rawQuery)) {
      const next: QueryRequest = { ...query, ...response.next };
      prepared.prepare(requestKey(next), () => answer({ ...next, now: new Date() }));
    }
    reply.code(response.status).headers(ODATA_VERSION).headers(response.headers);
    if (response.contentType === 'text') return reply.type('text/plain').send(response.bytes);
    return reply.type(contentType(response.json!)).send(response.bytes);
  };

  for (const root of SERVICE_ROOTS) {
    app.all(root, handler);
    app.all(`${root}/*`, handler);
  }
  return app;
}
