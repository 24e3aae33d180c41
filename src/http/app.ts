// The Fastify application: the token endpoint and the OData routes at both service roots, with
// who may ask (tokens and customers), how many at once (429) and for how long (the query time
// limit). Tests build it and use inject().
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Model } from '../model/model.js';
import { ODataError } from '../odata/errors.js';
import { metadataDocument } from '../odata/format/metadata-document.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../odata/validate/index.js';
import { serviceDocument } from '../odata/format/service-document.js';
import type { QueryCompiler } from '../sql/query-compiler.js';
import { ResultCache, type ResultCacheLimits } from '../store/result-cache.js';
import { QueryCancelledError, type Store } from '../store/store.js';
import { customerOf, type AccessMode } from './access.js';
import { CitrixErrorResponse, rateLimitError } from './citrix-errors.js';
import { LocalConcurrencyLimit, type ConcurrencyLimit } from './concurrency-limit.js';
import { engineErrorResponse, errorResponse } from './error-body.js';
import { contentType } from './negotiation.js';
import { PreparedPages, type PreparedPagesLimits } from './prepared-pages.js';
import { ResponseBuffers } from './response-buffers.js';
import { followsNextLink, handleQuery, type QueryRequest, type QueryResponse } from './query-handler.js';
import { matchServiceRoot, SERVICE_ROOTS } from './service-roots.js';
import { registerTokenRoute, type IssueToken } from './token-route.js';
import { requestIdOf, registerRequestIds } from './request-ids.js';
import { loggerOptions, registerRequestLog, type RequestLog } from './request-log.js';
import { registerSecurityHeaders, type CorsOptions } from './security-headers.js';
import { registerDashboard } from './dashboard.js';
import { clientErrorHandler } from './client-errors.js';

/** Citrix documents one query in flight per customer and a 30-second query time limit. */
export const DEFAULT_CONCURRENCY_PER_CUSTOMER = 1;
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
/** The `retryDelay` of a 429, in seconds (Citrix's example says 4). */
const RETRY_DELAY_SECONDS = 4;

