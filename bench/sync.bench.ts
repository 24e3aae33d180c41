// Sync throughput between two local instances: a generated fleet served by `monitor-odata serve`
// is the upstream; `monitor-odata sync` mirrors it into a fresh DuckDB file and into a fresh
// PostgreSQL database (a throwaway server), then runs again with nothing changed upstream.
// Usage: npx tsx bench/sync.bench.ts [--machines 200] [--days 14] [--end 2025-05-12]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startPostgres, stopWithProcess } from '../scripts/postgres-server.js';
import { DEFAULT_CUSTOMER_ID } from '../src/generate/defaults.js';
import { startServe } from '../test/support/serve-process.js';

const { values: args } = parseArgs({
  options: {
    machines: { type: 'string', default: '200' },
    days: { type: 'string', default: '14' },
    end: { type: 'string', default: '2025-05-12' },
  },
});
const execFileAsync = promisify(execFile);
const cli = (...rest: string[]) => execFileAsync(process.execPath, ['bin/monitor-odata.js', ...rest], { maxBuffer: 1 << 26 });

const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-sync-bench-'));
const postgres = await startPostgres();
stopWithProcess(postgres);
const upstreamDb = join(dir, 'upstream.duckdb');
let server: Awaited<ReturnType<typeof startServe>> | undefined;
try {
  const lines: string[] = [];
  lines.push(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
  lines.push(`upstream: ${args.machines} machines x ${args.days} days (seed 1, end ${args.end}) served by monitor-odata serve --read-only --auth none on 127.0.0.1`);
  await cli('generate', '--db', upstreamDb, '--machines', args.machines!, '--days', args.days!, '--seed', '1', '--end', args.end!, '--progress', 'none');
  server = await startServe(['--db', upstreamDb, '--port', '0', '--auth', 'none', '--read-only']);
  lines.push('');
  lines.push('| mirror | run | rows read | rows stored | pages | seconds | rows/s | largest set (rows, rows/s) |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---|');
  for (const [name, db] of [['DuckDB file', join(dir, 'mirror.duckdb')], ['PostgreSQL', postgres.url]] as const) {
    for (const run of ['first (empty mirror)', 'second (nothing new)']) {
      const started = performance.now();
      const { stdout } = await cli('sync', '--from', `${server.url}/monitorodata`, '--customer', DEFAULT_CUSTOMER_ID, '--db', db, '--json', '--no-progress');
      const seconds = (performance.now() - started) / 1000;
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
      if (summary.failures.length > 0) throw new Error(`sync failed: ${JSON.stringify(summary.failures)}`);
      const pages = summary.sets.reduce((n: number, s: { pages: number }) => n + s.pages, 0);
      const largest = [...summary.sets].sort((a, b) => b.rows - a.rows)[0];
      const largestCell = largest.rows > 0 ? `${largest.set} (${largest.rows}, ${Math.round(largest.rows / (largest.milliseconds / 1000))})` : '-';
      lines.push(`| ${name} | ${run} | ${summary.rows} | ${summary.changed} | ${pages} | ${seconds.toFixed(1)} | ${Math.round(summary.rows / seconds)} | ${largestCell} |`);
      process.stderr.write(`${lines.at(-1)}\n`);
    }
  }
  console.log(lines.join('\n'));
} finally {
  server?.child.kill('SIGTERM');
  postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
