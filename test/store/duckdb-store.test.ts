import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBUUIDValue } from '@duckdb/node-api';
import { openDuckDbStore, type DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { QueryCancelledError, type RowValue } from '../../src/store/store.js';

describe('DuckDbStore', () => {
  let dir: string;
  let store: DuckDbStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'monitor-odata-store-'));
    store = await openDuckDbStore(join(dir, 'store.duckdb'));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('converts every type to the RowValue contract', async () => {
    const r = await store.query({
      sql: `SELECT '6F1E2D3C-1111-4222-8333-44445555666A'::UUID AS u, TIMESTAMP '2024-07-30 08:00:00.123456' AS ts,
        9007199254740993::BIGINT AS big, sum(x)::HUGEINT AS huge, 7::INTEGER AS i, 3::SMALLINT AS s, 200::UTINYINT AS b,
        1.5::DOUBLE AS d, 'héllo' AS v, true AS t, NULL::VARCHAR AS n, DATE '2025-05-06' AS dt,
        12.5::DECIMAL(38,10) AS dec, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS tz, NULL::UUID AS nu, NULL::TIMESTAMP AS nts
        FROM (VALUES (1), (2)) v(x)`,
      parameters: [],
    });
    assert.deepEqual(r.columns, ['u', 'ts', 'big', 'huge', 'i', 's', 'b', 'd', 'v', 't', 'n', 'dt', 'dec', 'tz', 'nu', 'nts']);
    assert.deepEqual(r.rows, [
      [
        '6f1e2d3c-1111-4222-8333-44445555666a',
        BigInt(Date.UTC(2024, 6, 30, 8)) * 1000n + 123456n,
        9007199254740993n,
        3n,
        7,
        3,
        200,
        1.5,
        'héllo',
        true,
        null,
        '2025-05-06',
        12.5,
        BigInt(Date.UTC(2024, 0, 1)) * 1000n,
        null,
        null,
      ],
    ]);
  });

  it('reads vectors fast and exactly like the per-value API, across chunks and with nulls', async () => {
    const sql = `SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE md5(i::VARCHAR)::UUID END AS u,
        CASE WHEN i % 5 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01' + to_microseconds(i * 1234567) END AS ts,
        CASE WHEN i % 3 = 0 THEN NULL ELSE (i * 0.5)::DOUBLE END AS d, CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 300)::SMALLINT END AS s,
        i::BIGINT * 1000000007 AS big, CASE WHEN i % 6 = 0 THEN NULL ELSE 'v' || i END AS v,
        CASE WHEN i % 11 = 0 THEN NULL ELSE DATE '2020-01-01' + (i % 1000)::INTEGER END AS dt, i % 2 = 0 AS bool
      FROM range(10000) t(i) ORDER BY i`;
    const fast = await store.query({ sql, parameters: [] });
    const reference = await store.connection.runAndReadAll(sql);
    const expected: RowValue[][] = reference.getRows().map((row) =>
      row.map((v) => {
        if (v === null) return null;
        if (v instanceof DuckDBUUIDValue) return v.toString();
        if (typeof v === 'object' && 'micros' in v) return (v as { micros: bigint }).micros;
        if (typeof v === 'object' && 'days' in v) return new Date((v as { days: number }).days * 86_400_000).toISOString().slice(0, 10);
        return v as RowValue;
      }),
    );
    assert.equal(fast.rows.length, 10000);
    assert.deepEqual(fast.rows, expected);
  });

  it('binds parameters by JS type, with casts in SQL', async () => {
    const r = await store.query({
      sql: `SELECT $1 || 'x', $2 + 1, $3 * 2, $4, $5 IS NULL, $6::TIMESTAMP, $7::UUID, $8 + 1, typeof($2), typeof($3), typeof($8)`,
      parameters: ['a', 41, 1.25, true, null, '2024-07-30T08:00:00Z', 'ad9e2d3d-44ac-49b0-a34b-7affb5ce3596', 5_000_000_000n],
    });
    assert.deepEqual(r.rows[0], [
      'ax',
      42,
      2.5,
      true,
      true,
      BigInt(Date.UTC(2024, 6, 30, 8)) * 1000n,
      'ad9e2d3d-44ac-49b0-a34b-7affb5ce3596',
      5_000_000_001n,
      'INTEGER',
      'DOUBLE',
      'BIGINT',
    ]);
    const big = await store.query({ sql: 'SELECT $1 + 1', parameters: [2 ** 40] });
    assert.equal(big.rows[0][0], 2n ** 40n + 1n);
  });

  it('reuses prepared statements with new parameters, and serves concurrent queries', async () => {
    const sql = 'SELECT i FROM range(100) t(i) WHERE i >= $1 ORDER BY i LIMIT 3';
    const results = await Promise.all(Array.from({ length: 20 }, (_, k) => store.query({ sql, parameters: [k] })));
    results.forEach((r, k) => assert.deepEqual(r.rows, [[BigInt(k)], [BigInt(k + 1)], [BigInt(k + 2)]]));
  });

  it('reports SQL errors and keeps working', async () => {
    await assert.rejects(store.query({ sql: 'SELECT * FROM no_such_table', parameters: [] }), /no_such_table/);
    const r = await store.query({ sql: 'SELECT 1', parameters: [] });
    assert.deepEqual(r.rows, [[1]]);
  });

  it('runs execute() in order and rolls a failed transaction back', async () => {
    await store.execute('CREATE TABLE t_tx (i INTEGER)');
    await Promise.all([store.execute('INSERT INTO t_tx VALUES (1)'), store.execute('INSERT INTO t_tx VALUES ($1)', [2])]);
    await assert.rejects(
      store.transaction(async () => {
        await store.execute('INSERT INTO t_tx VALUES (3)');
        throw new Error('boom');
      }),
      /boom/,
    );
    const r = await store.query({ sql: 'SELECT list(i ORDER BY i) FROM t_tx', parameters: [] });
    assert.equal(String(r.rows[0][0]), '[1, 2]');
  });

  it('refuses a second open of the same file in one process, and allows it after close', async () => {
    const path = join(dir, 'twice.duckdb');
    const first = await openDuckDbStore(path);
    await assert.rejects(openDuckDbStore(path), /already open/);
    await first.close();
    const again = await openDuckDbStore(path, { readOnly: true });
    await assert.rejects(again.execute('CREATE TABLE x (i INTEGER)'), /read-only/i);
    const r = await again.query({ sql: 'SELECT count(*) FROM "Machines"', parameters: [] });
    assert.deepEqual(r.rows, [[0n]]);
    await again.close();
  });

  it('reads 1,000-row pages of ResourceUtilization-shaped rows in full', async () => {
    await store.execute(`CREATE TABLE ru_pages AS SELECT md5((i % 2000)::VARCHAR)::UUID AS "MachineId",
      TIMESTAMP '2024-01-01' + to_minutes((i // 2000) * 5) AS "CollectedDate", (i % 1000) / 10.0 AS "PercentCpu",
      CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 100)::SMALLINT END AS "AvgIcaRttInMs"
      FROM range(100000) t(i)`);
    const sql = 'SELECT "MachineId", "PercentCpu", "AvgIcaRttInMs" FROM ru_pages WHERE "CollectedDate" >= $1::TIMESTAMP ORDER BY "CollectedDate", "MachineId" LIMIT 1000 OFFSET $2';
    let n = 0;
    let nulls = 0;
    for (let page = 0; page < 100; page++) {
      const { rows } = await store.query({ sql, parameters: ['2024-01-01T00:00:00Z', page * 1000] });
      n += rows.length;
      nulls += rows.filter((r) => r[2] === null).length;
    }
    assert.equal(n, 100_000);
    assert.equal(nulls, Math.ceil(100_000 / 3));
  });

  it('a statement asked again after a write sees the write (cached statements are prepared again)', async () => {
    await store.execute('CREATE TABLE t_plan (id VARCHAR, revoked TIMESTAMP)');
    await store.execute("INSERT INTO t_plan VALUES ('a', NULL), ('b', NULL)");
    const active = { sql: 'SELECT id FROM t_plan WHERE revoked IS NULL ORDER BY id', parameters: [] };
    assert.deepEqual((await store.query(active)).rows, [['a'], ['b']]);
    await store.execute("UPDATE t_plan SET revoked = TIMESTAMP '2025-01-01' WHERE id = $1", ['a']);
    assert.deepEqual((await store.query(active)).rows, [['b']]);
    await store.execute("INSERT INTO t_plan VALUES ('c', NULL)");
    assert.deepEqual((await store.query(active)).rows, [['b'], ['c']]);
  });

  it('a query whose signal fires is interrupted in the engine, and the store goes on answering', async () => {
    const slow = { sql: 'SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b WHERE a.range % 7 = $1', parameters: [3] };
    const started = performance.now();
    await assert.rejects(store.query(slow, { signal: AbortSignal.timeout(200) }), (e: Error) => e instanceof QueryCancelledError);
    // Interrupted, not run to its end (which takes minutes).
    assert.ok(performance.now() - started < 30_000);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(store.query({ sql: 'SELECT 1', parameters: [] }, { signal: aborted.signal }), (e: Error) => e instanceof QueryCancelledError);
    assert.deepEqual((await store.query({ sql: 'SELECT 42', parameters: [] })).rows, [[42]]);
  });
});