export interface AppDependencies {
  readonly model: Model;
  readonly store: Store;
  readonly compiler: () => QueryCompiler;
  /** Tokens, or one customer served without them (`--auth none`). */
  readonly access: AccessMode;
  /** Answers the token endpoint; without it the endpoint refuses every client. */
  readonly issueToken?: IssueToken;
  /** Queries one customer may have in flight; more get 429. */
  readonly concurrencyPerCustomer?: number;
  /** Where the limit is kept: this process by default; shared by every process on PostgreSQL (SharedConcurrencyLimit). */
  readonly concurrencyLimit?: ConcurrencyLimit;
  /** A query still running after this long is cancelled in the engine and answered with 503. */
  readonly queryTimeoutMs?: number;
  /** What one request may ask for (`$top`, `$expand` depth, expression size, URL length). */
  readonly limits?: QueryLimits;
  /** The clock tokens are checked against (tests move it). */
  readonly now?: () => Date;
  /** One JSON line per exchange (none by default). */
  readonly log?: RequestLog;
  /** Browsers of these origins may call (CORS); none by default. */
  readonly cors?: CorsOptions;
  readonly resultCache?: ResultCacheLimits;
  /** Next pages of a walk answered ahead of their request; limits `{ maxEntries: 0 }` turn this off. */
  readonly preparedPages?: PreparedPagesLimits | PreparedPages<Answer>;
  /** The fleet dashboard at `/` and `/dashboard` (on by default). */
  readonly dashboard?: boolean;
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

/** A signal that fires after `ms` unless cleared first (the timer keeps the process alive while a query runs). */
function deadline(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`ran past ${ms} ms`, 'TimeoutError')), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Errors raised by the engine while evaluating valid SQL on the data (overflow, bad conversion). */
function isEngineDataError(error: unknown): error is Error {
  return error instanceof Error && /(Conversion|Out of Range|Invalid Input|overflow|Could not convert|Binder Error)/i.test(error.message);
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const limits = deps.limits ?? DEFAULT_QUERY_LIMITS;
  const app = Fastify({
    logger: loggerOptions(deps.log),
    // Fastify's own request lines (which would log every header) are off; request-log.ts writes one line instead.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // A request that arrives on an open connection while the server drains (SIGTERM) is answered
    // like any other, instead of Fastify's own 503 body; new connections are refused meanwhile.
    return503OnClosing: false,
    genReqId: requestIdOf,
    // Node refuses a request line and headers past 16 KB with a bare 431; with room above the URL
    // limit, a long URL gets our 400 that says what the limit is.
    http: { maxHeaderSize: Math.max(16_384, Math.min(limits.maxUrlLength, 1_048_576) + 16_384) },
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: 65536,
      // Query text is parsed by our own OData parser from the raw URL, never by Fastify.
      querystringParser: () => ({}),
    },
    clientErrorHandler: clientErrorHandler(limits.maxUrlLength),
    // Errors Fastify raises before routing (a malformed percent-escape in the path) get the OData shape too.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, new ODataError('syntax', `The request URL is not valid: ${error.message}`, { target: 'path' }));
    },
  });

  registerRequestIds(app);
  if (deps.log) registerRequestLog(app);
  await registerSecurityHeaders(app, deps.cors);

  const timeoutMs = deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ODataError) return sendError(reply, error);
    if (error instanceof CitrixErrorResponse) return reply.code(error.error.status).headers(error.error.headers).type('application/json').send(JSON.stringify(error.error.body));
    if (error instanceof QueryCancelledError) {
      // Cancelled because the client went away: there is nobody to answer.
      if (reply.raw.destroyed) return reply;
      return sendError(reply, new ODataError('timeout', `The query ran longer than the server's limit of ${timeoutMs / 1000} s and was cancelled: narrow $filter, or page with $top.`));
    }
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
  const limit = deps.concurrencyLimit ?? new LocalConcurrencyLimit(deps.concurrencyPerCustomer ?? DEFAULT_CONCURRENCY_PER_CUSTOMER);
  const now = deps.now ?? (() => new Date());
  registerTokenRoute(app, deps.issueToken ?? (async () => undefined));
  const bodies = new ResponseBuffers();
  const prepared = deps.preparedPages instanceof PreparedPages ? deps.preparedPages : new PreparedPages<Answer>(deps.preparedPages);

  app.setNotFoundHandler((request, reply) => {
    return sendError(reply, new ODataError('notFound', `No HTTP resource was found that matches the request URI '${request.url}'.`));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const rawUrl = request.raw.url ?? '/';
    if (rawUrl.length > limits.maxUrlLength) {
      throw new ODataError('semantic', `The request URL is ${rawUrl.length} characters long, more than the limit of ${limits.maxUrlLength}. To increase the limit, set the 'MaxUrlLength' query limit of the server.`, { target: 'path' });
    }
    const q = rawUrl.indexOf('?');
    const pathPart = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
    const matched = matchServiceRoot(pathPart);
    if (!matched) throw new ODataError('notFound', `No HTTP resource was found that matches the request URI '${rawUrl}'.`);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply.header('Allow', 'GET, HEAD');
      throw new ODataError('methodNotAllowed', `The service is read-only: ${request.method} is not allowed.`);
    }
    const customerId = await customerOf(deps.access, request.headers, now());
    const serviceRoot = serviceRootUrl(request, matched.root);
    const rest = matched.rest.replace(/\/+$/, '');
    if (rest === '') {
      return reply.headers(ODATA_VERSION).type(contentType({ metadata: 'minimal', ieee754: false })).send(JSON.stringify(serviceDocument(deps.model, `${serviceRoot}/$metadata`)));
    }
    if (rest === '$metadata' || rest.toLowerCase() === '%24metadata') {
      return reply.headers(ODATA_VERSION).type('application/xml').send(metadataDocument(deps.model));
    }
    const release = await limit.tryAcquire(customerId);
    if (release === undefined) throw new CitrixErrorResponse(rateLimitError(RETRY_DELAY_SECONDS));
    if (reply.raw.destroyed || request.raw.socket?.destroyed) {
      // Gone while the slot was being claimed: its 'close' has already been and gone.
      await release();
      return reply;
    }
    // The slot is freed however the exchange ends: answered, failed, or the client gone; and it is
    // free before the answer leaves, so a client that asks again at once is not refused. A client
    // that goes away also cancels its query in the engine.
    const gone = new AbortController();
    const timeLimit = deadline(timeoutMs);
    reply.raw.once('close', () => {
      void release();
      timeLimit.clear();
      if (!reply.raw.writableFinished) gone.abort(new Error('the client went away'));
    });
    const query: QueryRequest = {
      model: deps.model,
      store: deps.store,
      compiler: deps.compiler,
      customerId,
      serviceRoot,
      path: rest,
      rawQuery,
      accept: request.headers.accept,
      prefer: request.headers.prefer as string | undefined,
      now: now(),
      cache,
      signal: AbortSignal.any([gone.signal, timeLimit.signal]),
      limits,
      allocate: bodies.allocate,
    };
    let response: Answer;
    try {
      response = (request.method === 'GET' ? await prepared.take(requestKey(query)) : undefined) ?? (await answer(query));
    } finally {
      await release();
    }
    if (response.next && request.method === 'GET' && followsNextLink(rawQuery)) {
      const next: QueryRequest = { ...query, ...response.next };
      prepared.prepare(requestKey(next), async () => {
        const ahead = deadline(timeoutMs);
        try {
          return await answer({ ...next, now: now(), signal: ahead.signal });
        } finally {
          ahead.clear();
        }
      });
    }
    reply.code(response.status).headers(ODATA_VERSION).headers(response.headers);
    reply.raw.once('finish', () => bodies.recycle(response.bytes));
    if (response.contentType === 'text') return reply.type('text/plain').send(response.bytes);
    return reply.type(contentType(response.json!)).send(response.bytes);
  };

  if (deps.dashboard ?? true) await registerDashboard(app, { access: deps.access });
  for (const root of SERVICE_ROOTS) {
    app.all(root, handler);
    app.all(`${root}/*`, handler);
  }
  return app;
}
