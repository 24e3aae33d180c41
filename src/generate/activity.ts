// Sessions and everything that hangs off them, computed in SQL from the staged machines and power
// windows: Sessions, Connections, LogOnMetrics, ConnectionFailureLogs, plus MachineFailureLogs and
// the per-machine session step function the raw samples read their session counts from.
//
// Session shapes (column `kind` of _g_sess):
//   0 normal        connected from start to logoff
//   1 reconnect     disconnected mid-session, reconnected (a second Connection), logged off
//   2 timer         disconnected at the end of work, logged off by the disconnect timer later
//   3 failed        the launch failed: a ConnectionFailureLogs row, no Connection
//   4 open active   still connected at the end of the data (last day's evening sessions)
//   5 open disc.    disconnected and still open at the end of the data
// A session counts on its machine from StartDate to EndDate; it is connected during its connections.
import { monitorModel } from '../model/model.js';
import { insertSelectSql } from '../store/entity-insert.js';
import { ConnectionState, LifecycleState, MachineDeregistration, MachineFaultState, WorkspaceType } from './enums.js';
import { DAY_MS, HOUR_MS, Role, Schedule, SessionMode, TICK_MS } from './plan.js';
import { weekdaySql, type GenerationContext } from './sql-context.js';

const H = HOUR_MS;

/** Machine-days on which a host machine can have sessions, with the latest allowed session end. */
function machineDaysSql(ctx: GenerationContext): string {
  return `CREATE OR REPLACE TEMP TABLE _g_mday AS
SELECT m.midx, d.d, d.day_ms, d.weekday, d.day_ms AS lo, d.day_ms + ${DAY_MS - TICK_MS} AS hi
FROM _g_machine m,
  (SELECT d, ${ctx.startMs} + d * ${DAY_MS} AS day_ms, ${weekdaySql(ctx, 'd')} AS weekday FROM range(${ctx.days}) t(d)) d
WHERE m.role = ${Role.Host} AND m.schedule = ${Schedule.Always}
UNION ALL
SELECT w.midx, (w.on_ms - ${ctx.startMs}) // ${DAY_MS} AS d, ${ctx.startMs} + ((w.on_ms - ${ctx.startMs}) // ${DAY_MS}) * ${DAY_MS},
  true, w.on_ms, w.off_ms - ${TICK_MS}
FROM _g_window w JOIN _g_machine m USING (midx)
WHERE m.role = ${Role.Host} AND m.schedule = ${Schedule.Office}`;
}

/** Session slots: a multi-session machine's capacity on weekdays, an eighth of it at weekends; one for single-session. */
function slotsSql(ctx: GenerationContext): string {
  return `CREATE OR REPLACE TEMP TABLE _g_slot AS
SELECT *, unnest(range(n_slots)) AS slot FROM (
  SELECT md.*, m.multi, m.schedule,
    CASE WHEN m.multi THEN (CASE WHEN md.weekday THEN m.capacity ELSE m.capacity // 8 END) ELSE 1 END AS n_regular,
    n_regular + CASE WHEN m.multi AND m.schedule = ${Schedule.Always} AND md.d = ${ctx.days - 1} THEN 2 ELSE 0 END AS n_slots
  FROM _g_mday md JOIN _g_machine m USING (midx))`;
}

