// Page by page timing of a next-link walk: where a walk's time goes between ordinary pages and the
// pages that wait for the next block of read-ahead rows. Serves a generated file (or a PostgreSQL
// URL) with `--auth none` and walks ResourceUtilizationSummary as a client does (each body parsed).
// Usage: npx tsx bench/walk-pages.bench.ts --db FILE|postgres://... [--pages 800] [--set ResourceUtilizationSummary]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startServe } from '../test/support/serve-process.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    pages: { type: 'string', default: '800' },
    set: { type: 'string', default: 'ResourceUtilizationSummary' },
  },
});
if (!args.db) throw new Error('--db FILE|postgres://... is required (generate one with monitor-odata generate)');

const readOnly = /^postgres(ql)?:\/\//i.test(args.db) ? [] : ['--read-only'];
// Started as the bin's first line starts it (its Node flags).
const server = await startServe(['--db', args.db, '--port', '0', '--auth', 'none', '--log-level', 'warn', ...readOnly]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (url: string) =>
  new Promise<any>((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      })
      .on('error', reject);
  });

try {
  let next: string | undefined = `${server.url}/monitorodata/${args.set}`;
  const times: number[] = [];
  let rows = 0;
  while (next && times.length < Number(args.pages)) {
    const start = performance.now();
    const body = await get(next);
    times.push(performance.now() - start);
    rows += body.value.length;
    next = body['@odata.nextLink'];
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const total = times.reduce((a, b) => a + b, 0);
  const slow = times.filter((t) => t > 2 * median);
  console.log(`${args.set}: ${rows} rows in ${times.length} pages, ${(total / 1000).toFixed(1)} s = ${Math.round(rows / (total / 1000))} rows/s`);
  console.log(`page times: median ${median.toFixed(1)} ms, mean ${(total / times.length).toFixed(1)} ms; ${slow.length} pages over twice the median take ${(slow.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s of ${(total / 1000).toFixed(1)} s`);
  console.log(`first 40 pages (ms): ${times.slice(0, 40).map((t) => t.toFixed(0)).join(' ')}`);
} finally {
  agent.destroy();
  server.child.kill('SIGTERM');
}
