// Summary tables (re)computed in SQL from the raw tables of one customer, for a time range. Used
// by the generator after loading a fleet and meant for ingest to call after loading new raw data.
// Written once for DuckDB and PostgreSQL: the few constructs the engines spell differently (ASOF
// JOIN, DuckDB's functions, its hash) come from rollup-dialect.ts, whose PostgreSQL spellings
// compute exactly what DuckDB's do, so both engines write the same rows from the same raw data.
//
// Rules shared by every summary (monitor-schema.md §4.5):
// - Granularity 60 (hour) and 1440 (day); SummaryDate is the interval start (UTC).
// - Only complete intervals get rows: an interval [start, start + g) is summarised only when its
//   end is at or before the end of the raw data (`dataEnd`) and of the range (`to`).
// - Daily values come from raw data (or from exact hourly sums, counts and maxima), never from
//   rounded hourly averages.
// - CreatedDate = ModifiedDate = interval end + 13 minutes (+ up to a minute): when the
//   consolidation job would have written the row.
// - A session "is active" in an interval when it was launched (FailureId IS NULL) and
//   StartDate < interval end and coalesce(EndDate, dataEnd) > interval start.
// - Doubles are summed as DECIMAL, so averages do not depend on the order parallel threads add
//   rows in: the same raw data always gives bit-identical summaries.
// - Int64 Ids continue the customer's sequence (max(Id) + 1, ...) in (SummaryDate, Granularity,
//   key) order, which is also the order rows are inserted in.
//
// Per set:
// - ResourceUtilizationSummary: one row per machine existing in the interval (CreatedDate before
//   its end) per interval, also while it is off. From the 5-minute ResourceUtilization samples:
//   Avg/Peak PercentCpu, Avg/Peak UsedMemory, AvgTotalMemory (0 when there is no sample),
//   AvgIcaRttInMs (average of the samples that have one, else NULL), UptimeInMinutes = 5 per
//   sample, UpTimeWithoutSessionInMinutes = 5 per sample with SessionCount 0,
//   DisconnectTimeInMinutes = 5 per sample with sessions but no round-trip time (no connected
//   session), IdleTimeInMinutes = the two together (on, but nobody connected); all capped at g.
//   From Sessions: TotalSessionCount = active sessions, AvgLogOnDurationInMs = average
//   LogOnDuration of sessions started in the interval.
// - SessionActivitySummaries (every delivery group, every interval): peak concurrent sessions,
//   peak connected and peak disconnected sessions (exact, from session and connection start/end
//   events), TotalLogOnDuration/TotalLogOnCount of sessions started in the interval.
// - LogOnSummaries (per group, intervals with logons): sums and counts of the logon phases of
//   the connections whose LogOnStartDate is in the interval.
// - FailureLogSummaries (per group, category and code, intervals with failures): connection
//   failures counted (FailureCategory 1, code = ConnectionFailureEnumValue), machine failures as
//   the number of machines in that fault state during the interval (category 2, code = FaultState).
// - LoadIndexSummaries (per machine, intervals with readings): count and sums of LoadIndexes.
// - MachineSummaries (every group, every interval): machines, machines powered on (any sample)
//   and registered (same: samples only exist while registered), machines in maintenance mode.
// - DesktopOSDesktopSummaries (single-session groups) and ServerOSDesktopSummaries (machines of
//   multi-session groups), intervals with sessions: peak concurrent sessions, usage in seconds,
//   launches, sessions already running at the interval start.
// - MachineMetricSummary (daily, machines with readings): average and peak IOPS, average latency.
import { CUSTOMER_COLUMN, monitorModel, tableOf, type Model } from '../model/model.js';
import { insertSelectSql, type InsertSelectSpec } from './entity-insert.js';
import { rollupDialect, type RollupDialect, type RollupEngine } from './rollup-dialect.js';
import type { Store } from './store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Minutes represented by one ResourceUtilization sample. */
const SAMPLE_MINUTES = 5;

export interface RollupRange {
  readonly customerId: string;
  /** Start of the range to (re)summarise; intervals start at this instant rounded down to the hour (day). */
  readonly from: Date | number;
  /** Exclusive end of the range. */
  readonly to: Date | number;
  /** Exclusive end of the raw data; intervals ending after it are incomplete and get no row. Default: `to`. */
  readonly dataEnd?: Date | number;
}

/** Interval boundaries in epoch milliseconds. */
export interface RollupBounds {
  readonly hourFrom: number;
  readonly hourTo: number;
  readonly dayFrom: number;
  readonly dayTo: number;
  readonly to: number;
  readonly dataEnd: number;
}

export function rollupBounds(range: RollupRange): RollupBounds {
  const ms = (v: Date | number) => (v instanceof Date ? v.getTime() : v);
  const from = ms(range.from);
  const to = ms(range.to);
  const dataEnd = range.dataEnd === undefined ? to : ms(range.dataEnd);
  const limit = Math.min(to, dataEnd);
  const hourFrom = Math.floor(from / HOUR_MS) * HOUR_MS;
  const dayFrom = Math.floor(from / DAY_MS) * DAY_MS;
  return {
    hourFrom,
    hourTo: Math.max(hourFrom, Math.floor(limit / HOUR_MS) * HOUR_MS),
    dayFrom,
    dayTo: Math.max(dayFrom, Math.floor(limit / DAY_MS) * DAY_MS),
    to,
    dataEnd,
  };
}

