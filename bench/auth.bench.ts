// What the access model costs: issuing a token (a scrypt check of the secret plus signing), and a
// small query with a token against the same query served without tokens (verification per request).
// Usage: npx tsx bench/auth.bench.ts [--requests 500]
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addClient, verifyClientSecret } from '../src/auth/api-clients.js';
import { TokenService } from '../src/auth/tokens.js';
import { DEFAULT_CUSTOMER_ID } from '../src/generate/defaults.js';
import { generateFleet } from '../src/generate/generate-fleet.js';
import { noAuth } from '../src/http/access.js';
import { buildApp } from '../src/http/app.js';
import { monitorModel } from '../src/model/model.js';
import { DuckDbQueryCompiler } from '../src/sql/duckdb-query-compiler.js';
import { openDuckDbStore } from '../src/store/duckdb/duckdb-store.js';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '500' } } });
const requests = Number(args.requests);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-auth-bench-'));
const store = await openDuckDbStore(join(dir, 'auth.duckdb'));
try {
  await generateFleet(store, { customerId: DEFAULT_CUSTOMER_ID, machines: 50, days: 2, seed: 1, end: '2025-05-06' });
  const tokens = await TokenService.open(store);
  const client = await addClient(store, DEFAULT_CUSTOMER_ID);
  const common = { model: monitorModel, store, compiler: () => new DuckDbQueryCompiler() };
  const open = await buildApp({ ...common, access: noAuth(DEFAULT_CUSTOMER_ID) });
  const guarded = await buildApp({
    ...common,
    access: { kind: 'tokens', tokens },
    issueToken: async ({ clientId, clientSecret }) => {
      const found = await verifyClientSecret(store, clientId, clientSecret);
      return found && tokens.issue({ clientId: found.clientId, customerId: found.customerId });
    },
  });
  const openUrl = await open.listen({ port: 0, host: '127.0.0.1' });
  const guardedUrl = await guarded.listen({ port: 0, host: '127.0.0.1' });

  const issueTimes: number[] = [];
  let token = '';
  for (let i = 0; i < 12; i++) {
    const start = performance.now();
    const response = await fetch(`${guardedUrl}/cctrustoauth2/root/tokens/clients`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }) });
    token = ((await response.json()) as { access_token: string }).access_token;
    if (i >= 2) issueTimes.push(performance.now() - start);
  }

  const path = '/monitorodata/Machines?$top=1&$select=Name';
  const headers = { Authorization: `CWSAuth bearer=${token}`, 'Citrix-CustomerId': DEFAULT_CUSTOMER_ID };
  const times = { open: [] as number[], guarded: [] as number[] };
  for (let i = 0; i < requests + 20; i++) {
    for (const [kind, url, h] of [['open', openUrl, {}], ['guarded', guardedUrl, headers]] as const) {
      const start = performance.now();
      const status = await get(url + path, h);
      if (status !== 200) throw new Error(`${kind}: ${status}`);
      if (i >= 20) times[kind].push(performance.now() - start);
    }
  }
  const unauthorized: number[] = [];
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    await get(guardedUrl + path);
    unauthorized.push(performance.now() - start);
  }
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}); node ${process.version}; 50 machines x 2 days`);
  console.log(`token endpoint (scrypt check + HS256 signing): median ${median(issueTimes).toFixed(1)} ms of ${issueTimes.length}`);
  console.log(`${path}: without tokens median ${median(times.open).toFixed(2)} ms, with a token ${median(times.guarded).toFixed(2)} ms (${requests} each, alternating)`);
  console.log(`refused without a token (401): median ${median(unauthorized).toFixed(2)} ms of ${unauthorized.length}`);
  await open.close();
  await guarded.close();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
