// Retention: `prune` deletes exactly the event and sample rows before the cutoff, on both engines
// (PostgreSQL drops whole months as partitions), and never touches the sets that describe current
// things. Expected counts come from plain SQL before the prune.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { CUSTOMER_COLUMN, monitorModel } from '../../src/model/model.js';
import { duckDbDialect, postgresDialect } from '../../src/store/dialect.js';
import { openDuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { prunableSets, pruneSet, retentionColumn, type PruneResult } from '../../src/store/retention.js';
import type { Store } from '../../src/store/store.js';
import { openFleet, type Fleet } from '../support/fleet.js';

const execFileAsync = promisify(execFile);
const CUTOFF = '2025-06-01';
const cutoffMicros = BigInt(Date.parse(`${CUTOFF}T00:00:00Z`)) * 1000n;
let fleet: Fleet;

async function count(store: Store, sql: string): Promise<number> {
  return Number((await store.query({ sql, parameters: [] })).rows[0]![0]);
}

/** Per set: rows before the cutoff, rows kept (at or after it, or without an instant), and all rows. */
async function census(store: Store) {
  const result = new Map<string, { before: number; all: number }>();
  for (const set of monitorModel.sets) {
    const column = retentionColumn(monitorModel, set);
    const all = await count(store, `SELECT count(*) FROM "${set.name}"`);
    const earlier = column === undefined ? 0 : await count(store, `SELECT count(*) FROM "${set.name}" WHERE "${column}" < TIMESTAMP '${CUTOFF} 00:00:00'`);
    result.set(set.name, { before: earlier, all });
  }
  return result;
}

before(async () => {
  // Four days across a month boundary: May 29 to June 1.
  fleet = await openFleet({ machines: 8, days: 4, end: '2025-06-02' });
});
after(async () => fleet?.close());

describe('prune', () => {
  for (const engine of ['duckdb', 'postgres'] as const) {
    test(`deletes exactly the rows before the cutoff on ${engine}`, async () => {
      const store = engine === 'duckdb' ? fleet.store : fleet.postgres!.store;
      const dialect = engine === 'duckdb' ? duckDbDialect : postgresDialect;
      const expected = await census(store);
      assert.ok(expected.get('ResourceUtilization')!.before > 0 && expected.get('ResourceUtilization')!.before < expected.get('ResourceUtilization')!.all);
      const results: PruneResult[] = [];
      for (const set of prunableSets(monitorModel)) results.push(await pruneSet(store, dialect, monitorModel, set, cutoffMicros));
      const got = await census(store);
      for (const set of monitorModel.sets) {
        const { before, all } = expected.get(set.name)!;
        assert.equal(got.get(set.name)!.all, all - before, `${set.name}: rows left`);
        assert.equal(got.get(set.name)!.before, 0, `${set.name}: rows before the cutoff left`);
        const reported = results.find((r) => r.set === set.name);
        if (reported) assert.equal(reported.deleted, before, `${set.name}: rows reported deleted`);
      }
      assert.equal(got.get('Machines')!.all, expected.get('Machines')!.all, 'machines are never pruned');
      const samples = results.find((r) => r.set === 'ResourceUtilization')!;
      if (engine === 'postgres') assert.deepEqual(samples.droppedPartitions, ['ResourceUtilization_p202505']);
      else assert.deepEqual(samples.droppedPartitions, []);
    });
  }
});

describe('monitor-odata prune', () => {
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'monitor-odata-prune-'));
    db = join(dir, 'fleet.duckdb');
    await execFileAsync(process.execPath, ['bin/monitor-odata.js', 'generate', '--db', db, '--machines', '4', '--days', '3', '--seed', '3', '--end', '2025-06-02']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function counts(sets: string[]): Promise<number[]> {
    const store = await openDuckDbStore(db);
    try {
      return await Promise.all(sets.map((s) => count(store, `SELECT count(*) FROM "${s}" WHERE "${CUSTOMER_COLUMN}" IS NOT NULL`)));
    } finally {
      await store.close();
    }
  }

  test('--keep prunes only the sets it names, by their own age', async () => {
    const [summaries, machines] = await counts(['ResourceUtilizationSummary', 'Machines']);
    // Everything generated is from 2025: a day's retention empties the raw samples and nothing else.
    const { stdout } = await execFileAsync(process.execPath, ['bin/monitor-odata.js', 'prune', '--db', db, '--keep', 'ResourceUtilization=1d', '--json']);
    const result = JSON.parse(stdout);
    assert.deepEqual(result.sets.map((s: { set: string }) => s.set), ['ResourceUtilization']);
    assert.ok(result.deleted > 0);
    assert.deepEqual(await counts(['ResourceUtilization', 'ResourceUtilizationSummary', 'Machines']), [0, summaries, machines]);
  });

  test('--before prunes every set with history; bad input is refused with a message', async () => {
    const { stdout } = await execFileAsync(process.execPath, ['bin/monitor-odata.js', 'prune', '--db', db, '--before', CUTOFF, '--json']);
    const result = JSON.parse(stdout);
    assert.equal(result.sets.length, prunableSets(monitorModel).length);
    const store = await openDuckDbStore(db);
    try {
      assert.equal(await count(store, `SELECT count(*) FROM "ResourceUtilizationSummary" WHERE "SummaryDate" < TIMESTAMP '${CUTOFF} 00:00:00'`), 0);
      assert.ok((await count(store, `SELECT count(*) FROM "ResourceUtilizationSummary"`)) > 0);
    } finally {
      await store.close();
    }
    for (const [args, message] of [
      [['--older-than', '400'], /--older-than.*s, m, h, d or w/],
      [['--keep', 'Machines=30d'], /Machines keeps no history/],
      [[], /--older-than AGE, --before DATE or --keep SET=AGE/],
    ] as const) {
      await assert.rejects(execFileAsync(process.execPath, ['bin/monitor-odata.js', 'prune', '--db', db, ...args]), (e: { code: number; stderr: string }) => {
        assert.equal(e.code === 1 || e.code === 2, true);
        assert.match(e.stderr, message);
        return true;
      });
    }
  });
});
