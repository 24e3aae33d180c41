// Storing upstream pages in a mirror, on both engines: new rows are added, changed rows replace
// the stored ones (a change of case too), identical rows are left alone and not counted, and
// values of every EDM type arrive unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { monitorModel } from '../../src/model/model.js';
import type { EntityTypeDef, PropertyDef } from '../../src/model/types.js';
import { ensureSchema } from '../../src/store/ddl.js';
import { duckDbDialect, postgresDialect, type SqlDialect } from '../../src/store/dialect.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { pageWriter, type WritableStore } from '../../src/sync/page-upsert.js';
import { partitionKeeper } from '../../src/sync/page-partitions.js';
import { tempDb } from '../auth/auth-fixture.js';
import { freshDatabase } from '../support/postgres.js';

const CUSTOMER = 'mirror-customer';

/** A JSON value of a property's type, different for each `n`. */
function valueOf(p: PropertyDef, n: number): unknown {
  switch (p.type) {
    case 'Edm.Guid':
      return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    case 'Edm.String':
      return `Name ${n} 'quoted' "double" ünï`;
    case 'Edm.Boolean':
      return n % 2 === 0;
    case 'Edm.Int16':
    case 'Edm.Int32':
      return n;
    case 'Edm.Int64':
      return 1_000_000_000_000 + n;
    case 'Edm.Double':
      return n + 0.1;
    case 'Edm.DateTimeOffset':
      return `2026-0${1 + (n % 3)}-1${n % 10}T03:04:05.${String(123456 + n).slice(0, 6)}Z`;
    default:
      throw new Error(`no sample for ${p.type}`);
  }
}

function rowOf(type: EntityTypeDef, n: number): Record<string, unknown> {
  return Object.fromEntries(type.properties.map((p) => [p.name, valueOf(p, n)]));
}

interface Engine {
  readonly name: string;
  readonly dialect: SqlDialect;
  open(): Promise<{ store: WritableStore; close(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'duckdb',
    dialect: duckDbDialect,
    async open() {
      const db = tempDb('mirror.duckdb');
      const store = await db.open();
      return { store, close: () => db.remove() };
    },
  },
  {
    name: 'postgres',
    dialect: postgresDialect,
    async open() {
      const database = await freshDatabase();
      const store = await openPostgresStore(database.url);
      await ensureSchema(store, monitorModel, postgresDialect);
      return {
        store,
        async close() {
          await store.close();
          await database.drop();
        },
      };
    },
  },
];

for (const engine of engines) {
  describe(`page upsert on ${engine.name}`, () => {
    let opened: Awaited<ReturnType<Engine['open']>>;
    before(async () => {
      opened = await engine.open();
    });
    after(async () => opened?.close());

    const machine = monitorModel.entityType('Citrix.Monitor.Model.Machine');
    const store = () => opened.store;
    const upsert = (rows: Record<string, unknown>[]) => store().transaction(() => pageWriter(store(), monitorModel, machine, engine.dialect).write(CUSTOMER, rows));
    const stored = async () =>
      (await store().query({ sql: `SELECT "Id", "Name", "ModifiedDate", "IsInMaintenanceMode" FROM "Machines" WHERE "_customer_id" = $1 ORDER BY "Id"`, parameters: [CUSTOMER] })).rows;

    test('new rows are stored and counted; the same page again changes nothing', async () => {
      const rows = [rowOf(machine, 1), rowOf(machine, 2), rowOf(machine, 3)];
      assert.equal(await upsert(rows), 3);
      assert.equal(await upsert(rows), 0);
      const result = await stored();
      assert.equal(result.length, 3);
      assert.equal(result[0]![0], rows[0]!.Id);
      assert.equal(result[0]![1], rows[0]!.Name);
    });

    test('a changed row replaces the stored one, a change of case included, and only it is counted', async () => {
      const renamed = { ...rowOf(machine, 2), Name: rowOf(machine, 2).Name!.toString().toUpperCase() };
      assert.equal(await upsert([rowOf(machine, 1), renamed, rowOf(machine, 4)]), 2);
      const result = await stored();
      assert.deepEqual(result.map((r) => r[1]), [rowOf(machine, 1).Name, renamed.Name, rowOf(machine, 3).Name, rowOf(machine, 4).Name]);
    });

    test('every property of every type round-trips exactly', async () => {
      const row = rowOf(machine, 7);
      await upsert([row]);
      const columns = machine.properties.map((p) => `"${p.name}"`).join(', ');
      const back = (await store().query({ sql: `SELECT ${columns} FROM "Machines" WHERE "_customer_id" = $1 AND "Id" = $2`, parameters: [CUSTOMER, row.Id as string] })).rows[0]!;
      machine.properties.forEach((p, i) => {
        const value = back[i];
        // Instants come back as microseconds since the epoch; the page had ISO text.
        const expected = row[p.name];
        if (p.type === 'Edm.DateTimeOffset') {
          const [whole, fraction] = String(expected).replace('Z', '').split('.');
          assert.equal(value, BigInt(Date.parse(`${whole}Z`)) * 1000n + BigInt(fraction!.padEnd(6, '0')), p.name);
        } else if (p.type === 'Edm.Int64') assert.equal(Number(value), expected, p.name);
        else assert.equal(value, expected, p.name);
      });
    });

    test('members the model does not know are ignored and absent ones are null', async () => {
      const row: Record<string, unknown> = { Id: valueOf(machine.properties[0]!, 9), Name: 'sparse', '@odata.etag': 'W/"1"', Unknown: 5 };
      assert.equal(await upsert([row]), 1);
      const result = (await store().query({ sql: `SELECT "Name", "ModifiedDate" FROM "Machines" WHERE "_customer_id" = $1 AND "Id" = $2`, parameters: [CUSTOMER, row.Id as string] })).rows;
      assert.deepEqual(result, [['sparse', null]]);
    });

    if (engine.name === 'postgres') {
      test('samples of a month with no partition get one before they are stored', async () => {
        const type = monitorModel.entityType('Citrix.Monitor.Model.ResourceUtilization');
        const rows = [1, 2].map((n) => ({ ...rowOf(type, n), CollectedDate: `2031-0${n}-15T00:00:00Z` }));
        const writer = pageWriter(store(), monitorModel, type, engine.dialect);
        await store().transaction(async () => {
          await partitionKeeper(store(), monitorModel, type, engine.dialect)(rows);
          await writer.write(CUSTOMER, rows);
        });
        const where = (await store().query({ sql: `SELECT tableoid::regclass::text FROM "ResourceUtilization" WHERE "_customer_id" = $1 ORDER BY 1`, parameters: [CUSTOMER] })).rows.map((r) => r[0]);
        assert.deepEqual(where, ['"ResourceUtilization_p203101"', '"ResourceUtilization_p203102"']);
      });
    }
  });
}