function sessionsSql(ctx: GenerationContext): string {
  const pool = ctx.userCount - ctx.assignedUsers;
  const pooledUser =
    pool > 0
      ? `${ctx.assignedUsers + 1} + floor(_g_u(20, midx, k) * ${pool})::BIGINT`
      : `1 + floor(_g_u(20, midx, k) * ${ctx.userCount})::BIGINT`;
  return `CREATE OR REPLACE TEMP TABLE _g_sess AS
WITH s AS (
  SELECT sl.midx, sl.d, sl.day_ms, sl.weekday, sl.lo, sl.hi, sl.multi, sl.schedule,
    sl.slot >= sl.n_regular AS evening, sl.d::BIGINT * 1000 + sl.slot AS k
  FROM _g_slot sl
  WHERE sl.multi OR _g_u(1, sl.midx, sl.d::BIGINT * 1000 + sl.slot) < CASE WHEN sl.weekday THEN 0.9 ELSE 0.12 END
), t AS (
  SELECT *,
    greatest(day_ms + floor(CASE
        WHEN evening THEN ${20 * H} + _g_u(2, midx, k) * ${3 * H}
        WHEN NOT weekday THEN ${9 * H} + _g_u(2, midx, k) * ${7 * H}
        WHEN multi THEN ${7 * H} + (_g_u(2, midx, k) + _g_u(3, midx, k)) / 2 * ${4.5 * H}
        ELSE ${7.5 * H} + (_g_u(2, midx, k) + _g_u(3, midx, k)) / 2 * ${2.5 * H} END)::BIGINT,
      lo + ${TICK_MS} + floor(_g_u(3, midx, k) * 60000)::BIGINT) AS t0,
    floor(CASE
        WHEN NOT weekday THEN ${0.5 * H} + _g_u(4, midx, k) * ${3 * H}
        WHEN multi THEN ${1.5 * H} + _g_u(4, midx, k) * ${6.5 * H}
        ELSE ${6 * H} + _g_u(4, midx, k) * ${3.5 * H} END)::BIGINT AS work,
    CASE WHEN evening THEN 4
      WHEN _g_u(5, midx, k) < 0.03 THEN 3
      WHEN _g_u(5, midx, k) < 0.15 THEN 1
      WHEN _g_u(5, midx, k) < 0.25 THEN (CASE WHEN d = ${ctx.days - 1} AND schedule = ${Schedule.Always} AND NOT multi THEN 5 ELSE 2 END)
      ELSE 0 END AS kind,
    300 + floor(_g_u(6, midx, k) * 2200)::BIGINT AS b,
    1000 + floor(_g_u(7, midx, k) * 4000)::BIGINT AS h,
    200 + floor(_g_u(8, midx, k) * 2800)::BIGINT AS a,
    1000 + floor(_g_u(9, midx, k) * 14000)::BIGINT + CASE WHEN _g_u(10, midx, k) < 0.05 THEN 30000 ELSE 0 END AS p,
    800 + floor(_g_u(11, midx, k) * 7000)::BIGINT AS g,
    CASE WHEN _g_u(12, midx, k) < 0.3 THEN 0 ELSE 300 + floor(_g_u(13, midx, k) * 3000)::BIGINT END AS sc,
    1500 + floor(_g_u(14, midx, k) * 8000)::BIGINT AS i
  FROM s
), w AS (
  SELECT *, b + h + a + p + g + sc + i AS logon,
    greatest(least(t0 + b + h + a + p + g + sc + i + work, hi), t0 + b + h + a + p + g + sc + i + 60000) AS work_end
  FROM t
), en AS (
  SELECT *,
    CASE kind WHEN 1 THEN t0 + logon + floor((work_end - t0 - logon) * (0.3 + 0.3 * _g_u(15, midx, k)))::BIGINT
      WHEN 0 THEN work_end WHEN 2 THEN work_end WHEN 5 THEN work_end END AS dc1,
    CASE kind WHEN 0 THEN work_end WHEN 1 THEN work_end
      WHEN 2 THEN greatest(work_end, least(work_end + ${H} + floor(_g_u(16, midx, k) * ${H})::BIGINT, hi))
      WHEN 3 THEN t0 + b + 2000 + floor(_g_u(17, midx, k) * 20000)::BIGINT END AS e
  FROM w
)
SELECT en.*,
  CASE WHEN kind = 1 THEN least(dc1 + ${TICK_MS} + floor(_g_u(18, midx, k) * ${(2 / 3) * H})::BIGINT, dc1 + (e - dc1) // 2) END AS rc,
  m.id AS mid, m.dgid,
  coalesce(m.assigned_user_id, ${pooledUser}) AS uid,
  CASE m.session_mode WHEN ${SessionMode.Desktops} THEN 0 WHEN ${SessionMode.Applications} THEN 1
    ELSE (CASE WHEN _g_u(19, midx, k) < 0.5 THEN 1 ELSE 0 END) END AS session_type,
  m.published_desktop_id,
  CASE WHEN kind = 3 THEN fc.code END AS failure_code,
  _g_guid(_g_key('session', midx, k)) AS skey
FROM en JOIN _g_machine m USING (midx)
LEFT JOIN _g_failcode fc ON en.kind = 3 AND _g_u(21, en.midx, en.k) >= fc.lo AND _g_u(21, en.midx, en.k) < fc.hi`;
}

/** One connection per launched session, a second for sessions that reconnected; Ids in time order. */
function connectionsSql(): string {
  return `CREATE OR REPLACE TEMP TABLE _g_conn AS
SELECT row_number() OVER (ORDER BY est, skey, no) AS id, * FROM (
  SELECT skey, midx, k, uid, 1 AS no, t0 AS est, dc1 AS disc, b, h, a, p, g, sc, i, logon FROM _g_sess WHERE kind <> 3
  UNION ALL
  SELECT skey, midx, k, uid, 2, rc, e, 200 + floor(_g_u(30, midx, k) * 700)::BIGINT, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM _g_sess WHERE kind = 1)`;
}

