// Rollup correctness against an independent computation in JS from the raw rows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CUSTOMER_COLUMN } from '../../src/model/model.js';
import { DEFAULT_CUSTOMER_ID } from '../../src/generate/defaults.js';
import { generateFleet } from '../../src/generate/generate-fleet.js';
import { recomputeRollups } from '../../src/store/rollups.js';
import type { RowValue } from '../../src/store/store.js';
import { END_MS, ms, rows, SMALL, START_MS, tempStore, type TempStore } from './fleet-fixture.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const C = DEFAULT_CUSTOMER_ID;

interface Sample {
  readonly t: number;
  readonly cpu: number;
  readonly used: number;
  readonly total: number;
  readonly sessions: number;
  readonly rtt: number | null;
}
interface Session {
  readonly start: number;
  readonly end: number | null;
  readonly logon: number | null;
  readonly failed: boolean;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The summary of one machine and interval, computed from raw samples and sessions only. */
function expected(samples: readonly Sample[], sessions: readonly Session[], from: number, g: number, dataEnd: number) {
  const to = from + g * 60_000;
  const s = samples.filter((x) => x.t >= from && x.t < to);
  const rtts = s.filter((x) => x.rtt !== null).map((x) => x.rtt as number);
  const cap = (n: number) => Math.min(n * 5, g);
  const launched = sessions.filter((x) => !x.failed);
  const active = launched.filter((x) => x.start < to && (x.end ?? dataEnd) > from);
  const logons = launched.filter((x) => x.start >= from && x.start < to && x.logon !== null).map((x) => x.logon as number);
  const noSession = s.filter((x) => x.sessions === 0).length;
  const disconnected = s.filter((x) => x.sessions > 0 && x.rtt === null).length;
  return {
    AvgPercentCpu: s.length ? mean(s.map((x) => x.cpu)) : 0,
    PeakPercentCpu: s.length ? Math.max(...s.map((x) => x.cpu)) : 0,
    AvgUsedMemory: s.length ? mean(s.map((x) => x.used)) : 0,
    PeakUsedMemory: s.length ? Math.max(...s.map((x) => x.used)) : 0,
    AvgTotalMemory: s.length ? mean(s.map((x) => x.total)) : 0,
    TotalSessionCount: active.length,
    AvgIcaRttInMs: rtts.length ? Math.round(mean(rtts)) : null,
    AvgLogOnDurationInMs: logons.length ? Math.round(mean(logons)) : null,
    UptimeInMinutes: cap(s.length),
    UpTimeWithoutSessionInMinutes: cap(noSession),
    DisconnectTimeInMinutes: cap(disconnected),
    IdleTimeInMinutes: cap(noSession + disconnected),
  };
}

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe('rollups', () => {
  let t: TempStore;
  before(async () => {
    t = await tempStore();
    await generateFleet(t.store, SMALL);
  });
  after(async () => {
    await t.close();
  });

  async function machineData(machineId: string): Promise<{ samples: Sample[]; sessions: Session[] }> {
    const samples = (
      await rows(
        t.store,
        `SELECT "CollectedDate", "PercentCpu", "UsedMemory", "TotalMemory", "SessionCount", "AvgIcaRttInMs"
         FROM "ResourceUtilization" WHERE "${CUSTOMER_COLUMN}" = $1 AND "MachineId" = $2::UUID`,
        [C, machineId],
      )
    ).map(([time, cpu, used, total, sessions, rtt]) => ({
      t: ms(time),
      cpu: cpu as number,
      used: used as number,
      total: total as number,
      sessions: sessions as number,
      rtt: rtt as number | null,
    }));
    const sessions = (
      await rows(
        t.store,
        `SELECT "StartDate", "EndDate", "LogOnDuration", "FailureId" IS NOT NULL FROM "Sessions" WHERE "${CUSTOMER_COLUMN}" = $1 AND "MachineId" = $2::UUID`,
        [C, machineId],
      )
    ).map(([start, end, logon, failed]) => ({ start: ms(start), end: end === null ? null : ms(end), logon: logon as number | null, failed: failed as boolean }));
    return { samples, sessions };
  }

  async function summaries(machineId: string): Promise<Map<string, Record<string, RowValue>>> {
    const r = await t.store.query({
      sql: `SELECT * EXCLUDE ("${CUSTOMER_COLUMN}") FROM "ResourceUtilizationSummary" WHERE "${CUSTOMER_COLUMN}" = $1 AND "MachineId" = $2::UUID`,
      parameters: [C, machineId],
    });
    const out = new Map<string, Record<string, RowValue>>();
    for (const row of r.rows) {
      const rec = Object.fromEntries(r.columns.map((c, i) => [c, row[i]]));
      out.set(`${rec.Granularity}@${ms(rec.SummaryDate)}`, rec);
    }
    return out;
  }

  /** A few machines of each kind: multi-session host, single-session host, idle, always off. */
  async function pickMachines(): Promise<string[]> {
    const picked = await rows(
      t.store,
      `WITH m AS (
         SELECT m."Id", d."SessionSupport" AS support,
           (SELECT count(*) FROM "ResourceUtilization" r WHERE r."${CUSTOMER_COLUMN}" = $1 AND r."MachineId" = m."Id") AS samples,
           (SELECT count(*) FROM "Sessions" s WHERE s."${CUSTOMER_COLUMN}" = $1 AND s."MachineId" = m."Id") AS sessions
         FROM "Machines" m LEFT JOIN "DesktopGroups" d ON d."${CUSTOMER_COLUMN}" = $1 AND d."Id" = m."DesktopGroupId"
         WHERE m."${CUSTOMER_COLUMN}" = $1)
       SELECT "Id"::VARCHAR, kind FROM (
         SELECT "Id", CASE WHEN samples = 0 THEN 'off' WHEN sessions = 0 THEN 'idle' WHEN support = 2 THEN 'multi' ELSE 'single' END AS kind,
           row_number() OVER (PARTITION BY kind ORDER BY "Id") AS n FROM m)
       WHERE n <= 2 ORDER BY kind, "Id"`,
      [C],
    );
    assert.deepEqual([...new Set(picked.map((p) => p[1]))], ['idle', 'multi', 'off', 'single']);
    return picked.map((p) => String(p[0]));
  }

  it('ResourceUtilizationSummary matches an independent recomputation, hourly and daily, for every kind of machine', async () => {
    let compared = 0;
    for (const machineId of await pickMachines()) {
      const { samples, sessions } = await machineData(machineId);
      const rolled = await summaries(machineId);
      assert.equal(rolled.size, SMALL.days * 24 + SMALL.days, `one row per hour and day for ${machineId}`);
      for (const g of [60, 1440]) {
        for (let from = START_MS; from < END_MS; from += g * 60_000) {
          const row = rolled.get(`${g}@${from}`);
          assert.ok(row, `${machineId} ${g} ${new Date(from).toISOString()}`);
          const want = expected(samples, sessions, from, g, END_MS);
          for (const [key, value] of Object.entries(want)) {
            const got: RowValue = row[key];
            const where = `${machineId} g=${g} ${new Date(from).toISOString()} ${key}`;
            if (value === null) assert.equal(got, null, where);
            else assert.ok(typeof got === 'number' && near(got, value), `${where}: ${String(got)} vs ${value}`);
          }
          const created = ms(row.CreatedDate);
          assert.ok(created >= from + g * 60_000 + 13 * 60_000 && created < from + g * 60_000 + 14 * 60_000, 'written 13 minutes after the interval');
          compared++;
        }
      }
    }
    assert.ok(compared >= 8 * 75);
  });

  it('gives off machines rows with zero uptime and no averages of nothing', async () => {
    const [[offRows, badOff]] = await rows(
      t.store,
      `SELECT count(*), count(*) FILTER (WHERE "AvgPercentCpu" <> 0 OR "AvgUsedMemory" <> 0 OR "AvgTotalMemory" <> 0 OR "AvgIcaRttInMs" IS NOT NULL
           OR "AvgLogOnDurationInMs" IS NOT NULL OR "TotalSessionCount" <> 0)
       FROM "ResourceUtilizationSummary" WHERE "${CUSTOMER_COLUMN}" = $1 AND "UptimeInMinutes" = 0`,
      [C],
    );
    assert.ok((offRows as bigint) > 0n);
    assert.equal(badOff, 0n);
  });

  it('summarises complete intervals only', async () => {
    const dataEnd = END_MS - 90 * 60_000; // 22:30 on the last day
    await t.store.transaction(() => recomputeRollups(t.store, { customerId: C, from: START_MS, to: END_MS, dataEnd }));
    try {
      const [[lastHour, lastDay, hours]] = await rows(
        t.store,
        `SELECT max("SummaryDate") FILTER (WHERE "Granularity" = 60), max("SummaryDate") FILTER (WHERE "Granularity" = 1440),
           count(DISTINCT "SummaryDate") FILTER (WHERE "Granularity" = 60)
         FROM "ResourceUtilizationSummary" WHERE "${CUSTOMER_COLUMN}" = $1`,
        [C],
      );
      assert.equal(ms(lastHour), END_MS - 3 * HOUR, 'the 21:00 hour is the last complete one');
      assert.equal(ms(lastDay), END_MS - 2 * DAY, 'the last day is incomplete');
      assert.equal(hours, BigInt(SMALL.days * 24 - 2));
      for (const table of ['SessionActivitySummaries', 'MachineSummaries', 'LoadIndexSummaries', 'LogOnSummaries']) {
        const [[late]] = await rows(
          t.store,
          `SELECT count(*) FROM "${table}" WHERE "${CUSTOMER_COLUMN}" = $1 AND "SummaryDate" + to_minutes("Granularity") > make_timestamp($2::BIGINT * 1000)`,
          [C, dataEnd],
        );
        assert.equal(late, 0n, table);
      }
    } finally {
      await t.store.transaction(() => recomputeRollups(t.store, { customerId: C, from: START_MS, to: END_MS }));
    }
  });

  it('SessionActivitySummaries peaks match a sweep over the sessions and connections of each group', async () => {
    const groups = await rows(t.store, `SELECT "Id"::VARCHAR FROM "DesktopGroups" WHERE "${CUSTOMER_COLUMN}" = $1`, [C]);
    for (const [group] of groups) {
      const sessions = (
        await rows(
          t.store,
          `SELECT s."StartDate", s."EndDate", s."LogOnDuration" FROM "Sessions" s JOIN "Machines" m ON m."${CUSTOMER_COLUMN}" = $1 AND m."Id" = s."MachineId"
           WHERE s."${CUSTOMER_COLUMN}" = $1 AND s."FailureId" IS NULL AND m."DesktopGroupId" = $2::UUID`,
          [C, String(group)],
        )
      ).map(([st, en, lod]) => ({ st: ms(st), en: en === null ? Infinity : ms(en), lod: lod as number | null }));
      const connections = (
        await rows(
          t.store,
          `SELECT c."EstablishmentDate", c."DisconnectDate" FROM "Connections" c
           JOIN "Sessions" s ON s."${CUSTOMER_COLUMN}" = $1 AND s."SessionKey" = c."SessionKey"
           JOIN "Machines" m ON m."${CUSTOMER_COLUMN}" = $1 AND m."Id" = s."MachineId"
           WHERE c."${CUSTOMER_COLUMN}" = $1 AND m."DesktopGroupId" = $2::UUID`,
          [C, String(group)],
        )
      ).map(([st, en]) => ({ st: ms(st), en: en === null ? Infinity : ms(en) }));
      // Every instant where a count can change, plus interval starts.
      const instants = [...new Set([...sessions.flatMap((s) => [s.st, s.en]), ...connections.flatMap((c) => [c.st, c.en])])];
      const countAt = (x: number) => {
        const tot = sessions.filter((s) => s.st <= x && s.en > x).length;
        const con = connections.filter((c) => c.st <= x && c.en > x).length;
        return { tot, con, dis: tot - con };
      };
      const summary = await rows(
        t.store,
        `SELECT "SummaryDate", "Granularity", "ConcurrentSessionCount", "ConnectedSessionCount", "DisconnectedSessionCount", "TotalLogOnCount", "TotalLogOnDuration"
         FROM "SessionActivitySummaries" WHERE "${CUSTOMER_COLUMN}" = $1 AND "DesktopGroupId" = $2::UUID`,
        [C, String(group)],
      );
      assert.equal(summary.length, SMALL.days * 25);
      for (const [sd, g, concurrent, connected, disconnected, logons, logonTotal] of summary) {
        const from = ms(sd);
        const to = from + (g as number) * 60_000;
        const points = [from, ...instants.filter((x) => x >= from && x < to)].map(countAt);
        assert.equal(concurrent, Math.max(...points.map((p) => p.tot)), `concurrent ${group} ${g} ${new Date(from).toISOString()}`);
        assert.equal(connected, Math.max(...points.map((p) => p.con)), 'connected');
        assert.equal(disconnected, Math.max(...points.map((p) => p.dis)), 'disconnected');
        const started = sessions.filter((s) => s.st >= from && s.st < to && s.lod !== null);
        assert.equal(logons, started.length);
        assert.equal(logonTotal, started.reduce((a, s) => a + (s.lod as number), 0));
      }
    }
  });

  it('daily rows come from the raw samples, not from rounded hourly rows', async () => {
    const [[mismatch]] = await rows(
      t.store,
      `WITH raw AS (
         SELECT "MachineId", date_trunc('day', "CollectedDate") AS d, avg("PercentCpu") AS cpu, max("UsedMemory") AS peak, count(*) * 5 AS up
         FROM "ResourceUtilization" WHERE "${CUSTOMER_COLUMN}" = $1 GROUP BY ALL)
       SELECT count(*) FROM raw JOIN "ResourceUtilizationSummary" s
         ON s."${CUSTOMER_COLUMN}" = $1 AND s."MachineId" = raw."MachineId" AND s."SummaryDate" = raw.d AND s."Granularity" = 1440
       WHERE abs(s."AvgPercentCpu" - raw.cpu) > 1e-9 OR s."PeakUsedMemory" <> raw.peak OR s."UptimeInMinutes" <> raw.up`,
      [C],
    );
    assert.equal(mismatch, 0n);
  });
});
