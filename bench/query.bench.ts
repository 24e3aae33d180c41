// Query benchmark on a large generated fleet, all figures from one run:
//  - each seed request end to end (HTTP on loopback, JSON parsed) vs the same SQL run directly on DuckDB,
//    with two clients: fetch (what a script would use) and node:http (lighter, closer to the server's share)
//  - page 1 vs page 1,000 of a next-link walk
//  - a full next-link walk of ResourceUtilizationSummary in rows/s
//  - the server's peak RSS
// Usage: npx tsx bench/query.bench.ts [--db data/bench.duckdb] [--machines 2000] [--days 90] [--repeat 15]
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_CUSTOMER_ID } from '../src/generate/defaults.js';
import { monitorModel } from '../src/model/model.js';
import { bindQuery } from '../src/odata/bind/query-binder.js';
import { parseQueryString, parseResourcePath } from '../src/odata/parse/index.js';
import { DuckDbQueryCompiler } from '../src/sql/duckdb-query-compiler.js';
import { lowerQuery } from '../src/sql/lower-query.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'data/bench-2000x90.duckdb' },
    machines: { type: 'string', default: '2000' },
    days: { type: 'string', default: '90' },
    end: { type: 'string', default: '2025-05-12' },
    repeat: { type: 'string', default: '15' },
    port: { type: 'string', default: '18431' },
  },
});
const repeat = Number(args.repeat);
const base = `http://127.0.0.1:${args.port}/monitorodata`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function run(cmd: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, cmd, { stdio: 'inherit', env });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd.join(' ')} exited ${code}`))));
  });
}

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/monitor-odata.js', 'serve', '--db', args.db!, '--port', args.port!, '--auth', 'none', '--read-only'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('serving')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return child;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

type Client = 'fetch' | 'http';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** GET with node:http on a kept-alive connection, the body read as bytes and decoded once. */
function httpGet(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

async function getText(url: string, client: Client): Promise<{ status: number; text: string }> {
  if (client === 'http') return httpGet(url);
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

async function timeGet(url: string, client: Client = 'fetch'): Promise<{ ms: number; body: any }> {
  const start = performance.now();
  const { status, text } = await getText(url, client);
  const body = JSON.parse(text);
  const ms = performance.now() - start;
  if (status !== 200) throw new Error(`${url}: ${status} ${text.slice(0, 300)}`);
  return { ms, body };
}

/** A full next-link walk: rows, pages, seconds, and the link of page 1,000. */
async function walk(first: string, client: Client, parse: boolean): Promise<{ rows: number; pages: number; seconds: number; page1000: string | undefined }> {
  let next: string | undefined = first;
  let pages = 0;
  let rows = 0;
  let page1000: string | undefined;
  const start = performance.now();
  while (next) {
    const { text } = await getText(next, client);
    if (parse) {
      const body: any = JSON.parse(text);
      rows += body.value.length;
      next = body['@odata.nextLink'];
    } else {
      // Text only: the next link is the last member of the page.
      const at = text.lastIndexOf('"@odata.nextLink":"');
      next = at < 0 ? undefined : text.slice(at + 19, text.indexOf('"', at + 19));
      rows += 1000;
    }
    pages++;
    if (pages === 999) page1000 = next;
  }
  return { rows, pages, seconds: (performance.now() - start) / 1000, page1000 };
}

/** The statement the server runs for a request's first page, to run directly for comparison. */
function sqlOf(path: string, query: string) {
  const bound = bindQuery({ model: monitorModel, path: parseResourcePath(path), options: parseQueryString(query), now: BigInt(Date.now()) * 1000n });
  const plan = lowerQuery({ model: monitorModel, customerId: DEFAULT_CUSTOMER_ID, query: bound, paging: { pageSize: 1000, skiptoken: undefined }, compiler: () => new DuckDbQueryCompiler() });
  // Aggregated results: the first page computes the whole result once (later pages read the cache);
  // other collections read ahead several pages in one statement.
  return plan.block?.query ?? plan.query;
}

async function main() {
  if (!existsSync(args.db!)) {
    mkdirSync(dirname(args.db!), { recursive: true });
    console.log(`generating ${args.machines} machines x ${args.days} days into ${args.db} ...`);
    await run(['bin/monitor-odata.js', 'generate', '--db', args.db!, '--machines', args.machines!, '--days', args.days!, '--seed', '1', '--end', args.end!]);
  }
  const endDay = new Date(`${args.end}T00:00:00Z`);
  const day = (offset: number) => new Date(endDay.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
  const hour = `${day(3)}T08:00:00Z`;
  const seeds: [string, string, string][] = [
    ['hourly usage of powered-on machines (seed 1)', 'ResourceUtilizationSummary', `$filter=Granularity eq 60 and SummaryDate eq ${hour} and UptimeInMinutes gt 0&$expand=Machine($select=Name,AgentVersion),DesktopGroup($select=Name)`],
    ['daily usage of powered-on machines (seed 2)', 'ResourceUtilizationSummary', `$filter=Granularity eq 1440 and SummaryDate eq ${day(3)}T00:00:00Z and UptimeInMinutes gt 0`],
    ['connection failures of a day (Citrix example)', 'ConnectionFailureLogs', `$filter=(FailureDate ge ${day(3)}T00:00:00Z and FailureDate le ${day(2)}T00:00:00Z)`],
    ['first 10 machines by name (Citrix example)', 'Machines', '$orderby=Name&$top=10'],
    // The three $apply requests of Citrix's "machine resource utilization" page, verbatim.
    ['$apply: utilization aggregates by delivery group (seed 3)', 'ResourceUtilizationSummary', '$apply=filter(Granularity eq 60 and SummaryDate ge 2025-05-03 and UptimeInMinutes gt 0 and AvgTotalMemory gt 0 and AvgUsedMemory gt 0 and PeakUsedMemory gt 0)/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, 100 mul PeakUsedMemory div AvgTotalMemory as PeakPercentMemory)/expand(DesktopGroup,filter(Name ne null))/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, AvgPercentMemory with average as AvgPercentMemory, PeakPercentMemory with max as PeakPercentMemory))'],
    ['$apply: daily average uptime by delivery group (seed 4)', 'ResourceUtilizationSummary', '$apply=filter(Granularity eq 1440 and SummaryDate ge 2025-05-01 and SummaryDate le 2025-05-10)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/groupby((DesktopGroupId, DesktopGroup/Name), aggregate(cast(UptimeInMinutes, Edm.Int32) with average as AvgUptimeInMinutes))'],
    ['$apply: unused machines (seed 5)', 'ResourceUtilizationSummary', '$apply=filter(Granularity eq 60 and SummaryDate ge 2025-05-05 and UptimeInMinutes gt 0)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/compute(cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64 )/groupby((DesktopGroup/Name,MachineId,Machine/Name),aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))/filter(TotalSessionCountSum eq 0)&$count=true'],
  ];

  // The server opens the file read-only, so this process can run the same SQL on it at the same
  // time: each repetition runs the statement directly, then the request through each client, and
  // the shared machine's noise falls on both sides of each ratio alike.
  const server = await startServer();
  const instance = await DuckDBInstance.create(args.db!, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const runDirect = async (sql: string, parameters: readonly unknown[]): Promise<number> => {
    const start = performance.now();
    (await connection.runAndReadAll(sql, parameters as never)).getRows();
    return performance.now() - start;
  };

  try {
    const lines: string[] = [];
    lines.push(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
    lines.push(`data: ${args.machines} machines x ${args.days} days (${args.db}); medians of ${repeat} runs after 2 warm-ups, direct SQL and each client taking turns`);
    lines.push('');
    lines.push('| request | rows | same SQL direct (ms) | end to end, fetch (ms) | ratio | end to end, node:http (ms) | ratio |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, path, query] of seeds) {
      const url = `${base}/${path}?${query}`;
      const { sql, parameters } = sqlOf(path, query);
      const times: Record<Client | 'direct', number[]> = { direct: [], fetch: [], http: [] };
      let rows = 0;
      for (let i = 0; i < repeat + 2; i++) {
        const ms = await runDirect(sql, parameters);
        if (i >= 2) times.direct.push(ms);
        for (const client of ['fetch', 'http'] as const) {
          const { ms, body } = await timeGet(url, client);
          rows = body.value.length;
          if (i >= 2) times[client].push(ms);
        }
      }
      const d = median(times.direct);
      const viaFetch = median(times.fetch);
      const viaHttp = median(times.http);
      lines.push(`| ${name} | ${rows} | ${d.toFixed(1)} | ${viaFetch.toFixed(1)} | ${(viaFetch / d).toFixed(2)} | ${viaHttp.toFixed(1)} | ${(viaHttp / d).toFixed(2)} |`);
    }

    // Full walks with three clients; the link of page 1,000 is kept for the deep-page timing.
    const first = `${base}/ResourceUtilizationSummary`;
    lines.push('');
    let page1000: string | undefined;
    for (const [client, parse, label] of [
      ['fetch', true, 'fetch + JSON.parse'],
      ['http', true, 'node:http + JSON.parse'],
      ['http', false, 'node:http, page read as text (next link cut from its end)'],
    ] as const) {
      const w = await walk(first, client, parse);
      page1000 ??= w.page1000;
      lines.push(`full next-link walk of ResourceUtilizationSummary, ${label}: ${w.rows} rows in ${w.pages} pages, ${w.seconds.toFixed(1)} s = ${Math.round(w.rows / w.seconds)} rows/s`);
    }

    if (page1000) {
      const t1: number[] = [];
      const t1000: number[] = [];
      for (let i = 0; i < repeat + 2; i++) {
        const a = await timeGet(first);
        const b = await timeGet(page1000);
        if (i >= 2) {
          t1.push(a.ms);
          t1000.push(b.ms);
        }
      }
      lines.push(`page 1: ${median(t1).toFixed(1)} ms, page 1,000: ${median(t1000).toFixed(1)} ms, ratio ${(median(t1000) / median(t1)).toFixed(2)}`);
    }
    // A walk over an aggregated result of more than 1,000 groups versus its first page alone.
    const grouped = `${base}/ResourceUtilizationSummary?$apply=groupby((MachineId,Granularity),aggregate(AvgPercentCpu with average as A, PeakPercentCpu with max as P))`;
    const firstTimes: number[] = [];
    const walkTimes: number[] = [];
    let groups = 0;
    let groupPages = 0;
    for (let i = 0; i < 7; i++) {
      // A first page always computes the aggregation afresh (only next links read the result cache).
      firstTimes.push((await timeGet(grouped)).ms);
      const start = performance.now();
      let link: string | undefined = grouped;
      groups = 0;
      groupPages = 0;
      while (link) {
        const body: any = await (await fetch(link)).json();
        groups += body.value.length;
        groupPages++;
        link = body['@odata.nextLink'];
      }
      walkTimes.push(performance.now() - start);
    }
    lines.push(`aggregated walk (${groups} groups, ${groupPages} pages): ${median(walkTimes).toFixed(0)} ms vs its first page alone ${median(firstTimes).toFixed(0)} ms, ratio ${(median(walkTimes) / median(firstTimes)).toFixed(2)} (medians of 7)`);
    lines.push(`server peak RSS: ${peakRssMiB(server.pid!).toFixed(0)} MiB`);
    console.log(lines.join('\n'));
  } finally {
    connection.closeSync();
    instance.closeSync();
    server.kill('SIGTERM');
  }
}

await main();
