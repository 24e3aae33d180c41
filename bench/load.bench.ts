// Load figures (issue 8): `monitor-odata serve` as a child process on 127.0.0.1, autocannon in this
// process, one generated fleet. In one run:
//  - a realistic mix (service document, $metadata, the seed requests, first pages and next-link
//    follow-ups of walks) at rising concurrency, each level bounded in time: requests/s, p50/p99,
//    statuses, errors and timeouts, the server's peak RSS; latency by request kind;
//  - the same mix at 16 connections against a server with the default `--concurrency 1` (429s);
//  - responsiveness: the service document's latency while K heavy aggregations run in a loop;
//  - memory while large results stream: concurrent next-link walks, `$top=100000`, and the first
//    page of an aggregation with millions of groups.
// RSS is the server's VmRSS read from /proc every 200 ms (peak of the phase) and VmHWM.
// Usage: npx tsx bench/load.bench.ts [--machines 500] [--days 30] [--duration 15] [--concurrency 1,4,16,64]
//        [--db FILE (reuse a generated fleet)] [--big-groups-clients 2]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import { startServe, type ServeProcess } from '../test/support/serve-process.js';

const { values: args } = parseArgs({
  options: {
    machines: { type: 'string', default: '500' },
    days: { type: 'string', default: '30' },
    end: { type: 'string', default: '2025-05-12' },
    duration: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '1,4,16,64' },
    db: { type: 'string' },
    'big-groups-clients': { type: 'string', default: '2' },
  },
});
const duration = Number(args.duration);
const levels = args.concurrency!.split(',').map(Number);
const SERVICE_DOCUMENT_GOAL_MS = 100;
const ROOT = '/monitorodata';

// ---------------------------------------------------------------------------------------------
// Figures of numbers and of the server process

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : x.toFixed(0)) : '-');
const mib = (kib: number) => (kib / 1024).toFixed(0);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** VmRSS and VmHWM of a process, in KiB. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** User + system CPU time in clock ticks (100 a second) of a process, or of one of its threads. */
function cpuTicks(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Nanoseconds a thread has been runnable but waiting for a CPU (the second field of schedstat). */
function runQueueWaitNs(pid: number, thread: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[1]);
}

/** Busy CPU time of the whole machine (every core), in clock ticks. */
function machineTicks(): number {
  const [, ...times] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait.
  return times.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
}

/** CPU time of this process (the load generator), in clock ticks. */
const clientTicks = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 10_000;
};

interface PhaseFigures {
  /** Highest RSS sampled during the phase, KiB. */
  readonly peakRss: number;
  /** CPU used by the whole server and by its main (JavaScript) thread, in % of one core. */
  readonly cpu: number;
  readonly mainThreadCpu: number;
  /** CPU used by this process (autocannon and the bench's clients) and by everything else on the machine, % of one core. */
  readonly clientCpu: number;
  readonly otherCpu: number;
  /** Milliseconds the server's main thread was ready to run but waited for a CPU (the machine's share, not the server's own work). */
  readonly mainThreadWaitMs: number;
}