function ts(ms: number): string {
  return `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
}

function q(name: string): string {
  return `"${name}"`;
}

/** INSERT ... SELECT of one summary set, for the customer bound as `$1`. */
function insertSummary(model: Model, d: RollupDialect, spec: Omit<InsertSelectSpec, 'customer'>): string {
  return insertSelectSql(model, { ...spec, customer: '$1' }, d.sql);
}

/** Temporary tables the statements create; the last step drops them. */
const WORKING_TABLES = ['_r_iv', '_r_hour', '_r_machine', '_r_dg', '_r_hp', '_r_ip', '_r_sess', '_r_sov', '_r_conn', '_r_run', '_r_hpeak', '_r_peak', '_r_logon', '_r_li'];

/**
 * Doubles are summed as DECIMAL (d.exactSum): an exact sum does not depend on the order in which
 * parallel threads add rows up, so the same data always gives bit-identical averages (values are
 * rounded to 6 decimals first, far below the precision of any metric here).
 */
const RESOURCE_PARTIALS: readonly (readonly [name: string, aggregate: (d: RollupDialect) => string])[] = [
  ['n', () => 'count(*)'],
  ['s_cpu', (d) => d.exactSum('"PercentCpu"')],
  ['n_cpu', () => 'count("PercentCpu")'],
  ['p_cpu', () => 'max("PercentCpu")'],
  ['s_mem', (d) => d.exactSum('"UsedMemory"')],
  ['n_mem', () => 'count("UsedMemory")'],
  ['p_mem', () => 'max("UsedMemory")'],
  ['s_tot', (d) => d.exactSum('"TotalMemory"')],
  ['n_tot', () => 'count("TotalMemory")'],
  ['n_nosess', () => 'count(*) FILTER (WHERE "SessionCount" = 0)'],
  ['n_disc', () => 'count(*) FILTER (WHERE "SessionCount" > 0 AND "AvgIcaRttInMs" IS NULL)'],
  ['s_rtt', () => 'sum("AvgIcaRttInMs")'],
  ['n_rtt', () => 'count("AvgIcaRttInMs")'],
];

/** The summary sets this module writes, with whether they carry a Granularity column. */
const SUMMARY_TYPES = [
  ['Citrix.Monitor.Model.ResourceUtilizationSummary', true],
  ['Citrix.Monitor.Model.SessionActivitySummary', true],
  ['Citrix.Monitor.Model.LogOnSummary', true],
  ['Citrix.Monitor.Model.FailureLogSummary', true],
  ['Citrix.Monitor.Model.LoadIndexSummary', true],
  ['Citrix.Monitor.Model.MachineSummary', true],
  ['Citrix.Monitor.Model.DesktopOSDesktopSummary', true],
  ['Citrix.Monitor.Model.ServerOSDesktopSummary', true],
  ['Citrix.Monitor.Model.MachineMetricDaySummary', false],
] as const;

/** Tables written by recomputeRollups(). */
export function rollupTables(model: Model = monitorModel): readonly string[] {
  return SUMMARY_TYPES.map(([t]) => tableOf(model, t));
}

function deleteStatements(model: Model, b: RollupBounds): string[] {
  return SUMMARY_TYPES.map(([type, granular]) => {
    const table = q(tableOf(model, type));
    const base = `DELETE FROM ${table} WHERE ${q(CUSTOMER_COLUMN)} = $1 AND "SummaryDate" < ${ts(b.to)}`;
    return granular
      ? `${base} AND (("Granularity" = 60 AND "SummaryDate" >= ${ts(b.hourFrom)}) OR ("Granularity" = 1440 AND "SummaryDate" >= ${ts(b.dayFrom)}))`
      : `${base} AND "SummaryDate" >= ${ts(b.dayFrom)}`;
  });
}

/** Working tables shared by several summaries. */
function workingTables(b: RollupBounds, d: RollupDialect): string[] {
  const scanFrom = ts(b.dayFrom);
  const scanTo = ts(b.hourTo);
  const dataEnd = ts(b.dataEnd);
  return [
    // Intervals to write, with the instant their row is stamped with.
    d.createTemp(
      '_r_iv',
      `SELECT g, sd, sd + ${d.minutes('g')} AS ed,
  sd + ${d.minutes('g + 13')} + ${d.stampJitter(d.epochMs('sd'), 'g')} AS stamp
FROM (SELECT 60 AS g, ${d.series(ts(b.hourFrom), ts(b.hourTo), 'hour')} AS sd
      UNION ALL SELECT 1440, ${d.series(ts(b.dayFrom), ts(b.dayTo), 'day')}) iv`,
    ),
    // Every hour the raw data is read for (daily rows need the whole first day).
    d.createTemp('_r_hour', `SELECT ${d.series(scanFrom, scanTo, 'hour')} AS h`),
    d.createTemp(
      '_r_machine',
      `SELECT "Id" AS mid, "DesktopGroupId" AS dg, "CreatedDate" AS created, coalesce("IsInMaintenanceMode", false) AS maint,
  row_number() OVER (ORDER BY "Id") AS mrank
FROM "Machines" WHERE ${q(CUSTOMER_COLUMN)} = $1`,
    ),
    d.createTemp(
      '_r_dg',
      `SELECT "Id" AS dg, "SessionSupport" AS support, row_number() OVER (ORDER BY "Id") AS grank
FROM "DesktopGroups" WHERE ${q(CUSTOMER_COLUMN)} = $1`,
    ),
    // Hourly partial aggregates of the raw samples: exact sums, counts and maxima.
    d.createTemp(
      '_r_hp',
      `SELECT mid, ${d.hourOfKey('hk')} AS h, ${RESOURCE_PARTIALS.map(([name]) => name).join(', ')} FROM (
SELECT "MachineId" AS mid, ${d.hourKey('"CollectedDate"')} AS hk,
  ${RESOURCE_PARTIALS.map(([name, aggregate]) => `${aggregate(d)} AS ${name}`).join(',\n  ')}
FROM "ResourceUtilization"
WHERE ${q(CUSTOMER_COLUMN)} = $1 AND "CollectedDate" >= ${scanFrom} AND "CollectedDate" < ${scanTo}
GROUP BY mid, hk) hp`,
    ),
    // The same per interval to write.
    d.createTemp(
      '_r_ip',
      `SELECT p.mid, 60 AS g, p.h AS sd, n, s_cpu, n_cpu, p_cpu, s_mem, n_mem, p_mem, s_tot, n_tot, n_nosess, n_disc, s_rtt, n_rtt
FROM _r_hp p WHERE p.h >= ${ts(b.hourFrom)}
UNION ALL
SELECT mid, 1440, date_trunc('day', h), sum(n), sum(s_cpu), sum(n_cpu), max(p_cpu), sum(s_mem), sum(n_mem), max(p_mem),
  sum(s_tot), sum(n_tot), sum(n_nosess), sum(n_disc), sum(s_rtt), sum(n_rtt)
FROM _r_hp WHERE h < ${ts(b.dayTo)} GROUP BY mid, date_trunc('day', h)`,
    ),
    // Launched sessions overlapping the scanned range (multi: on a multi-session group's machine).
    d.createTemp(
      '_r_sess',
      `SELECT s."SessionKey" AS skey, s."MachineId" AS mid, m.dg, s."StartDate" AS st, coalesce(s."EndDate", ${dataEnd}) AS en,
  s."EndDate" IS NULL AS open, s."LogOnDuration" AS lod, coalesce(d.support = 2, false) AS multi
FROM "Sessions" s JOIN _r_machine m ON m.mid = s."MachineId" LEFT JOIN _r_dg d ON d.dg = m.dg
WHERE s.${q(CUSTOMER_COLUMN)} = $1 AND s."FailureId" IS NULL AND s."StartDate" IS NOT NULL
  AND s."StartDate" < ${scanTo} AND coalesce(s."EndDate", ${dataEnd}) > ${scanFrom}`,
    ),
    // Each session once per interval it overlaps.
    d.createTemp(
      '_r_sov',
      `SELECT x.*, x.sd + ${d.minutes('x.g')} AS ed,
  ${d.epochMs(`least(x.en, x.sd + ${d.minutes('x.g')})`)} - ${d.epochMs('greatest(x.st, x.sd)')} AS overlap_ms,
  x.st >= x.sd AS started, x.st < x.sd AS running_at_start
FROM (
  SELECT skey, mid, dg, st, en, lod, 60 AS g,
    ${d.series(`greatest(date_trunc('hour', st), ${ts(b.hourFrom)})`, `least(en, ${ts(b.hourTo)})`, 'hour')} AS sd
  FROM _r_sess
  UNION ALL
  SELECT skey, mid, dg, st, en, lod, 1440,
    ${d.series(`greatest(date_trunc('day', st), ${ts(b.dayFrom)})`, `least(en, ${ts(b.dayTo)})`, 'day')}
  FROM _r_sess) x`,
    ),
    // Session (tot) and connected-session (con) counts as step functions, per group and per
    // multi-session machine (the only machines with a per-machine usage summary); d_ are the steps.
    d.createTemp(
      '_r_run',
      `SELECT lvl, key, evt, d_tot, d_con,
  sum(d_tot) OVER w AS tot, sum(d_con) OVER w AS con
FROM (
  SELECT lvl, key, evt, sum(d_tot) AS d_tot, sum(d_con) AS d_con FROM (
    SELECT 'g' AS lvl, s.dg AS key, s.st AS evt, 1 AS d_tot, 0 AS d_con FROM _r_sess s WHERE s.dg IS NOT NULL
    UNION ALL SELECT 'g', s.dg, s.en, -1, 0 FROM _r_sess s WHERE s.dg IS NOT NULL AND NOT s.open
    UNION ALL SELECT 'm', s.mid, s.st, 1, 0 FROM _r_sess s WHERE s.multi
    UNION ALL SELECT 'm', s.mid, s.en, -1, 0 FROM _r_sess s WHERE s.multi AND NOT s.open
    UNION ALL SELECT lvl, key, c."EstablishmentDate", 0, 1 FROM _r_conn c
    UNION ALL SELECT lvl, key, c."DisconnectDate", 0, -1 FROM _r_conn c WHERE c."DisconnectDate" IS NOT NULL
  ) step GROUP BY lvl, key, evt) steps
WINDOW w AS (PARTITION BY lvl, key ORDER BY evt ROWS UNBOUNDED PRECEDING)`,
    ),
    // Hourly peaks: the larger of the value carried into the hour and every value reached in it.
    d.createTemp(
      '_r_hpeak',
      `WITH keys AS (SELECT DISTINCT lvl, key FROM _r_run),
grid AS (SELECT k.lvl, k.key, h.h FROM keys k, _r_hour h),
carried AS (${carriedIntoHours(d, scanFrom, scanTo)}),
reached AS (
  SELECT lvl, key, date_trunc('hour', evt) AS h, max(tot) AS tot, max(con) AS con, max(tot - con) AS dis
  FROM _r_run WHERE evt >= ${scanFrom} AND evt < ${scanTo} GROUP BY lvl, key, date_trunc('hour', evt))
SELECT c.lvl, c.key, c.h,
  greatest(coalesce(c.tot, 0), coalesce(r.tot, 0)) AS peak_tot,
  greatest(coalesce(c.con, 0), coalesce(r.con, 0)) AS peak_con,
  greatest(coalesce(c.tot, 0) - coalesce(c.con, 0), coalesce(r.dis, 0)) AS peak_dis
FROM carried c LEFT JOIN reached r USING (lvl, key, h)`,
    ),
    d.createTemp(
      '_r_peak',
      `SELECT lvl, key, 60 AS g, h AS sd, peak_tot, peak_con, peak_dis FROM _r_hpeak WHERE h >= ${ts(b.hourFrom)}
UNION ALL
SELECT lvl, key, 1440, date_trunc('day', h), max(peak_tot), max(peak_con), max(peak_dis)
FROM _r_hpeak WHERE h < ${ts(b.dayTo)} GROUP BY lvl, key, date_trunc('day', h)`,
    ),
  ];
}

/**
 * The session counts (tot, con) in force just before each hour of the grid: the running totals of
 * the last event before the hour, i.e. the sum of every step before it (NULL or 0 when none).
 */
function carriedIntoHours(d: RollupDialect, scanFrom: string, scanTo: string): string {
  if (d.asofJoin) {
    return `
  SELECT grid.lvl, grid.key, grid.h, r.tot, r.con FROM grid
  ASOF LEFT JOIN _r_run r ON grid.lvl = r.lvl AND grid.key = r.key AND grid.h > r.evt`;
  }
  // A step at evt counts from the first hour boundary after it (steps before the scan count from
  // its first hour): a hash join and one running sum per key, linear in grid and steps.
  return `
  SELECT grid.lvl, grid.key, grid.h, sum(coalesce(s.d_tot, 0)) OVER w AS tot, sum(coalesce(s.d_con, 0)) OVER w AS con
  FROM grid LEFT JOIN (
    SELECT lvl, key, greatest(date_trunc('hour', evt) + ${d.minutes('60')}, ${scanFrom}) AS h, sum(d_tot) AS d_tot, sum(d_con) AS d_con
    FROM _r_run WHERE evt < ${scanTo} GROUP BY lvl, key, h
  ) s ON s.lvl = grid.lvl AND s.key = grid.key AND s.h = grid.h
  WINDOW w AS (PARTITION BY grid.lvl, grid.key ORDER BY grid.h ROWS UNBOUNDED PRECEDING)`;
}

/** Connections of the sessions in _r_sess, keyed like the session events (created before _r_run). */
function connectionsTable(d: RollupDialect): string {
  const base = `FROM "Connections" c JOIN _r_sess s ON s.skey = c."SessionKey"
WHERE c.${q(CUSTOMER_COLUMN)} = $1 AND c."EstablishmentDate" IS NOT NULL`;
  return d.createTemp(
    '_r_conn',
    `SELECT 'g' AS lvl, s.dg AS key, c."EstablishmentDate", c."DisconnectDate" ${base} AND s.dg IS NOT NULL
UNION ALL
SELECT 'm', s.mid, c."EstablishmentDate", c."DisconnectDate" ${base} AND s.multi`,
  );
}

/** `coalesce(max(Id), 0)` of a table for the customer: new rows continue the sequence. */
function nextIdBase(model: Model, type: string): string {
  return `(SELECT coalesce(max("Id"), 0) FROM ${q(tableOf(model, type))} WHERE ${q(CUSTOMER_COLUMN)} = $1)`;
}

function resourceUtilizationSummary(model: Model, d: RollupDialect): string {
  const cap = (minutes: string) => `least(${minutes}, i.g)::SMALLINT`;
  return insertSummary(model, d, {
    entityType: 'Citrix.Monitor.Model.ResourceUtilizationSummary',
    values: {
      MachineId: 'm.mid',
      Granularity: 'i.g::SMALLINT',
      SummaryDate: 'i.sd',
      DesktopGroupId: 'm.dg',
      AvgPercentCpu: `coalesce(p.s_cpu::${d.double} / nullif(p.n_cpu, 0), 0)`,
      PeakPercentCpu: 'coalesce(p.p_cpu, 0)',
      AvgUsedMemory: `coalesce(p.s_mem::${d.double} / nullif(p.n_mem, 0), 0)`,
      PeakUsedMemory: 'coalesce(p.p_mem, 0)',
      AvgTotalMemory: `coalesce(p.s_tot::${d.double} / nullif(p.n_tot, 0), 0)`,
      TotalSessionCount: 'least(coalesce(so.sessions, 0), 32767)::SMALLINT',
      AvgIcaRttInMs: `${d.roundedMean('p.s_rtt', 'p.n_rtt')}::SMALLINT`,
      AvgLogOnDurationInMs: 'round(so.avg_lod)::INTEGER',
      UptimeInMinutes: cap(`coalesce(p.n, 0) * ${SAMPLE_MINUTES}`),
      UpTimeWithoutSessionInMinutes: cap(`coalesce(p.n_nosess, 0) * ${SAMPLE_MINUTES}`),
      DisconnectTimeInMinutes: cap(`coalesce(p.n_disc, 0) * ${SAMPLE_MINUTES}`),
      IdleTimeInMinutes: cap(`(coalesce(p.n_nosess, 0) + coalesce(p.n_disc, 0)) * ${SAMPLE_MINUTES}`),
      CreatedDate: 'i.stamp',
      ModifiedDate: 'i.stamp',
    },
    from: `FROM _r_machine m JOIN _r_iv i ON m.created IS NULL OR m.created < i.ed
LEFT JOIN _r_ip p ON p.mid = m.mid AND p.g = i.g AND p.sd = i.sd
LEFT JOIN (
  SELECT mid, g, sd, count(*) AS sessions, avg(lod) FILTER (WHERE started AND lod IS NOT NULL) AS avg_lod
  FROM _r_sov GROUP BY mid, g, sd) so ON so.mid = m.mid AND so.g = i.g AND so.sd = i.sd`,
    // mrank follows MachineId order: this is the set's order (SummaryDate, MachineId, Granularity).
    orderBySql: 'i.sd, m.mrank, i.g',
  });
}

function sessionActivitySummaries(model: Model, d: RollupDialect): string {
  const type = 'Citrix.Monitor.Model.SessionActivitySummary';
  return insertSummary(model, d, {
    entityType: type,
    values: {
      Id: `${nextIdBase(model, type)} + row_number() OVER (ORDER BY i.sd, i.g, d.grank)`,
      SummaryDate: 'i.sd',
      DesktopGroupId: 'd.dg',
      ConnectedSessionCount: 'coalesce(pk.peak_con, 0)::INTEGER',
      DisconnectedSessionCount: 'coalesce(pk.peak_dis, 0)::INTEGER',
      ConcurrentSessionCount: 'coalesce(pk.peak_tot, 0)::INTEGER',
      TotalLogOnDuration: `coalesce(lo.total, 0)::${d.double}`,
      TotalLogOnCount: 'coalesce(lo.logons, 0)::INTEGER',
      Granularity: 'i.g',
      CreatedDate: 'i.stamp',
      ModifiedDate: 'i.stamp',
    },
    from: `FROM _r_dg d CROSS JOIN _r_iv i
LEFT JOIN _r_peak pk ON pk.lvl = 'g' AND pk.key = d.dg AND pk.g = i.g AND pk.sd = i.sd
LEFT JOIN (
  SELECT dg, g, sd, sum(lod) AS total, count(lod) AS logons FROM _r_sov WHERE started GROUP BY dg, g, sd
) lo ON lo.dg = d.dg AND lo.g = i.g AND lo.sd = i.sd`,
  });
}

function logOnSummaries(model: Model, b: RollupBounds, d: RollupDialect): string[] {
  const type = 'Citrix.Monitor.Model.LogOnSummary';
  const ms = (end: string, start: string) => `(${d.epochMs(`c.${q(end)}`)} - ${d.epochMs(`c.${q(start)}`)})`;
  const phases: readonly (readonly [string, string, string])[] = [
    ['Brokering', 'c."BrokeringDuration"', 'c."BrokeringDuration"'],
    ['VMStart', ms('VMStartEndDate', 'VMStartStartDate'), 'c."VMStartStartDate"'],
    ['VMPowerOn', ms('VMPoweredOnDate', 'VMStartStartDate'), 'c."VMPoweredOnDate"'],
    ['VMRegistration', ms('VMStartEndDate', 'VMPoweredOnDate'), 'c."VMStartEndDate"'],
    ['Hdx', ms('HdxEndDate', 'HdxStartDate'), 'c."HdxStartDate"'],
    ['Authentication', 'c."AuthenticationDuration"', 'c."AuthenticationDuration"'],
    ['Gpo', ms('GpoEndDate', 'GpoStartDate'), 'c."GpoStartDate"'],
    ['LogOnScripts', ms('LogOnScriptsEndDate', 'LogOnScriptsStartDate'), 'c."LogOnScriptsStartDate"'],
    ['Interactive', ms('InteractiveEndDate', 'InteractiveStartDate'), 'c."InteractiveStartDate"'],
    ['ProfileLoad', ms('ProfileLoadEndDate', 'ProfileLoadStartDate'), 'c."ProfileLoadStartDate"'],
  ];
  const partial = d.createTemp(
    '_r_logon',
    `SELECT m.dg, date_trunc('hour', c."LogOnStartDate") AS h,
  sum(s."LogOnDuration") AS total_d, count(*) AS total_n,
  ${phases.map(([n, duration, present]) => `sum(${duration}) AS ${n}_d, count(${present}) AS ${n}_n`).join(',\n  ')}
FROM "Connections" c
JOIN "Sessions" s ON s.${q(CUSTOMER_COLUMN)} = $1 AND s."SessionKey" = c."SessionKey"
JOIN _r_machine m ON m.mid = s."MachineId"
WHERE c.${q(CUSTOMER_COLUMN)} = $1 AND c."LogOnStartDate" >= ${ts(b.dayFrom)} AND c."LogOnStartDate" < ${ts(b.hourTo)}
GROUP BY m.dg, h`,
  );
  const cols = ['total', ...phases.map(([n]) => n)];
  const perInterval = `(
  SELECT dg, 60 AS g, h AS sd, ${cols.map((c) => `${c}_d, ${c}_n`).join(', ')} FROM _r_logon WHERE h >= ${ts(b.hourFrom)}
  UNION ALL
  SELECT dg, 1440, date_trunc('day', h), ${cols.map((c) => `sum(${c}_d), sum(${c}_n)`).join(', ')}
  FROM _r_logon WHERE h < ${ts(b.dayTo)} GROUP BY dg, date_trunc('day', h))`;
  const values: Record<string, string> = {
    Id: `${nextIdBase(model, type)} + row_number() OVER (ORDER BY i.sd, i.g, d.grank)`,
    SummaryDate: 'i.sd',
    DesktopGroupId: 'l.dg',
    TotalDuration: 'l.total_d::BIGINT',
    TotalCount: 'l.total_n::INTEGER',
    Granularity: 'i.g',
    CreatedDate: 'i.stamp',
    ModifiedDate: 'i.stamp',
  };
  for (const [n] of phases) {
    if (n !== 'VMPowerOn' && n !== 'VMRegistration') values[`${n}Count`] = `l.${n}_n::INTEGER`;
    values[`${n}Duration`] = `coalesce(l.${n}_d, 0)::BIGINT`;
  }
  return [
    partial,
    insertSummary(model, d, {
      entityType: type,
      values,
      from: `FROM ${perInterval} l JOIN _r_iv i ON i.g = l.g AND i.sd = l.sd LEFT JOIN _r_dg d ON d.dg = l.dg`,
    }),
  ];
}

function failureLogSummaries(model: Model, b: RollupBounds, d: RollupDialect): string {
  const type = 'Citrix.Monitor.Model.FailureLogSummary';
  const dataEnd = ts(b.dataEnd);
  return insertSummary(model, d, {
    entityType: type,
    values: {
      Id: `${nextIdBase(model, type)} + row_number() OVER (ORDER BY i.sd, i.g, d.grank NULLS FIRST, f.category, f.code)`,
      SummaryDate: 'i.sd',
      DesktopGroupId: 'f.dg',
      FailureCategory: 'f.category',
      FailureCode: 'f.code',
      FailureCount: 'f.failures::INTEGER',
      Granularity: 'i.g',
      CreatedDate: 'i.stamp',
      ModifiedDate: 'i.stamp',
    },
    from: `FROM (
  SELECT dg, g, sd, 1 AS category, code, sum(failures) AS failures FROM (
    SELECT m.dg, 60 AS g, date_trunc('hour', f."FailureDate") AS sd, coalesce(f."ConnectionFailureEnumValue", 0) AS code, count(*) AS failures
    FROM "ConnectionFailureLogs" f LEFT JOIN _r_machine m ON m.mid = f."MachineId"
    WHERE f.${q(CUSTOMER_COLUMN)} = $1 AND f."FailureDate" >= ${ts(b.dayFrom)} AND f."FailureDate" < ${ts(b.hourTo)}
    GROUP BY m.dg, sd, code) h
  WHERE sd >= ${ts(b.hourFrom)} GROUP BY dg, g, sd, code
  UNION ALL
  SELECT m.dg, 1440, date_trunc('day', f."FailureDate"), 1, coalesce(f."ConnectionFailureEnumValue", 0), count(*)
  FROM "ConnectionFailureLogs" f LEFT JOIN _r_machine m ON m.mid = f."MachineId"
  WHERE f.${q(CUSTOMER_COLUMN)} = $1 AND f."FailureDate" >= ${ts(b.dayFrom)} AND f."FailureDate" < ${ts(b.dayTo)}
  GROUP BY 1, 2, 3, 4, 5
  UNION ALL
  SELECT dg, g, sd, 2, fault, count(DISTINCT mid) FROM (
    SELECT m.dg, f."MachineId" AS mid, f."FaultState" AS fault, 60 AS g,
      ${d.series(`greatest(date_trunc('hour', f."FailureStartDate"), ${ts(b.hourFrom)})`, `least(coalesce(f."FailureEndDate", ${dataEnd}), ${ts(b.hourTo)})`, 'hour')} AS sd
    FROM "MachineFailureLogs" f LEFT JOIN _r_machine m ON m.mid = f."MachineId"
    WHERE f.${q(CUSTOMER_COLUMN)} = $1
    UNION ALL
    SELECT m.dg, f."MachineId", f."FaultState", 1440,
      ${d.series(`greatest(date_trunc('day', f."FailureStartDate"), ${ts(b.dayFrom)})`, `least(coalesce(f."FailureEndDate", ${dataEnd}), ${ts(b.dayTo)})`, 'day')}
    FROM "MachineFailureLogs" f LEFT JOIN _r_machine m ON m.mid = f."MachineId"
    WHERE f.${q(CUSTOMER_COLUMN)} = $1) mf GROUP BY dg, g, sd, fault
) f JOIN _r_iv i ON i.g = f.g AND i.sd = f.sd LEFT JOIN _r_dg d ON d.dg = f.dg`,
  });
}

function loadIndexSummaries(model: Model, b: RollupBounds, d: RollupDialect): string {
  const type = 'Citrix.Monitor.Model.LoadIndexSummary';
  const sums = ['LoadIndex:EffectiveLoadIndex', 'Cpu:Cpu', 'Network:Network', 'Disk:Disk', 'Memory:Memory', 'SessionCount:SessionCount'].map((s) => s.split(':') as [string, string]);
  return insertSummary(model, d, {
    entityType: type,
    values: {
      Id: `${nextIdBase(model, type)} + row_number() OVER (ORDER BY i.sd, i.g, m.mrank)`,
      SummaryDate: 'i.sd',
      MachineId: 'x.mid',
      SumCount: 'x.n::INTEGER',
      ...Object.fromEntries(sums.map(([name]) => [`Sum${name}`, `coalesce(x.${name}, 0)::INTEGER`])),
      Granularity: 'i.g',
      CreatedDate: 'i.stamp',
      ModifiedDate: 'i.stamp',
    },
    from: `FROM (
  SELECT mid, 60 AS g, h AS sd, n, ${sums.map(([n]) => n).join(', ')} FROM _r_li WHERE h >= ${ts(b.hourFrom)}
  UNION ALL
  SELECT mid, 1440, date_trunc('day', h), sum(n), ${sums.map(([n]) => `sum(${n})`).join(', ')}
  FROM _r_li WHERE h < ${ts(b.dayTo)} GROUP BY mid, date_trunc('day', h)
) x JOIN _r_iv i ON i.g = x.g AND i.sd = x.sd LEFT JOIN _r_machine m ON m.mid = x.mid`,
  });
}

function loadIndexPartials(b: RollupBounds, d: RollupDialect): string {
  return d.createTemp(
    '_r_li',
    `SELECT "MachineId" AS mid, date_trunc('hour', "CreatedDate") AS h, count(*) AS n,
  sum("EffectiveLoadIndex") AS LoadIndex, sum("Cpu") AS Cpu, sum("Network") AS Network, sum("Disk") AS Disk,
  sum("Memory") AS Memory, sum("SessionCount") AS SessionCount
FROM "LoadIndexes"
WHERE ${q(CUSTOMER_COLUMN)} = $1 AND "CreatedDate" >= ${ts(b.dayFrom)} AND "CreatedDate" < ${ts(b.hourTo)}
GROUP BY mid, h`,
  );
}

function machineSummaries(model: Model, d: RollupDialect): string {
  const type = 'Citrix.Monitor.Model.MachineSummary';
  return insertSummary(model, d, {
    entityType: type,
    values: {
      Id: `${nextIdBase(model, type)} + row_number() OVER (ORDER BY x.sd, x.g, d.grank)`,
      SummaryDate: 'x.sd',
      DesktopGroupId: 'x.dg',
      PoweredOnMachinesCount: 'x.powered_on::INTEGER',
      RegisteredMachinesCount: 'x.powered_on::INTEGER',
      MachinesInMaintenanceModeCount: 'x.maintenance::INTEGER',
      MachinesCount: 'x.machines::INTEGER',
      Granularity: 'x.g',
      CreatedDate: 'x.stamp',
      ModifiedDate: 'x.stamp',
    },
    from: `FROM (
  SELECT m.dg, i.g, i.sd, i.stamp, count(*) AS machines, count(*) FILTER (WHERE p.n > 0) AS powered_on,
    count(*) FILTER (WHERE m.maint) AS maintenance
  FROM _r_machine m JOIN _r_iv i ON m.created IS NULL OR m.created < i.ed
  LEFT JOIN _r_ip p ON p.mid = m.mid AND p.g = i.g AND p.sd = i.sd
  WHERE m.dg IS NOT NULL GROUP BY m.dg, i.g, i.sd, i.stamp
) x JOIN _r_dg d ON d.dg = x.dg`,
  });
}

/** Shared body of the desktop-usage summaries: per group (DesktopOS) or per machine (ServerOS). */
function usageFrom(level: 'g' | 'm', support: number, d: RollupDialect): string {
  const key = level === 'g' ? 'dg' : 'mid';
  return `FROM (
  SELECT u.key, u.g, u.sd, u.usage_s, u.launches, u.running, coalesce(pk.peak_tot, 0) AS peak FROM (
    SELECT ${key} AS key, g, sd, sum(overlap_ms)::${d.double} / 1000 AS usage_s, count(*) FILTER (WHERE started) AS launches,
      count(*) FILTER (WHERE running_at_start) AS running
    FROM _r_sov WHERE ${key} IS NOT NULL GROUP BY ${key}, g, sd) u
  LEFT JOIN _r_peak pk ON pk.lvl = '${level}' AND pk.key = u.key AND pk.g = u.g AND pk.sd = u.sd
) x JOIN _r_iv i ON i.g = x.g AND i.sd = x.sd
${level === 'g' ? 'JOIN _r_dg d ON d.dg = x.key' : 'JOIN _r_machine m ON m.mid = x.key JOIN _r_dg d ON d.dg = m.dg'}
WHERE d.support = ${support}`;
}

function desktopOSDesktopSummaries(model: Model, d: RollupDialect): string {
  const type = 'Citrix.Monitor.Model.DesktopOSDesktopSummary';
  return insertSummary(model, d, {
    entityType: type,
    values: {
      Id: `${nextIdBase(model, type)} + row_number() OVER (ORDER BY i.sd, i.g, d.grank)`,
      SummaryDate: 'i.sd',
      DesktopGroupId: 'x.key',
      PeakConcurrentInstanceCount: 'x.peak::INTEGER',
      TotalUsageDuration: 'x.usage_s',
      TotalLaunchesCount: 'x.launches::INTEGER',
      StartingInstanceCount: 'x.running::INTEGER',
      Granularity: 'i.g',
      CreatedDate: 'i.stamp',
      ModifiedDate: 'i.stamp',
    },
    from: usageFrom('g', 1, d),
  });
}

function serverOSDesktopSummaries(model: Model, d: RollupDialect): string {
  const type = 'Citrix.Monitor.Model.ServerOSDesktopSummary';
  return insertSummary(model, d, {
    entityType: type,
    values: {
      Id: `${nextIdBase(model, type)} + row_number() OVER (ORDER BY i.sd, i.g, m.mrank)`,
      SummaryDate: 'i.sd',
      MachineId: 'x.key',
      DesktopGroupId: 'm.dg',
      PeakConcurrentInstanceCount: 'x.peak::INTEGER',
      TotalUsageDuration: 'x.usage_s',
      TotalLaunchesCount: 'x.launches::INTEGER',
      StartingInstanceCount: 'x.running::INTEGER',
      Granularity: 'i.g',
      CreatedDate: 'i.stamp',
      ModifiedDate: 'i.stamp',
    },
    from: usageFrom('m', 2, d),
  });
}

function machineMetricSummary(model: Model, b: RollupBounds, d: RollupDialect): string {
  return insertSummary(model, d, {
    entityType: 'Citrix.Monitor.Model.MachineMetricDaySummary',
    values: {
      MachineId: 'x.mid',
      SummaryDate: 'x.sd',
      AvgIops: 'x.avg_iops',
      PeakIops: 'x.peak_iops',
      AvgLatency: 'x.avg_latency',
    },
    // The mean of the integer IOPS is their exact sum over the count, divided once in double
    // precision: DuckDB's avg(BIGINT) divides in long double and may round twice.
    from: `FROM (
  SELECT "MachineId" AS mid, date_trunc('day', "CollectedDate") AS sd, sum("Iops")::${d.double} / count("Iops") AS avg_iops, max("Iops") AS peak_iops,
    ${d.exactSum('"Latency"')}::${d.double} / count("Latency") AS avg_latency
  FROM "MachineMetric"
  WHERE ${q(CUSTOMER_COLUMN)} = $1 AND "CollectedDate" >= ${ts(b.dayFrom)} AND "CollectedDate" < ${ts(b.dayTo)}
  GROUP BY mid, sd) x
JOIN _r_machine m ON m.mid = x.mid`,
    orderBySql: 'x.sd, m.mrank',
  });
}

export interface RollupStep {
  readonly label: string;
  readonly sql: string;
}

/**
 * The statements of one recomputation on an engine (default DuckDB), in order; statements that
 * contain `$1` take the customer id as `$1`. Building them checks every property name against the
 * model.
 */
export function rollupStatements(range: RollupRange, model: Model = monitorModel, engine: RollupEngine = 'duckdb'): readonly RollupStep[] {
  const d = rollupDialect(engine);
  const b = rollupBounds(range);
  const working = workingTables(b, d);
  const [iv, hour, machine, dg, hp, ip, sess, sov, run, hpeak, peak] = working;
  const steps: RollupStep[] = [
    ...deleteStatements(model, b).map((sql) => ({ label: 'clear', sql })),
    { label: 'intervals', sql: [...d.helpers, iv, hour, machine, dg].join(';\n') },
    { label: 'resource partials', sql: [hp, ip].join(';\n') },
    { label: 'session overlaps', sql: [sess, sov].join(';\n') },
    { label: 'concurrency', sql: [connectionsTable(d), run, hpeak, peak].join(';\n') },
    { label: 'ResourceUtilizationSummary', sql: resourceUtilizationSummary(model, d) },
    { label: 'SessionActivitySummaries', sql: sessionActivitySummaries(model, d) },
    ...logOnSummaries(model, b, d).map((sql) => ({ label: 'LogOnSummaries', sql })),
    { label: 'FailureLogSummaries', sql: failureLogSummaries(model, b, d) },
    { label: 'LoadIndexSummaries', sql: [loadIndexPartials(b, d), loadIndexSummaries(model, b, d)].join(';\n') },
    { label: 'MachineSummaries', sql: machineSummaries(model, d) },
    { label: 'DesktopOSDesktopSummaries', sql: desktopOSDesktopSummaries(model, d) },
    { label: 'ServerOSDesktopSummaries', sql: serverOSDesktopSummaries(model, d) },
    { label: 'MachineMetricSummary', sql: machineMetricSummary(model, b, d) },
    { label: 'cleanup', sql: [...WORKING_TABLES.map(d.dropTemp), ...d.dropHelpers].join(';\n') },
  ];
  return steps;
}

/**
 * Deletes and recomputes every summary row of one customer in a time range (see the rules at the
 * top of this file), in the store's engine's SQL. Runs on the store's execute() connection, inside
 * whatever transaction is open there; temporary tables it creates are dropped at the end.
 */
export async function recomputeRollups(
  store: Pick<Store, 'execute' | 'engine'>,
  range: RollupRange,
  options: { readonly model?: Model; readonly onStep?: (label: string, done: number, total: number) => void } = {},
): Promise<void> {
  const d = rollupDialect(store.engine);
  const steps = rollupStatements(range, options.model, store.engine);
  const reset = async () => {
    for (const sql of d.resetSettings) await store.execute(sql);
  };
  for (const sql of d.settings) await store.execute(sql);
  try {
    for (let n = 0; n < steps.length; n++) {
      // Prepared statements hold one statement each; only statements that use $1 get the parameter.
      for (const sql of splitStatements(steps[n].sql)) await store.execute(sql, sql.includes('$1') ? [range.customerId] : []);
      options.onStep?.(steps[n].label, n + 1, steps.length);
    }
  } catch (e) {
    // In a failed transaction the reset fails too; the first error is the one to report.
    await reset().catch(() => undefined);
    throw e;
  }
  await reset();
}

/** Splits on the `;\n` this module joins statements with (no statement contains that sequence). */
function splitStatements(sql: string): string[] {
  return sql.split(';\n').filter((s) => s.trim() !== '');
}
