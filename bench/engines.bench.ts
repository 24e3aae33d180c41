// DuckDB and PostgreSQL side by side in one run, on one generated fleet (default 2,000 machines x
// 90 days): load time, each seed request end to end versus the same SQL run directly on that
// engine, a full next-link walk, and page 1 versus page 1,000. PostgreSQL is a throwaway server
// (scripts/postgres-server.ts) loaded from the DuckDB file with COPY.
// Usage: npx tsx bench/engines.bench.ts [--machines 2000] [--days 90] [--repeat 15] [--walk-pages 0 (all)]
//   [--db FILE --postgres URL]: measure an already generated file and an already loaded PostgreSQL
//   (the same fleet) instead of generating and loading (no load times then).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { startPostgres, stopWithProcess } from '../scripts/postgres-server.js';
import { DEFAULT_CUSTOMER_ID } from '../src/generate/defaults.js';
import { monitorModel } from '../src/model/model.js';
import { bindQuery } from '../src/odata/bind/query-binder.js';
import { parseQueryString, parseResourcePath } from '../src/odata/parse/index.js';
import { DuckDbQueryCompiler } from '../src/sql/duckdb-query-compiler.js';
import { lowerQuery } from '../src/sql/lower-query.js';
import { PostgresQueryCompiler } from '../src/sql/postgres-query-compiler.js';
import type { QueryCompiler } from '../src/sql/query-compiler.js';
import { ensureSchema } from '../src/store/ddl.js';
import { postgresDialect } from '../src/store/dialect.js';
import { openDuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { loadFromDuckDb } from '../src/store/postgres/load-from-duckdb.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { parameterValue } from '../src/store/postgres/pg-values.js';
import { startServe } from '../test/support/serve-process.js';

const { values: args } = parseArgs({
  options: {
    machines: { type: 'string', default: '2000' },
    days: { type: 'string', default: '90' },
    end: { type: 'string', default: '2025-05-12' },
    repeat: { type: 'string', default: '15' },
    'walk-pages': { type: 'string', default: '0' },
    db: { type: 'string' },
    postgres: { type: 'string' },
  },
});
const repeat = Number(args.repeat);
const walkPages = Number(args['walk-pages']) || Infinity;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** `ms`: from sending the request until the last byte of the response has arrived; `parseMs`: the client's JSON.parse of it. */
function get(url: string): Promise<{ ms: number; parseMs: number; body: any }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const ms = performance.now() - start;
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const parseMs = performance.now() - start - ms;
          if (response.statusCode !== 200) reject(new Error(`${url}: ${response.statusCode} ${JSON.stringify(body).slice(0, 300)}`));
          else resolve({ ms, parseMs, body });
        });
      })
      .on('error', reject);
  });
}