/** Samples the server's RSS every 200 ms; `begin()` starts a phase, `end()` gives its peak RSS and CPU use. */
class ServerWatch {
  private highest = 0;
  private started = { at: 0, ticks: 0, mainTicks: 0, client: 0, machine: 0, wait: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 200);
  }

  private sample(): number {
    const { rss } = memoryOf(this.pid);
    this.highest = Math.max(this.highest, rss);
    return rss;
  }

  begin(): number {
    this.highest = 0;
    this.started = { at: performance.now(), ticks: cpuTicks(this.pid), mainTicks: cpuTicks(this.pid, this.pid), client: clientTicks(), machine: machineTicks(), wait: runQueueWaitNs(this.pid, this.pid) };
    return this.sample();
  }

  end(): PhaseFigures {
    this.sample();
    const seconds = (performance.now() - this.started.at) / 1000;
    const percent = (ticks: number) => ticks / seconds;
    const server = cpuTicks(this.pid) - this.started.ticks;
    const client = clientTicks() - this.started.client;
    return {
      peakRss: this.highest,
      cpu: percent(server),
      mainThreadCpu: percent(cpuTicks(this.pid, this.pid) - this.started.mainTicks),
      clientCpu: percent(client),
      otherCpu: percent(Math.max(0, machineTicks() - this.started.machine - server - client)),
      mainThreadWaitMs: (runQueueWaitNs(this.pid, this.pid) - this.started.wait) / 1e6,
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Waits until the server is idle (under 10% of a core for half a second), so phases do not overlap; at most 30 s. */
async function settle(pid: number): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 500) {
    const before = cpuTicks(pid);
    await sleep(500);
    if (cpuTicks(pid) - before <= 5) return;
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Answer {
  readonly status: number;
  readonly ms: number;
  readonly text: string;
}

/** One GET on a kept-alive connection of `agent`, the body read as text. */
async function get(url: string, agent: http.Agent): Promise<Answer> {
  const started = performance.now();
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, { agent }, resolve).on('error', reject));
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk;
  return { status: response.statusCode ?? 0, ms: performance.now() - started, text };
}

const NEXT_LINK = '"@odata.nextLink":"';

/** The next link of a page, read from its end (where the writer puts it) without parsing the page. */
function nextLinkOf(text: string): string | undefined {
  const at = text.lastIndexOf(NEXT_LINK);
  return at < 0 ? undefined : text.slice(at + NEXT_LINK.length, text.indexOf('"', at + NEXT_LINK.length));
}

/** A path below the server with its query encoded as a client sends it. */
const resource = (path: string, query = '') => `${ROOT}/${path}${query ? `?${encodeURI(query)}` : ''}`;

// The requests of bench/engines.bench.ts (Citrix's examples and the $apply seeds); the two heaviest
// take their filter, so the responsiveness phase can run them over the whole range.
function utilizationByGroup(filter: string): string {
  return `$apply=filter(${filter} and UptimeInMinutes gt 0 and AvgTotalMemory gt 0 and AvgUsedMemory gt 0 and PeakUsedMemory gt 0)/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, 100 mul PeakUsedMemory div AvgTotalMemory as PeakPercentMemory)/expand(DesktopGroup,filter(Name ne null))/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, AvgPercentMemory with average as AvgPercentMemory, PeakPercentMemory with max as PeakPercentMemory))`;
}
function unusedMachines(filter: string): string {
  return `$apply=filter(${filter} and UptimeInMinutes gt 0)/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/compute(cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64 )/groupby((DesktopGroup/Name,MachineId,Machine/Name),aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))/filter(TotalSessionCountSum eq 0)&$count=true`;
}

