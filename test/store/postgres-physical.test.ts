// PostgreSQL's physical design on a generated fleet: the statements the server runs for keyset
// pages and date filters read index ranges (EXPLAIN), rows land in their monthly partitions, and
// retention drops whole months.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { noAuth } from '../../src/http/access.js';
import { buildApp } from '../../src/http/app.js';
import { CUSTOMER_COLUMN, monitorModel, tableOf } from '../../src/model/model.js';
import { bindQuery } from '../../src/odata/bind/query-binder.js';
import { parseQueryString, parseResourcePath } from '../../src/odata/parse/index.js';
import { DuckDbQueryCompiler } from '../../src/sql/duckdb-query-compiler.js';
import { encodePageToken } from '../../src/sql/keyset.js';
import { lowerQuery, type QueryPlan } from '../../src/sql/lower-query.js';
import { PostgresQueryCompiler } from '../../src/sql/postgres-query-compiler.js';
import type { QueryCompiler } from '../../src/sql/query-compiler.js';
import { createTableSql, ensureSchema, schemaStatements, tableDefs } from '../../src/store/ddl.js';
import { postgresDialect } from '../../src/store/dialect.js';
import { parameterValue } from '../../src/store/postgres/pg-values.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { dropPartitionsBefore, ensureMonthlyPartitions, indexName, keyConstraint, monthlyPartitionColumn, monthlyPartitionedTables, postgresIndexes } from '../../src/store/postgres/physical-design.js';
import type { CompiledQuery } from '../../src/store/store.js';
import { openFleet, walk, type Fleet } from '../support/fleet.js';
import { freshDatabase } from '../support/postgres.js';

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe('physical design from the model', () => {
  test('time series are partitioned by month of their time column', () => {
    const tables = monthlyPartitionedTables(monitorModel);
    assert.equal(tables.get('ResourceUtilization'), 'CollectedDate');
    assert.equal(tables.get('ResourceUtilizationSummary'), 'SummaryDate');
    assert.equal(tables.get('SessionMetrics'), 'CollectedDate');
    for (const set of monitorModel.sets) {
      const lead = monitorModel.entityType(set.entityType).properties.find((p) => p.name === set.order[0])!;
      if (lead.type === 'Edm.DateTimeOffset') assert.equal(tables.get(set.name), lead.name, `${set.name} leads its order with an instant`);
    }
    assert.ok(!tables.has('Sessions') && !tables.has('Machines'));
  });

  test('a partitioned key contains the partition column; a nullable one makes it UNIQUE, not PRIMARY KEY', () => {
    for (const [table, column] of monthlyPartitionedTables(monitorModel)) {
      const set = monitorModel.entitySet(table)!;
      const key = keyConstraint(monitorModel.entityType(set.entityType), monthlyPartitionColumn(monitorModel, set));
      assert.ok(key.columns.includes(column), table);
    }
    const metrics = keyConstraint(monitorModel.entityType('Citrix.Monitor.Model.SessionMetrics'), 'CollectedDate');
    assert.deepEqual(metrics, { kind: 'UNIQUE', columns: [CUSTOMER_COLUMN, 'Id', 'CollectedDate'] });
  });

  test("every set's default order is served by an index in the compiler's NULLS placement", () => {
    const indexes = postgresIndexes(monitorModel);
    for (const set of monitorModel.sets) {
      const table = tableOf(monitorModel, set.entityType);
      const type = monitorModel.entityType(set.entityType);
      const order = [CUSTOMER_COLUMN, ...set.order];
      const own = indexes.find((i) => i.table === table && i.columns.length >= order.length && order.every((c, n) => i.columns[n]!.name === c));
      const key = keyConstraint(type, monthlyPartitionColumn(monitorModel, set));
      // Without an index of its own, the key's (default placement) index leads with the order, whose columns cannot be NULL.
      const byKey = order.every((c, n) => key.columns[n] === c) && set.order.every((c) => key.kind === 'PRIMARY KEY' || !type.properties.find((p) => p.name === c)!.nullable);
      assert.ok(own !== undefined || byKey, `${set.name} order ${set.order.join(', ')}`);
    }
    const rus = indexes.find((i) => i.name === 'ResourceUtilizationSummary_order');
    assert.deepEqual(rus?.columns.map((c) => c.name), [CUSTOMER_COLUMN, 'SummaryDate', 'MachineId', 'Granularity']);
    assert.deepEqual(indexes.find((i) => i.name === 'Sessions_by_StartDate')?.columns, [{ name: CUSTOMER_COLUMN, nullsFirst: false }, { name: 'StartDate', nullsFirst: true }]);
  });

  test('index names are unique and fit in 63 bytes; nothing of it reaches DuckDB', () => {
    const names = postgresIndexes(monitorModel).map((i) => i.name);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.ok(Buffer.byteLength(name) <= 63, name);
    const long = indexName('T'.repeat(60), 'by_SomeField');
    assert.equal(Buffer.byteLength(long), 63);
    assert.notEqual(long, indexName('T'.repeat(60), 'by_OtherField'));
    const duck = schemaStatements(monitorModel).join('\n');
    assert.doesNotMatch(duck, /INDEX|PARTITION/);
    const postgres = schemaStatements(monitorModel, postgresDialect).join('\n');
    assert.match(postgres, /CREATE INDEX IF NOT EXISTS "ResourceUtilizationSummary_order" ON "ResourceUtilizationSummary" \("_customer_id", "SummaryDate", "MachineId", "Granularity"\)/);
    assert.match(postgres, /\) PARTITION BY RANGE \("SummaryDate"\)/);
  });

  test('the PostgreSQL compiler writes an ascending keyset over NOT NULL columns as a row comparison, DuckDB keeps the OR form', () => {
    const token = encodePageToken({ after: [micros('2025-04-30T08:00:00Z'), 'fb767745-7645-41e7-9212-12dcb093ca2b', 60], returned: 100, count: undefined, stride: undefined, block: undefined });
    const postgres = planOf('ResourceUtilizationSummary', `$skiptoken=${token}`, new PostgresQueryCompiler()).query.sql;
    assert.match(postgres, /\("t0"\."SummaryDate", "t0"\."MachineId", "t0"\."Granularity"\) > \(CAST\(\$\d+ AS TIMESTAMP\), CAST\(\$\d+ AS UUID\), CAST\(\$\d+ AS SMALLINT\)\)/);
    assert.match(postgres, /ORDER BY "t0"\."SummaryDate" ASC, "t0"\."MachineId" ASC, "t0"\."Granularity" ASC LIMIT/);
    const duck = planOf('ResourceUtilizationSummary', `$skiptoken=${token}`, new DuckDbQueryCompiler()).query.sql;
    assert.doesNotMatch(duck, /\) > \(/);
    assert.match(duck, /ORDER BY "t0"\."SummaryDate" ASC NULLS FIRST/);
    // A nullable ordering column keeps the OR form and SQL Server's NULLS placement.
    const nullable = encodePageToken({ after: [micros('2025-04-30T08:00:00Z'), '7361fd96-d9b4-4386-9fbe-cf1be4d2ee67'], returned: 100, count: undefined, stride: undefined, block: undefined });
    const sessions = planOf('Sessions', `$orderby=StartDate&$skiptoken=${nullable}`, new PostgresQueryCompiler()).query.sql;
    assert.doesNotMatch(sessions, /\) > \(/);
    assert.match(sessions, /ORDER BY "t0"\."StartDate" ASC NULLS FIRST, "t0"\."SessionKey" ASC LIMIT/);
  });
});