/** Client attributes depend on the user only (one device per user). */
const CLIENT_PLACES = [
  ['Germany', 'Berlin', 'Deutsche Telekom AG'],
  ['Germany', 'Munich', 'Vodafone GmbH'],
  ['United Kingdom', 'London', 'British Telecommunications PLC'],
  ['United States', 'New York', 'Comcast Cable Communications'],
  ['Netherlands', 'Amsterdam', 'KPN B.V.'],
  ['France', 'Paris', 'Orange S.A.'],
] as const;

function pickSql(u: string, values: readonly string[]): string {
  return `[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}][1 + floor(${u} * ${values.length})::INTEGER]`;
}

function sessionsInsert(): string {
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.Session',
    customer: '$1',
    values: {
      SessionKey: 's.skey',
      StartDate: '_g_ts(s.t0)',
      LogOnDuration: 'CASE WHEN s.kind = 3 THEN NULL ELSE s.logon END::INTEGER',
      EndDate: '_g_ts(s.e)',
      ExitCode: 'CASE WHEN s.e IS NULL OR s.kind = 3 THEN NULL ELSE 0 END',
      FailureId: 'fcat."Id"',
      FailureDate: 'CASE WHEN s.kind = 3 THEN _g_ts(s.t0 + s.b) END',
      ConnectionState: `CASE s.kind WHEN 4 THEN ${ConnectionState.Active} WHEN 5 THEN ${ConnectionState.Disconnected} ELSE ${ConnectionState.Terminated} END`,
      ConnectionStateChangeDate: 'CASE s.kind WHEN 4 THEN _g_ts(s.t0 + s.logon) WHEN 5 THEN _g_ts(s.dc1) ELSE _g_ts(s.e) END',
      LifecycleState: String(LifecycleState.Active),
      CurrentConnectionId: 'c.id',
      UserId: 's.uid',
      MachineId: 's.mid',
      SessionType: 's.session_type',
      IsAnonymous: 'false',
      PublishedDesktopId: 'CASE WHEN s.session_type = 0 THEN s.published_desktop_id END',
      CreatedDate: '_g_ts(s.t0 + 1500)',
      ModifiedDate: '_g_ts(coalesce(s.e, s.dc1, s.t0 + s.logon) + 2000)',
    },
    from: `FROM _g_sess s
LEFT JOIN _g_conn c ON c.skey = s.skey AND c.no = CASE WHEN s.kind = 1 THEN 2 ELSE 1 END
LEFT JOIN "ConnectionFailureCategories" fcat ON fcat._customer_id = $1 AND fcat."ConnectionFailureEnumValue" = s.failure_code`,
  });
}

/** One client device per user: the attributes every connection of that user shows. */
function clientsSql(ctx: GenerationContext): string {
  const u = (n: number) => `_g_u(${n}, uid, 0)`;
  const kind = `CASE WHEN ${u(40)} < 0.7 THEN 0 WHEN ${u(40)} < 0.85 THEN 1 WHEN ${u(40)} < 0.95 THEN 2 ELSE 3 END`;
  return `CREATE OR REPLACE TEMP TABLE _g_client AS
SELECT uid,
  ['LT-', 'MBP-', 'WEB-', 'LNX-'][kind + 1] || (10000 + floor(${u(41)} * 89999)::INTEGER) AS name,
  '192.168.' || floor(${u(42)} * 254)::INTEGER || '.' || (1 + floor(${u(43)} * 253)::INTEGER) AS address,
  '203.0.' || (113 + floor(${u(44)} * 3)::INTEGER) || '.' || (1 + floor(${u(45)} * 253)::INTEGER) AS public_ip,
  CASE kind WHEN 0 THEN ${pickSql(u(46), ['24.3.0.64', '24.2.1000.1016', '23.11.0.194'])} WHEN 1 THEN '24.02.0.6' WHEN 2 THEN '2402.1.0.10' ELSE '24.2.0.65' END AS version,
  ['Windows', 'Mac', 'HTML5', 'Linux'][kind + 1] AS platform,
  [${WorkspaceType.Windows}, ${WorkspaceType.Mac}, ${WorkspaceType.HTML5}, ${WorkspaceType.Linux}][kind + 1] AS workspace,
  ${pickSql(u(47), CLIENT_PLACES.map((p) => p[2]))} AS isp,
  ${pickSql(u(47), CLIENT_PLACES.map((p) => p[0]))} AS country,
  ${pickSql(u(47), CLIENT_PLACES.map((p) => p[1]))} AS city,
  1 + uid % 2 AS gateway
FROM (SELECT uid, ${kind} AS kind FROM range(1, ${ctx.userCount + 1}) t(uid))`;
}

