// Dashboard load time on the demo fleet (what `npm start` serves: 200 machines, 30 days, seed 1):
// `monitor-odata serve` as a child process (one query per customer at a time, as by default), the
// page opened in headless Chromium in a fresh browser context per run (nothing cached), timed from
// the start of navigation to every overview card ready with its rows (the page's own clock), with
// the share of that spent waiting on the OData API and the size of what was downloaded.
// Usage: npx tsx bench/dashboard.bench.ts [--db data/bench-dashboard-200x30.duckdb] [--runs 7]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DAYS, DEFAULT_MACHINES } from '../src/generate/defaults.js';
import { startServe } from '../test/support/serve-process.js';
import { cardStates, launchChromium, OVERVIEW_CARDS, waitForCards, watchProblems } from '../test/dashboard/browser.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: `data/bench-dashboard-${DEFAULT_MACHINES}x${DEFAULT_DAYS}.duckdb` },
    end: { type: 'string', default: '2025-05-12' },
    runs: { type: 'string', default: '7' },
  },
});
const runs = Number(args.runs);

if (!existsSync(args.db!)) {
  mkdirSync(dirname(args.db!), { recursive: true });
  execFileSync(process.execPath, ['bin/monitor-odata.js', 'generate', '--db', args.db!, '--machines', String(DEFAULT_MACHINES), '--days', String(DEFAULT_DAYS), '--seed', '1', '--end', args.end!], { stdio: 'inherit' });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const server = await startServe(['--db', args.db!, '--port', '0', '--auth', 'none', '--read-only', '--log-level', 'warn']);
const browser = await launchChromium();
try {
  const results: { ready: number; api: number; queries: number; kib: number }[] = [];
  // One unmeasured run first: the server's first queries also warm DuckDB's caches.
  for (let run = 0; run <= runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${server.url}/dashboard`);
    const ready = await waitForCards(page);
    const states = await cardStates(page, OVERVIEW_CARDS);
    const notReady = OVERVIEW_CARDS.filter((card) => states[card]!.state !== 'ready' || states[card]!.rows === 0);
    if (notReady.length > 0 || problems.length > 0) throw new Error(`run ${run}: ${JSON.stringify({ notReady, states, problems })}`);
    const resources = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => ({ url: r.name, start: r.startTime, end: r.responseEnd, bytes: r.transferSize })),
    );
    const api = resources.filter((r) => r.url.includes('/monitorodata/'));
    if (run > 0) {
      results.push({
        ready,
        api: api.reduce((sum, r) => sum + (r.end - r.start), 0),
        queries: api.length,
        kib: resources.reduce((sum, r) => sum + r.bytes, 0) / 1024,
      });
    }
    await context.close();
  }
  const ready = results.map((r) => r.ready);
  console.log(`dashboard on ${args.db} (${DEFAULT_MACHINES} machines × ${DEFAULT_DAYS} days), ${runs} runs, ${cpus().length} × ${cpus()[0]?.model}`);
  console.log(`navigation → all ${OVERVIEW_CARDS.length} cards ready: median ${Math.round(median(ready))} ms, min ${Math.round(Math.min(...ready))} ms, max ${Math.round(Math.max(...ready))} ms`);
  console.log(`of which waiting on the API: median ${Math.round(median(results.map((r) => r.api)))} ms over ${results[0]!.queries} queries (one at a time); downloaded ${Math.round(median(results.map((r) => r.kib)))} KiB`);
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
}