/** The statements the server runs for a request (as bench/query.bench.ts's sqlOf lowers them). */
function planOf(path: string, query: string, compiler: QueryCompiler, pageSize = 1000, customerId = 'c'): QueryPlan {
  const options = parseQueryString(query);
  const bound = bindQuery({ model: monitorModel, path: parseResourcePath(path), options, now: BigInt(Date.now()) * 1000n });
  return lowerQuery({ model: monitorModel, customerId, query: bound, paging: { pageSize, skiptoken: options.skiptoken?.value }, compiler: () => compiler });
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly 'Scan Direction'?: string;
  readonly 'Presorted Key'?: readonly string[];
  readonly Plans?: readonly PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan']);

/** Every scan below `node` reads an index range bounded on `column` at both ends (an equality bounds both). */
function readsIndexRange(node: PlanNode, column: string): boolean {
  const scans = nodesOf(node).filter((n) => n['Node Type'].endsWith('Scan') && n['Node Type'] !== 'Bitmap Heap Scan');
  const from = new RegExp(`"${column}" (>=|>|=) |ROW\\("${column}"`);
  const to = new RegExp(`"${column}" (<=|<|=) `);
  return scans.length > 0 && scans.every((s) => INDEX_SCANS.has(s['Node Type']) && from.test(s['Index Cond'] ?? '') && to.test(s['Index Cond'] ?? ''));
}

describe('a PostgreSQL database whose tables predate partitioning', () => {
  test('keeps its plain tables through ensureSchema, gets the indexes, and retention deletes', async () => {
    const database = await freshDatabase();
    const store = await openPostgresStore(database.url);
    try {
      // ResourceUtilization as the DDL before partitioning created it.
      const def = tableDefs(monitorModel, postgresDialect).find((d) => d.name === 'ResourceUtilization')!;
      await store.execute(createTableSql({ ...def, partitionColumn: undefined }, postgresDialect));
      await ensureSchema(store, monitorModel, postgresDialect);
      const plain = await store.query({ sql: `SELECT relkind::text, (SELECT count(*)::int FROM pg_indexes WHERE tablename = 'ResourceUtilization') FROM pg_class WHERE oid = '"ResourceUtilization"'::regclass`, parameters: [] });
      assert.deepEqual(plain.rows, [['r', 3]], 'a plain table with its key, order and DesktopGroupId indexes');
      await store.execute(`INSERT INTO "ResourceUtilization" ("${CUSTOMER_COLUMN}", "MachineId", "CollectedDate") VALUES ('c', gen_random_uuid(), '2025-04-10'), ('c', gen_random_uuid(), '2025-05-10')`);
      await ensureMonthlyPartitions(store, 'ResourceUtilization', micros('2025-04-10T00:00:00Z'), micros('2025-05-10T00:00:00Z'));
      assert.deepEqual(await dropPartitionsBefore(store, 'ResourceUtilization', micros('2025-05-01T00:00:00Z')), []);
      const left = await store.query({ sql: `SELECT "CollectedDate" FROM "ResourceUtilization"`, parameters: [] });
      assert.deepEqual(left.rows, [[micros('2025-05-10T00:00:00Z')]]);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});

describe('PostgreSQL plans and partitions on a generated fleet', () => {
  let fleet: Fleet;
  let client: pg.Client;
  /** Spans two months (29 April to 2 May), so that a table has two monthly partitions. */
  const end = '2025-05-03';

  before(async () => {
    fleet = await openFleet({ machines: 60, days: 4, end });
    client = new pg.Client({ connectionString: fleet.postgres!.store.url, options: '-c TimeZone=UTC' });
    await client.connect();
    // A test fleet's tables are a few pages, where a sequential scan is the right plan. Without
    // it the planner still chooses among index scans and sorts by cost: it sorts when no index
    // serves the order, and filters when no index serves the condition, which is what is checked.
    await client.query('SET enable_seqscan = off');
  });
  after(async () => {
    await client?.end();
    await fleet?.close();
  });

  /** EXPLAIN's plan, index names of partitions mapped to the partitioned index they belong to. */
  async function explain(query: CompiledQuery): Promise<PlanNode> {
    const result = await client.query(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.parameters.map(parameterValue));
    const plan = result.rows[0]['QUERY PLAN'][0].Plan as PlanNode;
    const parents = new Map<string, string>();
    for (const node of nodesOf(plan)) {
      const name = node['Index Name'];
      if (name === undefined || parents.has(name)) continue;
      const root = await client.query(`SELECT relname FROM pg_class WHERE oid = coalesce(pg_partition_root(to_regclass(quote_ident($1))), to_regclass(quote_ident($1)))`, [name]);
      parents.set(name, root.rows[0].relname);
    }
    const rename = (node: PlanNode): PlanNode => ({ ...node, 'Index Name': node['Index Name'] && parents.get(node['Index Name']), Plans: node.Plans?.map(rename) });
    return rename(plan);
  }

  async function partitionsOf(table: string): Promise<string[]> {
    const result = await client.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(quote_ident($1)) ORDER BY 1`, [table]);
    return result.rows.map((r) => r.relname);
  }

  const pgPlan = (path: string, query: string, pageSize = 100) => planOf(path, query, new PostgresQueryCompiler(), pageSize, fleet.customerId);

  /** A keyset statement: reads `index`, no sequential scan, and sorts (if at all) only an index range bounded on the leading column. */
  async function assertKeysetPlan(label: string, query: CompiledQuery, index: string, lead: string): Promise<PlanNode> {
    const plan = await explain(query);
    const nodes = nodesOf(plan);
    const shown = JSON.stringify(plan, null, 1);
    assert.ok(nodes.some((n) => INDEX_SCANS.has(n['Node Type']) && n['Index Name'] === index), `${label}: reads ${index}\n${shown}`);
    assert.ok(!nodes.some((n) => n['Node Type'] === 'Seq Scan'), `${label}: no sequential scan\n${shown}`);
    for (const sort of nodes.filter((n) => n['Node Type'] === 'Sort')) assert.ok(readsIndexRange(sort, lead), `${label}: a sort only over an index range of ${lead}\n${shown}`);
    return plan;
  }

  /** The next link after `pages` pages of `maxpagesize=100`, followed on the PostgreSQL app. */
  async function deepLinkQuery(path: string, query: string, pages: number): Promise<string> {
    let url = `/monitorodata/${path}${query ? `?${query}` : ''}`;
    for (let i = 0; i < pages; i++) {
      const response = await fleet.postgres!.app.inject({ method: 'GET', url, headers: { prefer: 'odata.maxpagesize=100' } });
      const link = JSON.parse(response.body)['@odata.nextLink'];
      assert.ok(link, `page ${i + 1} of ${path} has a next link`);
      url = new URL(link).pathname + new URL(link).search;
    }
    // planOf lowers the query as the handler does once it has checked the token's seal: without it.
    return decodeURIComponent(url.slice(url.indexOf('?') + 1)).replace(/(\$skiptoken=[^&.]*)\.[^&]*/, '$1');
  }

  test('ResourceUtilizationSummary page 1 walks the order index of each partition, unsorted', async () => {
    const plan = await assertKeysetPlan('page 1', pgPlan('ResourceUtilizationSummary', '').query, 'ResourceUtilizationSummary_order', 'SummaryDate');
    assert.ok(!nodesOf(plan).some((n) => n['Node Type'].endsWith('Sort')), 'no sort at all on page 1');
  });

  test('a deep next-link page of ResourceUtilizationSummary starts the index range at the row comparison', async () => {
    const plan = pgPlan('ResourceUtilizationSummary', await deepLinkQuery('ResourceUtilizationSummary', '', 30));
    const page = await assertKeysetPlan('deep page', plan.query, 'ResourceUtilizationSummary_order', 'SummaryDate');
    const scan = nodesOf(page).find((n) => n['Index Name'] === 'ResourceUtilizationSummary_order')!;
    assert.match(scan['Index Cond']!, /ROW\("SummaryDate", "MachineId", "Granularity"\) > ROW\(/);
    assert.ok(plan.block, 'a walk reads ahead');
    await assertKeysetPlan('read-ahead block', plan.block.query, 'ResourceUtilizationSummary_order', 'SummaryDate');
    // Without a probable end (the last fallback), the order index still serves the ORDER BY.
    const unbounded = await explain(plan.widerQueries[plan.widerQueries.length - 1]!);
    assert.ok(!nodesOf(unbounded).some((n) => n['Node Type'].endsWith('Sort') || n['Node Type'] === 'Seq Scan'), JSON.stringify(unbounded));
  });

  test('Sessions ordered by StartDate descending reads its index backward (only ties sorted by key)', async () => {
    const plan = await assertKeysetPlan('Sessions desc', pgPlan('Sessions', '$orderby=StartDate desc').query, 'Sessions_by_StartDate', 'StartDate');
    const nodes = nodesOf(plan);
    assert.ok(nodes.some((n) => n['Index Name'] === 'Sessions_by_StartDate' && n['Scan Direction'] === 'Backward'));
    for (const sort of nodes.filter((n) => n['Node Type'] === 'Incremental Sort')) assert.deepEqual(sort['Presorted Key'], ['"StartDate"']);
  });

  test('an hour of hourly summaries is an index range', async () => {
    const hour = `${end.slice(0, 8)}01T08:00:00Z`;
    const plan = await assertKeysetPlan('hourly filter', pgPlan('ResourceUtilizationSummary', `$filter=Granularity eq 60 and SummaryDate eq ${hour}`).query, 'ResourceUtilizationSummary_order', 'SummaryDate');
    const scan = nodesOf(plan).find((n) => n['Index Name'] === 'ResourceUtilizationSummary_order')!;
    assert.match(scan['Index Cond']!, /"SummaryDate" = '2025-05-01 08:00:00'/);
  });

  test('a day of connection failures is an index range on FailureDate', async () => {
    const query = pgPlan('ConnectionFailureLogs', '$filter=FailureDate ge 2025-04-30T00:00:00Z and FailureDate le 2025-05-01T00:00:00Z').query;
    const plan = await assertKeysetPlan('failures of a day', query, 'ConnectionFailureLogs_by_FailureDate', 'FailureDate');
    assert.ok(nodesOf(plan).some((n) => n['Index Name'] === 'ConnectionFailureLogs_by_FailureDate' && readsIndexRange(n, 'FailureDate')));
  });

  test('a walk on PostgreSQL paged by keyset alone (no read-ahead) returns what DuckDB returns', async () => {
    const app = await buildApp({ model: monitorModel, store: fleet.postgres!.store, compiler: () => new PostgresQueryCompiler(), access: noAuth(fleet.customerId), resultCache: { ttlMs: 60_000, maxRowsPerEntry: 0, maxTotalRows: 0 }, preparedPages: { maxEntries: 0, ttlMs: 60_000 } });
    try {
      const url = '/monitorodata/ResourceUtilizationSummary?$select=MachineId,Granularity,SummaryDate';
      const headers = { Prefer: 'odata.maxpagesize=250' };
      /** The fleet, but its requests answered by `server` alone. */
      const on = (server: FastifyInstance): Fleet => ({
        ...fleet,
        get: async (u, h = {}) => {
          const r = await server.inject({ method: 'GET', url: u, headers: h });
          return { status: r.statusCode, body: JSON.parse(r.body), headers: r.headers, text: r.body };
        },
      });
      const keyset = await walk(on(app), url, headers);
      const duck = await walk(on(fleet.app), url, headers);
      assert.ok(keyset.pages > 10);
      assert.deepEqual(keyset.rows, duck.rows);
    } finally {
      await app.close();
    }
  });

  test('every row is in the partition of its month, none in DEFAULT, and as many per month as DuckDB holds', async () => {
    let months = 0;
    for (const [table, column] of monthlyPartitionedTables(monitorModel)) {
      const landed = await client.query(
        `SELECT c.relname AS partition, to_char("${column}", 'YYYYMM') AS month, count(*)::int AS n FROM "${table}" t JOIN pg_class c ON c.oid = t.tableoid GROUP BY 1, 2 ORDER BY 2`,
      );
      for (const row of landed.rows) assert.equal(row.partition, `${table}_p${row.month}`, `${table}: ${row.n} rows of ${row.month}`);
      const expected = await fleet.sql(`SELECT strftime("${column}", '%Y%m') AS month, count(*) FROM "${table}" GROUP BY 1 ORDER BY 1`);
      assert.deepEqual(landed.rows.map((r) => [r.month, r.n]), expected.map(([month, n]) => [month, Number(n)]), table);
      const fallback = await client.query(`SELECT count(*)::int AS n FROM "${table}_default"`);
      assert.equal(fallback.rows[0].n, 0, `${table}_default is empty`);
      if (table === 'ResourceUtilizationSummary') months = landed.rows.length;
    }
    assert.equal(months, 2, 'the fleet spans April and May');
  });

  test('a month created after its rows arrived takes them over from DEFAULT', async () => {
    const store = fleet.postgres!.store;
    const insert = (iso: string) =>
      client.query(`INSERT INTO "ResourceUtilizationSummary" ("${CUSTOMER_COLUMN}", "MachineId", "Granularity", "SummaryDate") VALUES ('physical-test', gen_random_uuid(), 60, $1)`, [iso]);
    const where = async (iso: string) => (await client.query(`SELECT tableoid::regclass::text AS p FROM "ResourceUtilizationSummary" WHERE "${CUSTOMER_COLUMN}" = 'physical-test' AND "SummaryDate" = $1`, [iso])).rows.map((r) => r.p);
    await insert('2025-07-15 10:00:00');
    assert.deepEqual(await where('2025-07-15 10:00:00'), ['"ResourceUtilizationSummary_default"']);
    await ensureMonthlyPartitions(store, 'ResourceUtilizationSummary', micros('2025-06-20T00:00:00Z'), micros('2025-07-15T10:00:00Z'));
    const all = ['ResourceUtilizationSummary_default', 'ResourceUtilizationSummary_p202504', 'ResourceUtilizationSummary_p202505', 'ResourceUtilizationSummary_p202506', 'ResourceUtilizationSummary_p202507'];
    assert.deepEqual(await partitionsOf('ResourceUtilizationSummary'), all);
    assert.deepEqual(await where('2025-07-15 10:00:00'), ['"ResourceUtilizationSummary_p202507"']);
    // Idempotent.
    await ensureMonthlyPartitions(store, 'ResourceUtilizationSummary', micros('2025-07-01T00:00:00Z'), micros('2025-07-31T23:59:59Z'));
    assert.deepEqual(await partitionsOf('ResourceUtilizationSummary'), all);
    await assert.rejects(ensureMonthlyPartitions(store, 'Sessions', 0n, 1n), /not partitioned/);
    // A row from long before any partition waits in DEFAULT for the retention below.
    await insert('1999-12-31 23:00:00');
    assert.deepEqual(await where('1999-12-31 23:00:00'), ['"ResourceUtilizationSummary_default"']);
  });

  test('dropping the partitions before May removes exactly the rows before May', async () => {
    const store = fleet.postgres!.store;
    const count = async (condition: string) => (await client.query(`SELECT count(*)::int AS n FROM "ResourceUtilizationSummary" WHERE ${condition}`)).rows[0].n as number;
    const before = await count(`"SummaryDate" < '2025-05-01'`);
    const kept = await count(`"SummaryDate" >= '2025-05-01'`);
    assert.ok(before > 0 && kept > 0);
    const dropped = await dropPartitionsBefore(store, 'ResourceUtilizationSummary', micros('2025-05-17T12:00:00Z'));
    assert.deepEqual(dropped, ['ResourceUtilizationSummary_p202504']);
    assert.equal(await count(`"SummaryDate" < '2025-05-01'`), 0);
    assert.equal(await count(`"SummaryDate" >= '2025-05-01'`), kept);
    assert.deepEqual(await partitionsOf('ResourceUtilizationSummary'), ['ResourceUtilizationSummary_default', 'ResourceUtilizationSummary_p202505', 'ResourceUtilizationSummary_p202506', 'ResourceUtilizationSummary_p202507']);
    assert.deepEqual(await dropPartitionsBefore(store, 'ResourceUtilizationSummary', micros('2025-05-01T00:00:00Z')), []);
  });
});