function connectionsInsert(): string {
  const first = (expr: string) => `CASE WHEN c.no = 1 THEN ${expr} END`;
  const hdxEnd = 'c.est + c.b + c.h';
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.Connection',
    customer: '$1',
    values: {
      Id: 'c.id',
      ClientName: 'cl.name',
      ClientAddress: 'cl.address',
      ClientPublicIP: 'cl.public_ip',
      ClientVersion: 'cl.version',
      ClientPlatform: 'cl.platform',
      ClientISP: 'cl.isp',
      ClientLocationCountry: 'cl.country',
      ClientLocationCity: 'cl.city',
      WorkspaceType: 'cl.workspace',
      ConnectedViaHostName: `'gw0' || cl.gateway || '.corp.example.com'`,
      ConnectedViaIPAddress: `'198.51.100.' || (9 + cl.gateway)`,
      LaunchedViaHostName: `'sf0' || cl.gateway || '.corp.example.com'`,
      LaunchedViaIPAddress: `'10.0.0.' || (19 + cl.gateway)`,
      IsReconnect: 'c.no = 2',
      IsSecureIca: 'false',
      Protocol: `'HDX'`,
      LogOnStartDate: first('_g_ts(c.est)'),
      LogOnEndDate: first('_g_ts(c.est + c.logon)'),
      BrokeringDuration: 'c.b',
      BrokeringDate: '_g_ts(c.est + c.b)',
      DisconnectCode: 'CASE WHEN c.disc IS NOT NULL THEN 0 END',
      DisconnectDate: '_g_ts(c.disc)',
      ClientSessionValidateDate: first('_g_ts(c.est + c.b + 120)'),
      ServerSessionValidateDate: first('_g_ts(c.est + c.b + 340)'),
      EstablishmentDate: '_g_ts(c.est)',
      HdxStartDate: first('_g_ts(c.est + c.b)'),
      HdxEndDate: first(`_g_ts(${hdxEnd})`),
      AuthenticationDuration: 'c.a::INTEGER',
      ProfileLoadStartDate: first(`_g_ts(${hdxEnd} + c.a)`),
      ProfileLoadEndDate: first(`_g_ts(${hdxEnd} + c.a + c.p)`),
      GpoStartDate: first(`_g_ts(${hdxEnd} + c.a + c.p)`),
      GpoEndDate: first(`_g_ts(${hdxEnd} + c.a + c.p + c.g)`),
      LogOnScriptsStartDate: first(`_g_ts(${hdxEnd} + c.a + c.p + c.g)`),
      LogOnScriptsEndDate: first(`_g_ts(${hdxEnd} + c.a + c.p + c.g + c.sc)`),
      InteractiveStartDate: first(`_g_ts(${hdxEnd} + c.a + c.p + c.g + c.sc)`),
      InteractiveEndDate: first('_g_ts(c.est + c.logon)'),
      SessionKey: 'c.skey',
      CreatedDate: '_g_ts(c.est + 1000)',
      ModifiedDate: '_g_ts(coalesce(c.disc, c.est + coalesce(c.logon, c.b)) + 1500)',
    },
    from: 'FROM _g_conn c JOIN _g_client cl ON cl.uid = c.uid',
  });
}

function logOnMetricsInsert(): string {
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.LogOnMetric',
    customer: '$1',
    values: {
      Id: 'row_number() OVER (ORDER BY s.t0, s.skey)',
      SessionKey: 's.skey',
      UserInitStartDate: '_g_ts(s.t0 + s.b + s.h + s.a + s.p + s.g)',
      UserInitEndDate: '_g_ts(s.t0 + s.logon - s.i)',
    },
    from: 'FROM _g_sess s WHERE s.kind <> 3',
  });
}

