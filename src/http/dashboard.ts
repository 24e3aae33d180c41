// The fleet dashboard: a static page (src/dashboard/) whose charts are drawn from this server's own
// OData API by the browser. `/` and `/dashboard` answer the page, `/dashboard/assets/NAME` its
// scripts, its style sheet and ECharts' browser build (read from node_modules: the machines it runs
// on have no internet, so nothing comes from a CDN), `/dashboard/config` whether the API wants tokens.
// Only the named files are served, from memory, each with an ETag; the page and its assets carry a
// CSP that lets them load their own scripts and styles and call this origin, and nothing else.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessMode } from './access.js';

export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What the page asks first: whether it needs a sign-in, and where the API is. */
export interface DashboardConfig {
  readonly auth: 'tokens' | 'none';
  /** The customer served without tokens (`--auth none`). */
  readonly customerId?: string;
  readonly serviceRoot: string;
}

export interface DashboardOptions {
  readonly access: AccessMode;
  /** The service root the page queries (default `/monitorodata`). */
  readonly serviceRoot?: string;
}

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function load(path: string): Asset {
  const body = readFileSync(path);
  const type = TYPES[path.slice(path.lastIndexOf('.') + 1)];
  if (type === undefined) throw new Error(`no content type for ${path}`);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

const pageFile = (name: string) => fileURLToPath(new URL(`../dashboard/${name}`, import.meta.url));

/** The page's files by the name the page uses; ECharts' common build (line, bar, pie) from its package. */
function loadAssets(): { page: Asset; assets: Map<string, Asset> } {
  const require = createRequire(import.meta.url);
  const assets = new Map<string, Asset>(['app.js', 'odata.js', 'queries.js', 'charts.js', 'dashboard.css'].map((name) => [name, load(pageFile(name))]));
  assets.set('echarts.js', load(require.resolve('echarts/dist/echarts.common.min')));
  return { page: load(pageFile('index.html')), assets };
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.header('Content-Security-Policy', DASHBOARD_CSP).header('Cache-Control', 'no-cache').header('ETag', asset.etag);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}

export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const { page, assets } = loadAssets();
  const config: DashboardConfig = {
    auth: options.access.kind,
    ...(options.access.kind === 'none' ? { customerId: options.access.customerId } : {}),
    serviceRoot: options.serviceRoot ?? '/monitorodata',
  };
  const servePage = (request: FastifyRequest, reply: FastifyReply) => send(request, reply, page);
  app.get('/', servePage);
  app.get('/dashboard', servePage);
  app.get('/dashboard/config', async (_request, reply) => reply.type('application/json').send(JSON.stringify(config)));
  app.get<{ Params: { name: string } }>('/dashboard/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (asset === undefined) return reply.code(404).type('application/json').send(JSON.stringify({ error: { code: 'NotFound', message: `No dashboard asset '${request.params.name}'.` } }));
    return send(request, reply, asset);
  });
}
