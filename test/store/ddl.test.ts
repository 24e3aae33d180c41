import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CUSTOMER_COLUMN, monitorModel, tableOf } from '../../src/model/model.js';
import type { EdmPrimitive } from '../../src/model/types.js';
import { createTableSql, ensureSchema, META_TABLE, schemaStatements, tableDefs } from '../../src/store/ddl.js';
import { duckDbDialect } from '../../src/store/dialect.js';
import { rows, tempStore, type TempStore } from '../generate/fleet-fixture.js';

/** information_schema.columns.data_type for each EDM type. */
const expectedType: Record<EdmPrimitive, string> = {
  'Edm.Guid': 'UUID',
  'Edm.String': 'VARCHAR',
  'Edm.Boolean': 'BOOLEAN',
  'Edm.Byte': 'UTINYINT',
  'Edm.Int16': 'SMALLINT',
  'Edm.Int32': 'INTEGER',
  'Edm.Int64': 'BIGINT',
  'Edm.Double': 'DOUBLE',
  'Edm.Decimal': 'DECIMAL(38,10)',
  'Edm.DateTimeOffset': 'TIMESTAMP',
  'Edm.Date': 'DATE',
  'Edm.TimeOfDay': 'TIME',
  'Edm.Duration': 'INTERVAL',
};

describe('DDL from the model', () => {
  let t: TempStore;
  before(async () => {
    t = await tempStore();
  });
  after(async () => {
    await t.close();
  });

  it('creates one table per entity type, with every property as a column of the right type, order and nullability', async () => {
    const columns = await rows(
      t.store,
      `SELECT table_name, column_name, data_type, is_nullable, ordinal_position FROM information_schema.columns
       WHERE table_schema = 'main' ORDER BY table_name, ordinal_position`,
    );
    const byTable = new Map<string, (readonly unknown[])[]>();
    for (const c of columns) byTable.set(String(c[0]), [...(byTable.get(String(c[0])) ?? []), c]);
    assert.equal(monitorModel.types.size, 79);
    for (const type of monitorModel.types.values()) {
      const table = tableOf(monitorModel, type.name);
      const cols = byTable.get(table);
      assert.ok(cols, `table ${table} for ${type.name}`);
      assert.equal(cols.length, type.properties.length + 1, table);
      assert.deepEqual(cols[0].slice(1, 4), [CUSTOMER_COLUMN, 'VARCHAR', 'NO'], `${table} starts with the customer column`);
      type.properties.forEach((p, i) => {
        const [, name, dataType, nullable] = cols[i + 1];
        assert.equal(name, p.name, `${table} column ${i + 1}`);
        assert.equal(dataType, expectedType[p.type], `${table}.${p.name}`);
        assert.equal(nullable, p.nullable ? 'YES' : 'NO', `${table}.${p.name} nullability`);
      });
    }
    assert.ok(byTable.has(META_TABLE));
    assert.equal(byTable.size, monitorModel.types.size + 1);
  });

  it('every entity set has its table', () => {
    const names = new Set(tableDefs(monitorModel).map((d) => d.name));
    assert.equal(monitorModel.sets.length, 74);
    for (const set of monitorModel.sets) assert.ok(names.has(set.name), set.name);
  });

  it('declares strings case-insensitive and no primary keys', () => {
    for (const d of tableDefs(monitorModel)) {
      const sql = createTableSql(d);
      assert.doesNotMatch(sql, /PRIMARY KEY/);
      for (const p of d.entityType.properties) {
        if (p.type === 'Edm.String') assert.ok(sql.includes(`"${p.name}" VARCHAR COLLATE NOCASE`), `${d.name}.${p.name}`);
      }
    }
  });

  it('compares and orders strings case-insensitively, like SQL Server', async () => {
    await t.store.execute(
      `INSERT INTO "Users" ("${CUSTOMER_COLUMN}", "Id", "UserName") VALUES ('ddl-test', 1, 'Bob'), ('ddl-test', 2, 'alice'), ('ddl-test', 3, 'BOB')`,
    );
    const [[n]] = await rows(t.store, `SELECT count(*) FROM "Users" WHERE "${CUSTOMER_COLUMN}" = 'ddl-test' AND "UserName" = $1`, ['bob']);
    assert.equal(n, 2n);
    const ordered = await rows(t.store, `SELECT "UserName" FROM "Users" WHERE "${CUSTOMER_COLUMN}" = 'ddl-test' ORDER BY "UserName", "Id"`);
    assert.deepEqual(ordered.map((r) => r[0]), ['alice', 'Bob', 'BOB']);
    await t.store.execute(`DELETE FROM "Users" WHERE "${CUSTOMER_COLUMN}" = 'ddl-test'`);
  });

  it('is idempotent', async () => {
    await ensureSchema(t.store);
    await ensureSchema(t.store);
    assert.equal(schemaStatements(monitorModel).length, monitorModel.types.size + 1);
  });

  it('lets a dialect override type names without touching the rest', () => {
    const postgresLike = { ...duckDbDialect, name: 'postgres' as const, typeName: (type: EdmPrimitive) => (type === 'Edm.Double' ? 'DOUBLE PRECISION' : duckDbDialect.typeName(type)), stringCollation: 'COLLATE "case_insensitive"', declaresPrimaryKeys: true };
    const def = tableDefs(monitorModel, postgresLike).find((d) => d.name === 'ResourceUtilization');
    assert.ok(def);
    const sql = createTableSql(def, postgresLike);
    assert.match(sql, /"PercentCpu" DOUBLE PRECISION/);
    assert.match(sql, /PRIMARY KEY \("_customer_id", "MachineId", "CollectedDate"\)/);
  });
});