const endDay = new Date(`${args.end}T00:00:00Z`);
const day = (offset: number) => new Date(endDay.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
const seeds: Record<string, string> = {
  'seed 1: hourly usage with $expand': resource('ResourceUtilizationSummary', `$filter=Granularity eq 60 and SummaryDate eq ${day(3)}T08:00:00Z and UptimeInMinutes gt 0&$expand=Machine($select=Name,AgentVersion),DesktopGroup($select=Name)`),
  'seed 2: daily usage': resource('ResourceUtilizationSummary', `$filter=Granularity eq 1440 and SummaryDate eq ${day(3)}T00:00:00Z and UptimeInMinutes gt 0`),
  'connection failures of a day': resource('ConnectionFailureLogs', `$filter=(FailureDate ge ${day(3)}T00:00:00Z and FailureDate le ${day(2)}T00:00:00Z)`),
  'first 10 machines by name': resource('Machines', '$orderby=Name&$top=10'),
  'seed 3: $apply utilization by group': resource('ResourceUtilizationSummary', utilizationByGroup(`Granularity eq 60 and SummaryDate ge ${day(9)}`)),
  'seed 4: $apply daily uptime by group': resource('ResourceUtilizationSummary', `$apply=filter(Granularity eq 1440 and SummaryDate ge ${day(11)} and SummaryDate le ${day(2)})/expand(Machine,expand(DesktopGroup,filter(Name ne null)))/groupby((DesktopGroupId, DesktopGroup/Name), aggregate(cast(UptimeInMinutes, Edm.Int32) with average as AvgUptimeInMinutes))`),
  'seed 5: $apply unused machines': resource('ResourceUtilizationSummary', unusedMachines(`Granularity eq 60 and SummaryDate ge ${day(7)}`)),
};
const heavy = {
  'unused machines, whole range': resource('ResourceUtilizationSummary', unusedMachines('Granularity eq 60')),
  'utilization by group, whole range': resource('ResourceUtilizationSummary', utilizationByGroup('Granularity eq 60')),
};

// ---------------------------------------------------------------------------------------------
// The mix: each connection runs this sequence over and over, each round from a random place in it
// (so connections are not in step). Every request records its latency by kind (sent in
// setupRequest, answered in onResponse: one request in flight per connection); a walk's follow-up
// takes the next link of the page before, or is the walk's first page when there is none.

interface MixContext {
  /** Where in the sequence this round started (autocannon gives a fresh context each round). */
  offset?: number;
  sent?: number;
  kind?: string;
  next?: string;
}

const FIRST_PAGE = 'walk: first page';

type Latencies = Map<string, number[]>;

interface MixEntry {
  readonly kind: string;
  readonly path: string;
  /** Follow the next link of the walk's previous page (its first page when there is none). */
  readonly follows?: boolean;
}

function mixEntries(): MixEntry[] {
  const summaries = resource('ResourceUtilizationSummary');
  const sessions = resource('Sessions', '$count=true');
  const first = FIRST_PAGE;
  const next = 'walk: next link';
  return [
    { kind: 'service document', path: `${ROOT}/` },
    { kind: 'seed 1: hourly usage with $expand', path: seeds['seed 1: hourly usage with $expand']! },
    { kind: first, path: summaries },
    { kind: '$metadata', path: `${ROOT}/$metadata` },
    { kind: 'seed 2: daily usage', path: seeds['seed 2: daily usage']! },
    { kind: next, path: summaries, follows: true },
    { kind: 'connection failures of a day', path: seeds['connection failures of a day']! },
    { kind: 'service document', path: `${ROOT}/` },
    { kind: 'first 10 machines by name', path: seeds['first 10 machines by name']! },
    { kind: next, path: summaries, follows: true },
    { kind: 'seed 3: $apply utilization by group', path: seeds['seed 3: $apply utilization by group']! },
    { kind: 'seed 4: $apply daily uptime by group', path: seeds['seed 4: $apply daily uptime by group']! },
    { kind: next, path: summaries, follows: true },
    { kind: first, path: sessions },
    { kind: next, path: sessions, follows: true },
    { kind: 'seed 5: $apply unused machines', path: seeds['seed 5: $apply unused machines']! },
  ];
}

function mixRequests(entries: readonly MixEntry[], origin: string, latencies: Latencies): autocannon.Request[] {
  const entryAt = (slot: number, c: MixContext) => entries[(slot + (c.offset ?? 0)) % entries.length]!;
  return entries.map((_, slot) => ({
    method: 'GET',
    setupRequest: (request, context) => {
      const c = context as MixContext;
      c.offset ??= Math.floor(Math.random() * entries.length);
      const entry = entryAt(slot, c);
      const follows = entry.follows === true && c.next !== undefined;
      c.kind = entry.follows && !follows ? FIRST_PAGE : entry.kind;
      c.sent = performance.now();
      return { ...request, path: follows ? c.next : entry.path };
    },
    onResponse: (status, body, context) => {
      const c = context as MixContext;
      if (c.sent !== undefined && c.kind !== undefined && status === 200) {
        let list = latencies.get(c.kind);
        if (!list) latencies.set(c.kind, (list = []));
        list.push(performance.now() - c.sent);
      }
      if (!c.kind?.startsWith('walk')) return;
      const link = status === 200 ? nextLinkOf(body) : undefined;
      c.next = link?.startsWith(origin) ? link.slice(origin.length) : undefined;
    },
  }));
}

interface LevelFigures {
  readonly connections: number;
  readonly result: autocannon.Result;
  readonly latencies: Latencies;
  readonly server: PhaseFigures;
}

async function runMix(server: ServeProcess, connections: number, watch: ServerWatch): Promise<LevelFigures> {
  const latencies: Latencies = new Map();
  watch.begin();
  const result = await autocannon({ url: server.url, connections, duration, timeout: 60, requests: mixRequests(mixEntries(), server.url, latencies) });
  return { connections, result, latencies, server: watch.end() };
}

const countsText = (counts: Iterable<[number | string, number]>) => [...counts].map(([status, n]) => `${status}: ${n}`).join(', ') || '-';

function statusCounts(result: autocannon.Result): string {
  return countsText(Object.entries(result.statusCodeStats ?? {}).map(([status, s]) => [status, s.count ?? 0]));
}

const cpuText = (f: PhaseFigures) => `${f.cpu.toFixed(0)}% (${f.mainThreadCpu.toFixed(0)}%) / ${f.clientCpu.toFixed(0)}% / ${f.otherCpu.toFixed(0)}%`;

// ---------------------------------------------------------------------------------------------
// Responsiveness: the service document, one request at a time (20 ms apart), while `k` clients
// run heavy aggregations back to back.

interface Responsiveness {
  readonly serviceDocument: number[];
  readonly aggregations: number[];
  readonly aggregationStatuses: Map<number, number>;
  readonly server: PhaseFigures;
}

async function responsiveness(server: ServeProcess, k: number, samples: number, watch: ServerWatch): Promise<Responsiveness> {
  const heavyUrls = Object.values(heavy).map((path) => `${server.url}${path}`);
  let running = true;
  const aggregations: number[] = [];
  const aggregationStatuses = new Map<number, number>();
  const loops = Array.from({ length: k }, async (_, client) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let n = client; running; n++) {
      const answer = await get(heavyUrls[n % heavyUrls.length]!, agent);
      aggregations.push(answer.ms);
      aggregationStatuses.set(answer.status, (aggregationStatuses.get(answer.status) ?? 0) + 1);
    }
    agent.destroy();
  });
  // Let the aggregations start before measuring.
  if (k > 0) await sleep(500);
  watch.begin();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const serviceDocument: number[] = [];
  for (let i = 0; i < samples; i++) {
    const answer = await get(`${server.url}${ROOT}/`, agent);
    if (answer.status !== 200) throw new Error(`service document: ${answer.status}`);
    serviceDocument.push(answer.ms);
    await sleep(20);
  }
  agent.destroy();
  const figures = watch.end();
  running = false;
  await Promise.all(loops);
  return { serviceDocument, aggregations, aggregationStatuses, server: figures };
}

