// Query fuzzing, the quick seeded run (issue 8): a few thousand requests from the fast-check grammar
// and mutations of the test and ABNF queries (test/support/query-fuzzer.ts), through inject and
// real HTTP, then the next links seen, as they are and with a tampered skiptoken. No 5xx, no hang,
// no crash, every 4xx an OData error with a message, every next link a 200 and every tampered one
// a 400. The long run is bench/fuzz.bench.ts.
//   FUZZ_COUNT=20000 FUZZ_SEED=7 node --import tsx --test test/fuzz/query-fuzz.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { monitorModel } from '../../src/model/model.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { failuresOf, formatReport, fuzzApp } from '../support/query-fuzzer.js';

const count = Number(process.env.FUZZ_COUNT ?? 3000);
const seed = Number(process.env.FUZZ_SEED ?? 20261201);
const QUERY_TIMEOUT_MS = 5000;

let fleet: Fleet;
let app: FastifyInstance;
before(async () => {
  fleet = await openFleet({ machines: 12, days: 2, postgres: false });
  app = await buildApp({ model: monitorModel, store: fleet.store, compiler: () => new DuckDbQueryCompiler(), access: noAuth(fleet.customerId), queryTimeoutMs: QUERY_TIMEOUT_MS, concurrencyPerCustomer: 8 });
});
after(async () => {
  await app?.close();
  await fleet?.close();
});

test(`${count} fuzzed queries (seed ${seed}): no 5xx, hang or crash; every 4xx an OData error; next links 200, tampered ones 400`, async () => {
  const report = await fuzzApp({ app, model: monitorModel, count, seed, httpShare: 0.2, concurrency: 4, hangMs: QUERY_TIMEOUT_MS + 5000, paging: 200 });
  assert.deepEqual(failuresOf(report).concat(report.pagingFindings), [], formatReport(report, 'quick fuzz'));
  assert.equal(report.tried - (report.bySource.get('next link followed') ?? 0) - (report.bySource.get('tampered skiptoken') ?? 0), count);
  // The grammar reaches the engine: a good share of the queries is valid.
  assert.ok((report.statuses.get(200) ?? 0) > count / 5, formatReport(report, 'quick fuzz'));
  assert.ok(report.nextLinks.length > 0, 'some answers had next links to tamper with');
});
