import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CUSTOMER_COLUMN, monitorModel, tableOf } from '../../src/model/model.js';
import { DEFAULT_CUSTOMER_ID } from '../../src/generate/defaults.js';
import { generateFleet, GENERATE_STEPS, type GenerateProgress } from '../../src/generate/generate-fleet.js';
import { checksums, ms, rows, SMALL, START_MS, END_MS, tempStore, type TempStore } from './fleet-fixture.js';

const SECOND = 'second-customer';

describe('generateFleet', () => {
  let a: TempStore;
  let first: Record<string, string>;
  const progress: GenerateProgress[] = [];

  before(async () => {
    a = await tempStore();
    await generateFleet(a.store, { ...SMALL, onProgress: (p) => progress.push(p) });
    first = await checksums(a.store, DEFAULT_CUSTOMER_ID);
  });
  after(async () => {
    await a.close();
  });

  it('reports every step in order and fills the core tables', () => {
    const finished = [...new Set(progress.filter((p) => p.done === p.total).map((p) => p.step))];
    assert.deepEqual(finished, [...GENERATE_STEPS]);
    for (const table of ['Machines', 'DesktopGroups', 'Catalogs', 'Hypervisors', 'Users', 'Sessions', 'Connections', 'LogOnMetrics',
      'ConnectionFailureCategories', 'ResourceUtilization', 'ResourceUtilizationSummary', 'SessionActivitySummaries', 'LogOnSummaries',
      'LoadIndexes', 'LoadIndexSummaries', 'MachineSummaries', 'MachineCosts', 'MachineMetric', 'MachineMetricSummary',
      'ServerOSDesktopSummaries', 'DesktopOSDesktopSummaries', 'FailureLogSummaries', 'MachineFailureLogs', 'PublishedDesktopNames']) {
      assert.notEqual(first[table]?.split(':')[0], '0', `${table} has rows`);
    }
    assert.equal(first.ProbeLogs.split(':')[0], '0', 'sets without generated data stay empty');
  });

  it('is deterministic: same seed, same rows; another seed, other rows', async () => {
    const b = await tempStore();
    try {
      await generateFleet(b.store, SMALL);
      assert.deepEqual(await checksums(b.store, DEFAULT_CUSTOMER_ID), first);
      await generateFleet(b.store, { ...SMALL, seed: 8 });
      const other = await checksums(b.store, DEFAULT_CUSTOMER_ID);
      for (const table of ['Machines', 'Sessions', 'ResourceUtilization', 'ResourceUtilizationSummary', 'Users']) {
        assert.notEqual(other[table], first[table], table);
      }
    } finally {
      await b.close();
    }
  });

  it('appends a second customer without touching the first, and regenerating replaces it', async () => {
    await generateFleet(a.store, { customerId: SECOND, machines: 12, days: 2, seed: 99, end: SMALL.end });
    assert.deepEqual(await checksums(a.store, DEFAULT_CUSTOMER_ID), first);
    const second = await checksums(a.store, SECOND);
    assert.equal(second.Machines.split(':')[0], '12');
    await generateFleet(a.store, { customerId: SECOND, machines: 12, days: 2, seed: 99, end: SMALL.end });
    assert.deepEqual(await checksums(a.store, SECOND), second, 'regenerated, not duplicated');
    assert.deepEqual(await checksums(a.store, DEFAULT_CUSTOMER_ID), first);
    const meta = await rows(a.store, 'SELECT customer_id, seed, machines, days, end_date FROM _meta ORDER BY customer_id');
    assert.deepEqual(meta, [
      [DEFAULT_CUSTOMER_ID, 7n, 30, 3, '2025-05-07'],
      [SECOND, 99n, 12, 2, '2025-05-07'],
    ]);
  });

  it('never leaves a half-written fleet: a failure rolls the whole customer back', async () => {
    await assert.rejects(
      generateFleet(a.store, {
        ...SMALL,
        seed: 1234,
        onProgress: (p) => {
          if (p.step === 'rollups' && p.done > 3) throw new Error('interrupted');
        },
      }),
      /interrupted/,
    );
    assert.deepEqual(await checksums(a.store, DEFAULT_CUSTOMER_ID), first);
  });

  it('keeps every foreign key of single-valued navigations inside the customer', async () => {
    let checked = 0;
    for (const type of monitorModel.types.values()) {
      const set = monitorModel.setOfType(type.name);
      if (set === undefined || first[set.name] === undefined || first[set.name].startsWith('0:')) continue;
      for (const nav of type.navigations) {
        if (nav.collection || nav.on === null) continue;
        if (nav.on.every((pair) => type.key.includes(pair.local))) continue; // a 0..1 child such as MachineCost
        const target = tableOf(monitorModel, nav.target);
        const cond = nav.on.map((p) => `t."${p.target}" = s."${p.local}"`).join(' AND ');
        const present = nav.on.map((p) => `s."${p.local}" IS NOT NULL`).join(' AND ');
        const [[orphans]] = await rows(
          a.store,
          `SELECT count(*) FROM "${set.name}" s WHERE s."${CUSTOMER_COLUMN}" = $1 AND ${present}
           AND NOT EXISTS (SELECT 1 FROM "${target}" t WHERE t."${CUSTOMER_COLUMN}" = $1 AND ${cond})`,
          [DEFAULT_CUSTOMER_ID],
        );
        assert.equal(orphans, 0n, `${set.name}.${nav.name} -> ${target}`);
        checked++;
      }
    }
    assert.ok(checked >= 25, `checked ${checked} navigations`);
  });

  it('numbers Int64 Ids 1..n per table and customer, and stores rows in the set order', async () => {
    for (const set of ['Connections', 'LogOnMetrics', 'ConnectionFailureLogs', 'LoadIndexes', 'SessionActivitySummaries', 'LogOnSummaries', 'Users']) {
      for (const customer of [DEFAULT_CUSTOMER_ID, SECOND]) {
        const [[n, lo, hi, distinct]] = await rows(
          a.store,
          `SELECT count(*), min("Id"), max("Id"), count(DISTINCT "Id") FROM "${set}" WHERE "${CUSTOMER_COLUMN}" = $1`,
          [customer],
        );
        if (n === 0n) continue;
        assert.deepEqual([lo, hi, distinct], [1n, n, n], `${set} ${customer}`);
      }
    }
    for (const set of ['ResourceUtilization', 'ResourceUtilizationSummary', 'Sessions', 'Connections', 'MachineMetric']) {
      const order = monitorModel.entitySet(set)!.order.map((c) => `"${c}"`).join(', ');
      const [[unordered]] = await rows(
        a.store,
        `SELECT count(*) FROM (SELECT row_number() OVER (ORDER BY rowid) AS physical, row_number() OVER (ORDER BY ${order}) AS logical
         FROM "${set}" WHERE "${CUSTOMER_COLUMN}" = $1) WHERE physical <> logical`,
        [DEFAULT_CUSTOMER_ID],
      );
      assert.equal(unordered, 0n, `${set} physical order`);
    }
  });

  it('has the special machines: no delivery group, always off, on without sessions', async () => {
    const machines = await rows(
      a.store,
      `SELECT m."Name", m."DesktopGroupId" IS NULL, m."CurrentPowerState",
         (SELECT count(*) FROM "ResourceUtilization" r WHERE r."${CUSTOMER_COLUMN}" = $1 AND r."MachineId" = m."Id"),
         (SELECT count(*) FROM "Sessions" s WHERE s."${CUSTOMER_COLUMN}" = $1 AND s."MachineId" = m."Id")
       FROM "Machines" m WHERE m."${CUSTOMER_COLUMN}" = $1`,
      [DEFAULT_CUSTOMER_ID],
    );
    assert.equal(machines.length, 30);
    const noGroup = machines.filter((m) => m[1] === true);
    const off = machines.filter((m) => m[3] === 0n);
    const idle = machines.filter((m) => (m[3] as bigint) > 0n && m[4] === 0n);
    const hosts = machines.filter((m) => (m[4] as bigint) > 0n);
    assert.ok(noGroup.length >= 1, 'a machine without delivery group');
    assert.ok(noGroup.every((m) => m[4] === 0n), 'no sessions without a delivery group');
    assert.ok(off.length >= 1 && off.every((m) => m[2] === 2 && m[4] === 0n), 'always-off machines: powered off, no samples, no sessions');
    assert.ok(idle.length >= 2, 'machines on but never used');
    assert.ok(hosts.length >= 20, 'most machines host sessions');
    for (const [name] of machines) assert.match(String(name), /^CORP\\[A-Z0-9-]+-\d{3}$/);
    const groups = await rows(a.store, `SELECT "Name", "SessionSupport" FROM "DesktopGroups" WHERE "${CUSTOMER_COLUMN}" = $1 ORDER BY "Name"`, [DEFAULT_CUSTOMER_ID]);
    assert.deepEqual(groups.map((g) => g[0]), ['DG-W10-PMD', 'DG-W11-PMD', 'DG-W2022-MS']);
    assert.ok(groups.some((g) => g[1] === 1) && groups.some((g) => g[1] === 2), 'single- and multi-session groups');
  });

  it('keeps sessions inside power-on time and samples consistent with sessions', async () => {
    const [[outside]] = await rows(
      a.store,
      `SELECT count(*) FROM "ResourceUtilization" r WHERE r."${CUSTOMER_COLUMN}" = $1 AND r."SessionCount" > 0
       AND r."SessionCount" <> (SELECT count(*) FROM "Sessions" s WHERE s."${CUSTOMER_COLUMN}" = $1 AND s."MachineId" = r."MachineId"
         AND s."FailureId" IS NULL AND s."StartDate" <= r."CollectedDate" AND coalesce(s."EndDate", TIMESTAMP '9999-01-01') > r."CollectedDate")`,
      [DEFAULT_CUSTOMER_ID],
    );
    assert.equal(outside, 0n, 'SessionCount equals the sessions running at the sample');
    const [[rttWithoutSession]] = await rows(
      a.store,
      `SELECT count(*) FROM "ResourceUtilization" WHERE "${CUSTOMER_COLUMN}" = $1 AND "SessionCount" = 0 AND "AvgIcaRttInMs" IS NOT NULL`,
      [DEFAULT_CUSTOMER_ID],
    );
    assert.equal(rttWithoutSession, 0n);
    const sessions = await rows(
      a.store,
      `SELECT min("StartDate"), max("StartDate"), count(*) FILTER (WHERE "EndDate" IS NULL), count(*) FILTER (WHERE "FailureId" IS NOT NULL),
         count(*) FILTER (WHERE "EndDate" < "StartDate")
       FROM "Sessions" WHERE "${CUSTOMER_COLUMN}" = $1`,
      [DEFAULT_CUSTOMER_ID],
    );
    const [minStart, maxStart, open, failed, backwards] = sessions[0];
    assert.ok(ms(minStart) >= START_MS && ms(maxStart) < END_MS);
    assert.ok((open as bigint) > 0n, 'some sessions are still open at the end of the data');
    assert.ok((failed as bigint) >= 0n);
    assert.equal(backwards, 0n);
    const [[logonMismatch]] = await rows(
      a.store,
      `SELECT count(*) FROM "Connections" c JOIN "Sessions" s ON s."${CUSTOMER_COLUMN}" = c."${CUSTOMER_COLUMN}" AND s."SessionKey" = c."SessionKey"
       WHERE c."${CUSTOMER_COLUMN}" = $1 AND c."LogOnStartDate" IS NOT NULL
         AND epoch_ms(c."LogOnEndDate") - epoch_ms(c."LogOnStartDate") <> s."LogOnDuration"`,
      [DEFAULT_CUSTOMER_ID],
    );
    assert.equal(logonMismatch, 0n, 'logon breakdown adds up to LogOnDuration');
  });

  it('rejects invalid options with clear messages', async () => {
    await assert.rejects(generateFleet(a.store, { ...SMALL, machines: 0 }), /machines must be an integer/);
    await assert.rejects(generateFleet(a.store, { ...SMALL, days: 1.5 }), /days must be an integer/);
    await assert.rejects(generateFleet(a.store, { ...SMALL, seed: -1 }), /seed must be/);
    await assert.rejects(generateFleet(a.store, { ...SMALL, end: '2025-02-30' }), /end must be a date/);
    await assert.rejects(generateFleet(a.store, { ...SMALL, customerId: "x'; DROP" }), /customer id/);
  });
});