// ---------------------------------------------------------------------------------------------
// Streaming memory

interface WalkFigures {
  pages: number;
  rowsOnFirstPage: number;
  largestPage: number;
  statuses: Map<number, number>;
  /** Walks that reached their last page (no next link). */
  finished: number;
}

/** `clients` next-link walks of `path` at once, each until its end or `seconds` have passed. */
async function concurrentWalks(url: string, path: string, clients: number, seconds: number): Promise<WalkFigures> {
  const figures: WalkFigures = { pages: 0, rowsOnFirstPage: 0, largestPage: 0, statuses: new Map(), finished: 0 };
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let link: string | undefined = `${url}${path}`;
      let first = true;
      while (link && performance.now() < deadline) {
        const answer = await get(link, agent);
        figures.statuses.set(answer.status, (figures.statuses.get(answer.status) ?? 0) + 1);
        if (answer.status !== 200) break;
        figures.pages++;
        figures.largestPage = Math.max(figures.largestPage, Buffer.byteLength(answer.text));
        if (first) figures.rowsOnFirstPage = (JSON.parse(answer.text) as { value: unknown[] }).value.length;
        first = false;
        link = nextLinkOf(answer.text);
      }
      if (!link) figures.finished++;
      agent.destroy();
    }),
  );
  return figures;
}

