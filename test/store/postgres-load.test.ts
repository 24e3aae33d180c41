// Loading PostgreSQL from DuckDB: large empty tables are filled with their key and indexes dropped
// and rebuilt after; the rows, keys and indexes must come out as a plain load leaves them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { monitorModel } from '../../src/model/model.js';
import { ensureSchema } from '../../src/store/ddl.js';
import { postgresDialect } from '../../src/store/dialect.js';
import { loadFromDuckDb } from '../../src/store/postgres/load-from-duckdb.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openFleet, type Fleet } from '../support/fleet.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';

let fleet: Fleet;
let database: TestDatabase;
let bulk: PostgresStore;

before(async () => {
  fleet = await openFleet({ machines: 15, days: 2, postgres: false });
  database = await freshDatabase();
  bulk = await openPostgresStore(database.url);
  await ensureSchema(bulk, monitorModel, postgresDialect);
});

after(async () => {
  await bulk?.close();
  await database?.drop();
  await fleet?.close();
});

const catalog = `SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid WHERE t.relkind = 'p' OR (t.relkind = 'r' AND NOT t.relispartition) ORDER BY 1`;
const constraints = `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype IN ('p', 'u') AND conislocal ORDER BY 1, 2`;

test('a bulk load rebuilds every key and index, and holds every row', async () => {
  const indexesBefore = (await bulk.query({ sql: catalog, parameters: [] })).rows;
  const constraintsBefore = (await bulk.query({ sql: constraints, parameters: [] })).rows;
  assert.ok(indexesBefore.length > 100);
  // Every table with a row takes the drop-and-rebuild path.
  await loadFromDuckDb(fleet.store as never, bulk, { bulkRows: 1 });
  assert.deepEqual((await bulk.query({ sql: catalog, parameters: [] })).rows, indexesBefore);
  assert.deepEqual((await bulk.query({ sql: constraints, parameters: [] })).rows, constraintsBefore);
  for (const table of ['ResourceUtilization', 'ResourceUtilizationSummary', 'Sessions', 'Machines', 'SessionMetrics']) {
    const [[duck]] = await fleet.sql(`SELECT count(*) FROM "${table}"`);
    const [[pg]] = (await bulk.query({ sql: `SELECT count(*) FROM "${table}"`, parameters: [] })).rows;
    assert.equal(Number(pg), Number(duck), table);
  }
  // The rebuilt key still refuses a duplicate.
  await assert.rejects(bulk.execute('INSERT INTO "Machines" SELECT * FROM "Machines" LIMIT 1'), /duplicate key/);
});
