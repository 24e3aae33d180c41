// Query fuzzing, the full run (issue 8): at least 100,000 generated and mutated requests
// (test/support/query-fuzzer.ts) against in-process servers over one generated fleet, DuckDB and
// PostgreSQL, part of them over real HTTP on loopback; then the next links seen, followed as they
// are (each must answer 200) and with a tampered skiptoken (each must answer 400). Prints strings
// tried, the status histogram, 5xx (must be 0), query timeouts, hangs, crashes, requests/s and the
// slowest queries; exits 1 when anything was found.
// Usage: npx tsx bench/fuzz.bench.ts [--count 100000] [--seed 1] [--machines 40] [--days 3]
//          [--postgres-share 0.25] [--http-share 0.2] [--concurrency 4] [--query-timeout-ms 5000]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { noAuth } from '../src/http/access.js';
import { buildApp } from '../src/http/app.js';
import { monitorModel } from '../src/model/model.js';
import { DuckDbQueryCompiler } from '../src/sql/duckdb-query-compiler.js';
import { PostgresQueryCompiler } from '../src/sql/postgres-query-compiler.js';
import type { Store } from '../src/store/store.js';
import { openFleet } from '../test/support/fleet.js';
import { failuresOf, formatReport, fuzzApp } from '../test/support/query-fuzzer.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    machines: { type: 'string', default: '40' },
    days: { type: 'string', default: '3' },
    'postgres-share': { type: 'string', default: '0.25' },
    'http-share': { type: 'string', default: '0.2' },
    concurrency: { type: 'string', default: '4' },
    'query-timeout-ms': { type: 'string', default: '5000' },
  },
});
const count = Number(args.count);
const seed = Number(args.seed);
const postgresShare = Number(args['postgres-share']);
const concurrency = Number(args.concurrency);
const queryTimeoutMs = Number(args['query-timeout-ms']);

console.log(`fuzz: ${count} requests, seed ${seed}, fleet ${args.machines} machines x ${args.days} days (+ a second customer of 10 machines), ${cpus().length} cores, Node ${process.version}`);
const opened = performance.now();
const fleet = await openFleet({ machines: Number(args.machines), days: Number(args.days), postgres: postgresShare > 0 });
console.log(`fleet generated${fleet.postgres ? ' and loaded into PostgreSQL' : ''} in ${((performance.now() - opened) / 1000).toFixed(1)} s`);

async function appOver(store: Store, compiler: () => DuckDbQueryCompiler | PostgresQueryCompiler): Promise<FastifyInstance> {
  return buildApp({ model: monitorModel, store, compiler, access: noAuth(fleet.customerId), queryTimeoutMs, concurrencyPerCustomer: concurrency * 2 });
}

const runs: { engine: string; app: FastifyInstance; count: number; seed: number }[] = [];
const postgresCount = fleet.postgres ? Math.round(count * postgresShare) : 0;
runs.push({ engine: 'DuckDB', app: await appOver(fleet.store, () => new DuckDbQueryCompiler()), count: count - postgresCount, seed });
if (fleet.postgres && postgresCount > 0) runs.push({ engine: 'PostgreSQL', app: await appOver(fleet.postgres.store, () => new PostgresQueryCompiler()), count: postgresCount, seed: seed + 1_000_000 });

let found = 0;
const totals = { tried: 0, ms: 0, serverErrors: 0, timeouts: 0, hangs: 0, crashes: 0, badBodies: 0, pagingFindings: 0 };
try {
  for (const run of runs) {
    const started = performance.now();
    const report = await fuzzApp({
      app: run.app,
      model: monitorModel,
      count: run.count,
      seed: run.seed,
      httpShare: Number(args['http-share']),
      concurrency,
      hangMs: queryTimeoutMs + 10_000,
      paging: Math.max(200, Math.round(run.count / 100)),
      onProgress: (r) => {
        if (r.tried % 10_000 === 0) console.log(`  ${run.engine}: ${r.tried} tried, ${failuresOf(r).length} findings, ${(r.tried / ((performance.now() - started) / 1000)).toFixed(0)} requests/s`);
      },
    });
    console.log(formatReport(report, `${run.engine}: ${run.count} requests (${Math.round(run.count * Number(args['http-share']))} over HTTP) + ${report.tried - run.count} next links (as they are, and tampered)`));
    for (const f of report.pagingFindings.slice(0, 10)) console.log(`  next link: ${f.status} ${f.url} ${f.detail.slice(0, 300)}`);
    found += failuresOf(report).length + report.pagingFindings.length;
    totals.tried += report.tried;
    totals.ms += report.elapsedMs;
    totals.serverErrors += report.serverErrors.length;
    totals.timeouts += report.timeouts.length;
    totals.hangs += report.hangs.length;
    totals.crashes += report.crashes.length;
    totals.badBodies += report.badErrorBodies.length;
    totals.pagingFindings += report.pagingFindings.length;
  }
} finally {
  for (const run of runs) await run.app.close();
  await fleet.close();
}
console.log(
  `== total: ${totals.tried} strings tried in ${(totals.ms / 1000).toFixed(1)} s = ${(totals.tried / (totals.ms / 1000)).toFixed(0)} requests/s; ` +
    `5xx: ${totals.serverErrors}; query timeouts: ${totals.timeouts}; hangs: ${totals.hangs}; crashes: ${totals.crashes}; ` +
    `4xx without an OData error: ${totals.badBodies}; next links not answered 200 (tampered: not 400): ${totals.pagingFindings}`,
);
process.exit(found === 0 ? 0 : 1);
