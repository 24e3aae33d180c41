// A walk reads the block after the one it pages through in the background (engines that read on
// threads of their own): the rows stay exactly the walk's rows, a block still being read is
// waited for rather than read twice, and a failed read falls back to the keyset.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { ResultCache } from '../../src/store/result-cache.js';
import type { CompiledQuery, QueryOptions, Store } from '../../src/store/store.js';
import { openFleet, type Fleet } from '../support/fleet.js';

const PAGE = 50;
/** A block statement asks for ten pages and one row more. */
const isBlock = (q: CompiledQuery) => q.sql.endsWith(`LIMIT ${PAGE * 10 + 1}`);

/**
 * The fleet's store, recording the blocks read (by where they start: a block whose bounded read
 * comes back short is read again wider, from the same start) and letting a test slow them down
 * or fail them.
 */
function spyStore(store: Store, change: { delayMs?: number; failBlock?: number } = {}) {
  const blocks: { start: string; request: number }[] = [];
  const state = { request: 0 };
  const spy: Store = {
    engine: store.engine,
    readsAheadInBackground: true,
    async query(query: CompiledQuery, options?: QueryOptions) {
      if (isBlock(query)) {
        const start = JSON.stringify(query.parameters.slice(1, 4));
        let index = blocks.findIndex((b) => b.start === start);
        if (index < 0) index = blocks.push({ start, request: state.request }) - 1;
        if (change.delayMs) await new Promise((r) => setTimeout(r, change.delayMs));
        if (index === change.failBlock) throw new Error('block read failed');
      }
      return store.query(query, options);
    },
    execute: (sql, parameters) => store.execute(sql, parameters),
    close: async () => undefined,
  };
  return { spy, blocks, state };
}

async function walk(app: FastifyInstance, state: { request: number }, url: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  let next: string | undefined = url;
  while (next) {
    state.request++;
    const response: { statusCode: number; body: string; json(): any } = await app.inject({ method: 'GET', url: next, headers: { prefer: `odata.maxpagesize=${PAGE}` } });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    rows.push(...body.value);
    next = body['@odata.nextLink'] && new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search;
  }
  return rows;
}

describe('reading the next block ahead', () => {
  let fleet: Fleet;
  let expected: unknown[];
  const url = '/monitorodata/ResourceUtilizationSummary?$select=MachineId,Granularity,SummaryDate,AvgPercentCpu';
  before(async () => {
    fleet = await openFleet({ postgres: false });
    // The walk's rows by plain SQL, in the set's order (SummaryDate, MachineId, Granularity).
    const rows = await fleet.sql(
      `SELECT MachineId::VARCHAR, Granularity, SummaryDate, AvgPercentCpu FROM ResourceUtilizationSummary WHERE _customer_id = $1 ORDER BY SummaryDate, MachineId, Granularity`,
      [fleet.customerId],
    );
    expected = rows.map(([id, granularity, date, cpu]) => [id, granularity, String(date), cpu]);
    assert.ok(expected.length > PAGE * 10 * 3, `the walk crosses several blocks (${expected.length} rows)`);
  });
  after(async () => {
    await fleet.close();
  });

  async function walkWith(change: { delayMs?: number; failBlock?: number }) {
    const { spy, blocks, state } = spyStore(fleet.store, change);
    // Prepared pages off, so that each statement belongs to the request that issued it.
    const app = await buildApp({ model: monitorModel, store: spy, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), preparedPages: { maxEntries: 0, ttlMs: 0 }, resultCache: { ...new ResultCache().limits } });
    try {
      const rows = (await walk(app, state, url)) as { MachineId: string; Granularity: number; SummaryDate: string; AvgPercentCpu: number }[];
      return { rows, blocks };
    } finally {
      await app.close();
    }
  }

  const asExpected = (rows: { MachineId: string; Granularity: number; SummaryDate: string; AvgPercentCpu: number }[]) =>
    rows.map((r) => [r.MachineId, r.Granularity, String(BigInt(Date.parse(r.SummaryDate)) * 1000n), r.AvgPercentCpu]);

  test('every row once, in order; the block after the first is read while the first is served', async () => {
    const { rows, blocks } = await walkWith({});
    assert.deepEqual(asExpected(rows), expected);
    // Page 2 reads the first block and starts the one after it; each later block is started a
    // whole block before the walk needs it (by the request that served the previous block's first page).
    assert.deepEqual(blocks.slice(0, 2).map((b) => b.request), [2, 2]);
    for (const [k, block] of blocks.entries()) if (k >= 2) assert.equal(block.request, 2 + 10 * (k - 1), `block ${k}`);
    const blocksNeeded = Math.ceil((expected.length - PAGE) / (PAGE * 10));
    assert.ok(blocks.length <= blocksNeeded + 1, `${blocks.length} block statements for ${blocksNeeded} blocks`);
  });

  test('a block still being read is waited for, not read again', async () => {
    const { rows, blocks } = await walkWith({ delayMs: 150 });
    assert.deepEqual(asExpected(rows), expected);
    const blocksNeeded = Math.ceil((expected.length - PAGE) / (PAGE * 10));
    assert.ok(blocks.length <= blocksNeeded + 1, `${blocks.length} block statements for ${blocksNeeded} blocks`);
  });

  test('a read ahead that fails leaves the walk to its keyset, with the same rows', async () => {
    const { rows } = await walkWith({ failBlock: 1 });
    assert.deepEqual(asExpected(rows), expected);
  });
});