// ---------------------------------------------------------------------------------------------

const execFileAsync = promisify(execFile);

/**
 * `serve` with its default request log (a JSON line per request on stdout). startServe keeps what
 * it reads from stdout and searches all of it on every chunk; once the server is up its stdout is
 * read and dropped instead, so the bench's process does not slow down as the log grows.
 */
async function serveWithLog(args: string[]): Promise<ServeProcess> {
  const server = await startServe(args);
  server.child.stdout!.removeAllListeners('data');
  server.child.stdout!.resume();
  return server;
}

async function main(): Promise<void> {
  const out: string[] = [];
  const say = (line = '') => {
    out.push(line);
    console.error(line);
  };
  const startedAt = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-load-'));
  const db = args.db ?? join(dir, 'fleet.duckdb');
  const servers: ServeProcess[] = [];
  try {
    say(`run: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; load average at start ${loadAverage()}`);
    say(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; autocannon in this process, the server a child process on the same cores`);
    let generated = `reused ${db}`;
    if (!args.db) {
      const t0 = performance.now();
      const { stdout } = await execFileAsync(process.execPath, ['bin/monitor-odata.js', 'generate', '--db', db, '--machines', args.machines!, '--days', args.days!, '--seed', '1', '--end', args.end!, '--progress', 'none'], { maxBuffer: 1 << 20 });
      const rowsOf = (set: string) => new RegExp(`\\b${set}\\s+([\\d,]+)`).exec(stdout)?.[1] ?? '?';
      generated = `generated in ${((performance.now() - t0) / 1000).toFixed(0)} s; ResourceUtilization ${rowsOf('ResourceUtilization')} rows, ResourceUtilizationSummary ${rowsOf('ResourceUtilizationSummary')}, Sessions ${rowsOf('Sessions')}`;
    }
    say(`data: ${args.machines} machines x ${args.days} days, seed 1, end ${args.end} (${(statSync(db).size / 2 ** 20).toFixed(0)} MiB DuckDB file; ${generated})`);

    const server = await serveWithLog(['--db', db, '--port', '0', '--auth', 'none', '--concurrency', '1000', '--read-only']);
    servers.push(server);
    const pid = server.child.pid!;
    const watch = new ServerWatch(pid);
    // Warm-up: each request of the mix once, so the first level does not pay for cold caches.
    const warm = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const entry of mixEntries()) await get(`${server.url}${entry.path}`, warm);
    warm.destroy();
    await settle(pid);
    say(`server: \`serve --auth none --concurrency 1000 --read-only\` (DuckDB memory limit 512MB, request log at its default level, info, on a pipe this process reads), RSS after a warm-up ${mib(memoryOf(pid).rss)} MiB`);
    say(`CPU columns, in % of one core (${cpus().length * 100}% = every core busy): the server process (its main JavaScript thread) / this process (autocannon and the bench's own clients) / everything else on the machine.`);

    // 1. The mix at rising concurrency.
    const figures: LevelFigures[] = [];
    for (const connections of levels) {
      await settle(pid);
      const level = await runMix(server, connections, watch);
      figures.push(level);
      console.error(`  ${connections} connections: ${(level.result.requests.total / level.result.duration).toFixed(0)} req/s, p99 ${level.result.latency.p99} ms (load average ${loadAverage()})`);
    }
    say();
    say(`### Mixed load, ${duration} s per level`);
    say();
    say('| connections | requests/s | p50 (ms) | p99 (ms) | max (ms) | responses by status | errors | timeouts | MB/s | CPU: server (main) / client / other | server peak RSS (MiB) |');
    say('|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|');
    for (const { connections, result, server: f } of figures) {
      const rps = result.requests.total / result.duration;
      say(`| ${connections} | ${rps.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${statusCounts(result)} | ${result.errors} | ${result.timeouts} | ${(result.throughput.average / 1e6).toFixed(1)} | ${cpuText(f)} | ${mib(f.peakRss)} |`);
    }
    say();
    say(`Server VmHWM after the levels: ${mib(memoryOf(pid).hwm)} MiB; load average ${loadAverage()}. Latency by request kind (200s only), p50 / p99 in ms:`);
    say();
    say(`| request | ${figures.map((f) => `${f.connections} conn.`).join(' | ')} |`);
    say(`|---|${figures.map(() => '---:').join('|')}|`);
    for (const kind of new Set(mixEntries().map((e) => e.kind))) {
      const cells = figures.map((f) => {
        const xs = f.latencies.get(kind) ?? [];
        return xs.length === 0 ? '-' : `${ms(percentile(xs, 50))} / ${ms(percentile(xs, 99))} (${xs.length})`;
      });
      say(`| ${kind} | ${cells.join(' | ')} |`);
    }

    // 2. The default limit of one query per customer: the same mix at 16 connections.
    {
      const limited = await serveWithLog(['--db', db, '--port', '0', '--auth', 'none', '--read-only']);
      servers.push(limited);
      const limitedWatch = new ServerWatch(limited.child.pid!);
      const { result, server: f } = await runMix(limited, 16, limitedWatch);
      limitedWatch.stop();
      limited.child.kill('SIGTERM');
      say();
      say(`### Default \`--concurrency 1\` (one query per customer in flight), 16 connections, ${duration} s`);
      say();
      say(`${(result.requests.total / result.duration).toFixed(0)} responses/s: ${statusCounts(result)} (${((100 * result['2xx']) / Math.max(1, result.requests.total)).toFixed(1)}% 2xx; the service document and \`$metadata\` are not counted against the limit); p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; errors ${result.errors}, timeouts ${result.timeouts}; CPU: server (main) / client / other ${cpuText(f)}, peak RSS ${mib(f.peakRss)} MiB.`);
    }

    // 3. Responsiveness.
    say();
    say(`### Service document while heavy aggregations run (200 sequential requests, 20 ms apart; goal: within ${SERVICE_DOCUMENT_GOAL_MS} ms)`);
    say();
    say(`Each aggregation client alternates: ${Object.keys(heavy).join('; ')} (\`Granularity eq 60\`, no date bound), back to back.`);
    say();
    say('"Main thread waited" is the time the server\'s JavaScript thread was ready to run but had no CPU (from /proc schedstat), summed over the phase.');
    say();
    say('| aggregations in flight | service document p50 / p99 / max (ms) | over 100 ms | aggregations answered (statuses) | aggregation p50 / max (ms) | CPU: server (main) / client / other | main thread waited (ms) | server peak RSS (MiB) | goal |');
    say('|---:|---|---:|---|---|---:|---:|---:|---|');
    for (const k of [0, 2, 8]) {
      await settle(pid);
      const r = await responsiveness(server, k, 200, watch);
      const over = r.serviceDocument.filter((t) => t > SERVICE_DOCUMENT_GOAL_MS).length;
      const goal = over === 0 ? 'met' : percentile(r.serviceDocument, 99) <= SERVICE_DOCUMENT_GOAL_MS ? 'p99 met, not every request' : 'not met';
      say(`| ${k} | ${ms(percentile(r.serviceDocument, 50))} / ${ms(percentile(r.serviceDocument, 99))} / ${ms(Math.max(...r.serviceDocument))} | ${over} of 200 | ${r.aggregations.length} (${countsText(r.aggregationStatuses)}) | ${ms(percentile(r.aggregations, 50))} / ${ms(r.aggregations.length ? Math.max(...r.aggregations) : NaN)} | ${cpuText(r.server)} | ${r.server.mainThreadWaitMs.toFixed(0)} | ${mib(r.server.peakRss)} | ${goal} |`);
    }

    // 4. Streaming memory.
    await settle(pid);
    const before = memoryOf(pid).rss;
    say();
    say(`### Memory while large results stream (server RSS before: ${mib(before)} MiB)`);
    say();
    say('| what | clients | pages answered (statuses) | rows on a first page | largest page | walks finished | CPU: server (main) / client / other | server peak RSS (MiB) | over the RSS before |');
    say('|---|---:|---|---:|---:|---:|---:|---:|---:|');
    const growth = (f: PhaseFigures) => `${mib(f.peakRss)} | ${f.peakRss >= before ? '+' : '-'}${mib(Math.abs(f.peakRss - before))} MiB (${(f.peakRss / before).toFixed(2)}x)`;
    const streamRow = (what: string, clients: number, w: WalkFigures, f: PhaseFigures) =>
      say(`| ${what} | ${clients} | ${w.pages} (${countsText(w.statuses)}) | ${w.rowsOnFirstPage} | ${(w.largestPage / 1024).toFixed(0)} KiB | ${w.finished} of ${clients} | ${cpuText(f)} | ${growth(f)} |`);
    watch.begin();
    const walks = await concurrentWalks(server.url, resource('ResourceUtilization'), 4, duration * 2);
    streamRow(`next-link walks of ResourceUtilization (${duration * 2} s)`, 4, walks, watch.end());
    await settle(pid);
    watch.begin();
    const topped = await concurrentWalks(server.url, resource('ResourceUtilization', '$top=100000'), 4, 120);
    streamRow('`ResourceUtilization?$top=100000`, followed to the end', 4, topped, watch.end());

    // An aggregation with a group per sample: its first page on several clients at once, the
    // service document sampled meanwhile.
    await settle(pid);
    const bigClients = Number(args['big-groups-clients']);
    const groups = `${server.url}${resource('ResourceUtilization', '$apply=groupby((MachineId,CollectedDate),aggregate(PercentCpu with average as A))')}`;
    watch.begin();
    let answered = 0;
    const bigAnswers = Promise.all(
      Array.from({ length: bigClients }, async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const answer = await get(groups, agent);
        agent.destroy();
        answered++;
        return answer;
      }),
    );
    const sampled: number[] = [];
    const sampler = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (answered < bigClients) {
      sampled.push((await get(`${server.url}${ROOT}/`, sampler)).ms);
      await sleep(50);
    }
    sampler.destroy();
    const big = await bigAnswers;
    const bigFigures = watch.end();
    const firstBig = big.find((a) => a.status === 200);
    const bigRows = firstBig ? (JSON.parse(firstBig.text) as { value: unknown[] }).value.length : 0;
    say(`| first page of \`ResourceUtilization?$apply=groupby((MachineId,CollectedDate),aggregate(...))\` (one group per sample) | ${bigClients} | ${big.map((a) => `${a.status} in ${ms(a.ms)} ms`).join(', ')} | ${bigRows} | ${firstBig ? `${(Buffer.byteLength(firstBig.text) / 1024).toFixed(0)} KiB` : '-'} | - | ${cpuText(bigFigures)} | ${growth(bigFigures)} |`);
    await settle(pid);
    say();
    say(`While that aggregation ran, the service document took p50 ${ms(percentile(sampled, 50))} ms, p99 ${ms(percentile(sampled, 99))} ms, max ${ms(Math.max(...sampled))} ms (${sampled.length} requests, 50 ms apart); the server's main thread waited ${bigFigures.mainThreadWaitMs.toFixed(0)} ms for a CPU in all. Server RSS once idle again ${mib(memoryOf(pid).rss)} MiB, VmHWM ${mib(memoryOf(pid).hwm)} MiB.`);
    watch.stop();
    say();
    say(`Load average at the end ${loadAverage()}; ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s in all.`);
    console.log(out.join('\n'));
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