function connectionFailureLogsInsert(): string {
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.ConnectionFailureLog',
    customer: '$1',
    values: {
      Id: 'row_number() OVER (ORDER BY s.t0 + s.b, s.skey)',
      SessionKey: 's.skey',
      FailureDate: '_g_ts(s.t0 + s.b)',
      UserId: 's.uid',
      MachineId: 's.mid',
      ConnectionFailureEnumValue: 's.failure_code',
      CreatedDate: '_g_ts(s.t0 + s.b + 4000)',
      ModifiedDate: '_g_ts(s.t0 + s.b + 4000)',
    },
    from: 'FROM _g_sess s WHERE s.kind = 3',
  });
}

/**
 * Machine failures: the FailedToStart machines' ongoing failure, and on about 1% of a power-managed
 * machine's mornings a boot that hung for a while before the machine came up (and started sampling).
 */
function machineFailureLogsInsert(): string {
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.MachineFailureLog',
    customer: '$1',
    values: {
      Id: 'row_number() OVER (ORDER BY f.start_ms, f.mid)',
      MachineId: 'f.mid',
      FailureStartDate: '_g_ts(f.start_ms)',
      FailureEndDate: '_g_ts(f.end_ms)',
      FaultState: 'f.fault',
      LastDeregisteredCode: 'f.code',
      CreatedDate: '_g_ts(f.start_ms + 60000)',
      ModifiedDate: '_g_ts(coalesce(f.end_ms, f.start_ms) + 60000)',
    },
    from: `FROM (
  SELECT m.id AS mid, m.failed_since_ms AS start_ms, NULL::BIGINT AS end_ms, m.fault_state AS fault, ${MachineDeregistration.PowerOff} AS code
  FROM _g_machine m WHERE m.fault_state = ${MachineFaultState.FailedToStart}
  UNION ALL
  SELECT m.id, w.on_ms - ${20 * 60000}, w.on_ms - ${5 * 60000}, ${MachineFaultState.StuckOnBoot}, ${MachineDeregistration.AgentNotContactable}
  FROM _g_window w JOIN _g_machine m USING (midx)
  WHERE m.schedule = ${Schedule.Office} AND _g_u(50, w.midx, w.on_ms) < 0.01) f`,
  });
}

/**
 * The number of sessions (ns) and connected sessions (nc) of each machine as a step function over
 * 5-minute ticks: a sample at tick t takes the last step at or before t. An event at time x first
 * affects the tick ceil(x) (a session counts at t when StartDate <= t < EndDate).
 */
function stepsSql(): string {
  const bucket = (x: string) => `((${x} + ${TICK_MS - 1}) // ${TICK_MS}) * ${TICK_MS}`;
  return `CREATE OR REPLACE TEMP TABLE _g_steps AS
SELECT midx, b,
  sum(ds) OVER (PARTITION BY midx ORDER BY b ROWS UNBOUNDED PRECEDING) AS ns,
  sum(dc) OVER (PARTITION BY midx ORDER BY b ROWS UNBOUNDED PRECEDING) AS nc
FROM (
  SELECT midx, b, sum(ds)::INTEGER AS ds, sum(dc)::INTEGER AS dc FROM (
    SELECT midx, ${bucket('t0')} AS b, 1 AS ds, 0 AS dc FROM _g_sess WHERE kind <> 3
    UNION ALL SELECT midx, ${bucket('e')}, -1, 0 FROM _g_sess WHERE kind <> 3 AND e IS NOT NULL
    UNION ALL SELECT midx, ${bucket('est')}, 0, 1 FROM _g_conn
    UNION ALL SELECT midx, ${bucket('disc')}, 0, -1 FROM _g_conn WHERE disc IS NOT NULL
  ) GROUP BY ALL)`;
}

/** One statement of a generation step; `customer` statements take the customer id as `$1`. */
export interface GenerationStatement {
  readonly sql: string;
  readonly customer: boolean;
}

/**
 * Every statement that builds the session-derived tables, in order. Building them checks every
 * property name against the model, so the generator calls this before doing any work.
 */
export function activityStatements(ctx: GenerationContext): readonly GenerationStatement[] {
  const work = (sql: string): GenerationStatement => ({ sql, customer: false });
  const load = (sql: string): GenerationStatement => ({ sql, customer: true });
  return [
    work(machineDaysSql(ctx)),
    work(slotsSql(ctx)),
    work(sessionsSql(ctx)),
    work(connectionsSql()),
    work(clientsSql(ctx)),
    load(sessionsInsert()),
    load(connectionsInsert()),
    load(logOnMetricsInsert()),
    load(connectionFailureLogsInsert()),
    load(machineFailureLogsInsert()),
    work(stepsSql()),
  ];
}
