// Raw time series, generated entirely inside DuckDB: ResourceUtilization every 5 minutes while a
// machine is powered on, and hourly LoadIndexes (multi-session machines) and MachineMetric rows
// derived from those samples. Values are hash-based functions of (seed, machine, tick), session
// counts come from the session step function (_g_steps), so everything agrees with Sessions.
import { monitorModel } from '../model/model.js';
import { insertSelectSql } from '../store/entity-insert.js';
import { DAY_MS, HOUR_MS, TICK_MS } from './plan.js';
import type { GenerationContext } from './sql-context.js';

/** Days per INSERT: big enough to amortise statement overhead, small enough to sort in memory. */
const BATCH_DAYS = 7;

function resourceUtilizationInsert(fromMs: number, toMs: number): string {
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.ResourceUtilization',
    customer: '$1',
    values: {
      MachineId: 'm.id',
      CollectedDate: '_g_ts(s.tick)',
      PercentCpu: `round(least(100.0, m.cpu_base + s.ns * m.cpu_per_session * (0.6 + 0.8 * s.r1) + 2.5 * s.r2
        + CASE WHEN s.r1 > 0.985 THEN 25 + 50 * s.r2 ELSE 0 END), 3)`,
      UsedMemory: 'round(m.mem * least(0.95, m.mem_base + s.ns * m.mem_per_session + 0.02 * s.r2))',
      TotalMemory: 'm.mem',
      SessionCount: 's.ns::SMALLINT',
      CreatedDate: '_g_ts(s.tick + 20000 + floor(s.r3 * 40000)::BIGINT)',
      ModifiedDate: '_g_ts(s.tick + 20000 + floor(s.r3 * 40000)::BIGINT)',
      DesktopGroupId: 'm.dgid',
      // Round-trip time exists only while a session is connected.
      AvgIcaRttInMs: 'CASE WHEN s.nc > 0 THEN (m.rtt_base + floor(s.r2 * 30) + CASE WHEN s.r1 > 0.97 THEN 80 ELSE 0 END)::SMALLINT END',
    },
    from: `FROM (
  SELECT t.midx, t.tick, coalesce(st.ns, 0) AS ns, coalesce(st.nc, 0) AS nc,
    _g_u(71, t.midx, t.tick) AS r1, _g_u(72, t.midx, t.tick) AS r2, _g_u(73, t.midx, t.tick) AS r3
  FROM (
    SELECT midx, unnest(range(greatest(on_ms, ${fromMs}), least(off_ms, ${toMs}), ${TICK_MS})) AS tick
    FROM _g_window WHERE on_ms < ${toMs} AND off_ms > ${fromMs}) t
  ASOF LEFT JOIN _g_steps st ON t.midx = st.midx AND t.tick >= st.b) s
JOIN _g_machine m USING (midx)`,
    // midx ranks machines in MachineId order, so this is ORDER BY CollectedDate, MachineId on integers.
    orderBySql: 's.tick, s.midx',
  });
}

/** Samples taken on the hour, for the hourly derived series. */
const ON_THE_HOUR = `FROM "ResourceUtilization" r JOIN _g_machine m ON m.id = r."MachineId"
WHERE r._customer_id = $1 AND epoch_ms(r."CollectedDate") % ${HOUR_MS} = 0`;

/** Load evaluator readings (0-10000 per component) of multi-session machines, hourly. */
function loadIndexesInsert(): string {
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.LoadIndex',
    customer: '$1',
    values: {
      Id: 'row_number() OVER (ORDER BY x.collected, x.midx)',
      EffectiveLoadIndex: 'greatest(x.cpu, x.memory, x.sessions)',
      Cpu: 'x.cpu',
      Memory: 'x.memory',
      Disk: 'floor(_g_u(80, x.midx, epoch_ms(x.collected)) * 1500)::INTEGER',
      Network: 'floor(_g_u(81, x.midx, epoch_ms(x.collected)) * 800)::INTEGER',
      SessionCount: 'x.sessions',
      MachineId: 'x.mid',
      CreatedDate: 'x.collected',
      ModifiedDate: 'x.collected',
    },
    from: `FROM (
  SELECT m.midx, r."MachineId" AS mid, r."CollectedDate" AS collected,
    round(r."PercentCpu" * 100)::INTEGER AS cpu,
    round(r."UsedMemory" / r."TotalMemory" * 10000)::INTEGER AS memory,
    least(10000, round(r."SessionCount" * 10000.0 / m.capacity))::INTEGER AS sessions
  ${ON_THE_HOUR} AND m.multi) x`,
  });
}

/** Disk IOPS and latency, hourly, for every machine while it is on. */
function machineMetricInsert(): string {
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.MachineMetric',
    customer: '$1',
    values: {
      MachineId: 'r."MachineId"',
      CollectedDate: 'r."CollectedDate"',
      Iops: 'round(15 + r."PercentCpu" * 3 + _g_u(82, m.midx, epoch_ms(r."CollectedDate")) * 40)::BIGINT',
      Latency: 'round(0.8 + _g_u(83, m.midx, epoch_ms(r."CollectedDate")) * 3.5 + r."PercentCpu" / 50, 2)',
    },
    from: ON_THE_HOUR,
    orderBySql: 'r."CollectedDate", m.midx',
  });
}

export interface SampleStatements {
  /** One INSERT per batch of days, with the number of days done after it. */
  readonly batches: readonly { readonly sql: string; readonly daysDone: number }[];
  /** The hourly series derived from the samples. */
  readonly derived: readonly string[];
}

/** Every statement of the time-series steps (each takes the customer id as `$1`), built up front. */
export function sampleStatements(ctx: GenerationContext): SampleStatements {
  const batches: { sql: string; daysDone: number }[] = [];
  for (let d = 0; d < ctx.days; d += BATCH_DAYS) {
    const from = ctx.startMs + d * DAY_MS;
    const to = Math.min(ctx.endMs, from + BATCH_DAYS * DAY_MS);
    batches.push({ sql: resourceUtilizationInsert(from, to), daysDone: Math.min(ctx.days, d + BATCH_DAYS) });
  }
  return { batches, derived: [loadIndexesInsert(), machineMetricInsert()] };
}