function run(cmd: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cmd, { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd.join(' ')} exited ${code}`))));
  });
}


function sqlOf(path: string, query: string, compiler: () => QueryCompiler) {
  const bound = bindQuery({ model: monitorModel, path: parseResourcePath(path), options: parseQueryString(query), now: BigInt(Date.now()) * 1000n });
  const plan = lowerQuery({ model: monitorModel, customerId: DEFAULT_CUSTOMER_ID, query: bound, paging: { pageSize: 1000, skiptoken: undefined }, compiler });
  return plan.block?.query ?? plan.query;
}

async function generateAndLoad(lines: string[]): Promise<void> {
  let started = performance.now();
  await run(['bin/monitor-odata.js', 'generate', '--db', file, '--machines', args.machines!, '--days', args.days!, '--seed', '1', '--end', args.end!, '--progress', 'lines']);
  const duckLoad = (performance.now() - started) / 1000;
  started = performance.now();
  {
    const source = await openDuckDbStore(file, { readOnly: true });
    const target = await openPostgresStore(postgres.url);
    await ensureSchema(target, monitorModel, postgresDialect);
    await loadFromDuckDb(source, target, { onProgress: (p) => p.table && process.stderr.write(`  copying ${p.table} (${p.done + 1}/${p.tables})\n`) });
    await target.close();
    await source.close();
  }
  const pgLoad = (performance.now() - started) / 1000;
  lines.push(`load: DuckDB generate + load ${duckLoad.toFixed(1)} s; PostgreSQL: the same file copied in with COPY (indexes, partitions, ANALYZE) ${pgLoad.toFixed(1)} s`);
}

const reuse = args.db !== undefined && args.postgres !== undefined;
const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-engines-'));
const file = reuse ? args.db! : join(dir, 'fleet.duckdb');
const postgres = reuse ? { url: args.postgres!, stop: () => undefined } : await startPostgres();
if (!reuse) stopWithProcess(postgres as Awaited<ReturnType<typeof startPostgres>>);
const servers: ChildProcess[] = [];
try {
  const lines: string[] = [];
  lines.push(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
  lines.push(`data: ${args.machines} machines x ${args.days} days, seed 1, end ${args.end}; medians of ${repeat} after 2 warm-ups, engines and direct SQL taking turns`);

  if (!reuse) await generateAndLoad(lines);

  // Started as the bin's first line starts it (its Node flags), request log on.
  const duckServer = await startServe(['--db', file, '--port', '0', '--auth', 'none', '--read-only']);
  const pgServer = await startServe(['--db', postgres.url, '--port', '0', '--auth', 'none']);
  servers.push(duckServer.child, pgServer.child);
  const duck = { base: `${duckServer.url}/monitorodata` };
  const duckDirect = await (await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' })).connect();
  const pgDirect = new pg.Client({ connectionString: postgres.url, options: '-c TimeZone=UTC' });
  await pgDirect.connect();
  const engines = [
    { name: 'DuckDB', base: duck.base, compiler: () => new DuckDbQueryCompiler(), direct: async (sql: string, p: readonly unknown[]) => (await duckDirect.runAndReadAll(sql, p as never)).getRows().length },
    { name: 'PostgreSQL', base: `${pgServer.url}/monitorodata`, compiler: () => new PostgresQueryCompiler(), direct: async (sql: string, p: readonly unknown[]) => (await pgDirect.query({ text: sql, values: p.map(parameterValue), rowMode: 'array' })).rows.length },
  ];

  const endDay = new Date(`${args.end}T00:00:00Z`);
  const day = (offset: number) => new Date(endDay.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
  const seeds: [string, string, string][] = [
    ['seed 1: hourly usage with $expand', 'ResourceUtilizationSummary', `$filter=Granularity eq 60 and SummaryDate eq ${day(3)}T08:00:00Z and UptimeInMinutes gt 0&$expand=Machine($select=Name,AgentVersion),DesktopGroup($select=Name)`],
    ['seed 2: daily usage', 'ResourceUtilizationSummary', `$filter=Granularity eq 1440 and SummaryDate eq ${day(3)}T00:00:00Z and UptimeInMinutes gt 0`],
    ['connection failures of a day', 'ConnectionFailureLogs', `$filter=(FailureDate ge ${day(3)}T00:00:00Z and FailureDate le ${day(2)}T00:00:00Z)`],
    ['first 10 machines by name', 'Machines', '$orderby=Name&$top=10'],
    ['seed 3: $apply utilization by group', 'ResourceUtilizationSummary', `$apply=filter(Granularity eq 60 and SummaryDate ge ${day(9)} and UptimeInMinutes gt 0 and AvgTotalMemory gt 0 and AvgUsedMemory gt 0 and PeakUsedMemory gt 0)/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, 100 mul PeakUsedMemory div AvgTotalMemory as PeakPercentMemory)/expand(DesktopGroup,filter(Name ne null))/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, AvgPercentMemory with average as AvgPercentMemory, PeakPercentMemory with max as PeakPercentMemory))`],
    ['seed 4: $apply daily uptime by group', 'ResourceUtilizationSummary', `$apply=filter(Granularity eq 1440 and SummaryDate ge ${day(11)} and SummaryDate le ${day(2)})/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/groupby((DesktopGroupId, DesktopGroup/Name), aggregate(cast(UptimeInMinutes, Edm.Int32) with average as AvgUptimeInMinutes))`],
    ['seed 5: $apply unused machines', 'ResourceUtilizationSummary', `$apply=filter(Granularity eq 60 and SummaryDate ge ${day(7)} and UptimeInMinutes gt 0)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/compute(cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64 )/groupby((DesktopGroup/Name,MachineId,Machine/Name),aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))/filter(TotalSessionCountSum eq 0)&$count=true`],
  ];
  lines.push('');
  lines.push('End to end: from sending the request until the last byte of the response has arrived. The client\'s JSON.parse of the body comes after, and is shown on its own.');
  lines.push('');
  lines.push('| request | rows | DuckDB direct (ms) | DuckDB end to end | ratio | PostgreSQL direct (ms) | PostgreSQL end to end | ratio | client JSON.parse (ms) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, path, query] of seeds) {
    const cells: string[] = [];
    let rows = 0;
    const times = engines.map(() => ({ direct: [] as number[], e2e: [] as number[] }));
    const parses: number[] = [];
    const statements = engines.map((e) => sqlOf(path, query, e.compiler));
    for (let i = 0; i < repeat + 2; i++) {
      for (const [k, engine] of engines.entries()) {
        const t0 = performance.now();
        await engine.direct(statements[k]!.sql, statements[k]!.parameters);
        const direct = performance.now() - t0;
        const { ms, parseMs, body } = await get(`${engine.base}/${path}?${encodeURI(query)}`);
        rows = body.value.length;
        if (i >= 2) {
          times[k]!.direct.push(direct);
          times[k]!.e2e.push(ms);
          parses.push(parseMs);
        }
      }
    }
    for (const t of times) cells.push(median(t.direct).toFixed(1), median(t.e2e).toFixed(1), (median(t.e2e) / median(t.direct)).toFixed(2));
    lines.push(`| ${name} | ${rows} | ${cells.join(' | ')} | ${median(parses).toFixed(1)} |`);
  }

  lines.push('');
  for (const engine of engines) {
    const first = `${engine.base}/ResourceUtilizationSummary`;
    let next: string | undefined = first;
    let pages = 0;
    let rows = 0;
    let page1000: string | undefined;
    const start = performance.now();
    while (next && pages < walkPages) {
      const { body } = await get(next);
      rows += body.value.length;
      pages++;
      next = body['@odata.nextLink'];
      if (pages === 999) page1000 = next;
    }
    const seconds = (performance.now() - start) / 1000;
    lines.push(`${engine.name}: walk of ResourceUtilizationSummary ${rows} rows in ${pages} pages, ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s`);
    if (page1000) {
      const t1: number[] = [];
      const t1000: number[] = [];
      for (let i = 0; i < repeat + 2; i++) {
        const a = await get(first);
        const b = await get(page1000);
        if (i >= 2) {
          t1.push(a.ms);
          t1000.push(b.ms);
        }
      }
      lines.push(`${engine.name}: page 1 ${median(t1).toFixed(1)} ms, page 1,000 ${median(t1000).toFixed(1)} ms, ratio ${(median(t1000) / median(t1)).toFixed(2)}`);
    }
  }
  await pgDirect.end();
  duckDirect.closeSync();
  console.log(lines.join('\n'));
} finally {
  for (const child of servers) child.kill('SIGTERM');
  postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
