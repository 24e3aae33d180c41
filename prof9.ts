import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`ATTACH 'data/bench-2000x90.duckdb' AS src (READ_ONLY)`);
for (const rg of [122880, 16384]) {
  await c.run(`ATTACH '/tmp/rus${rg}.duckdb' AS d${rg} (ROW_GROUP_SIZE ${rg})`);
  await c.run(`CREATE OR REPLACE TABLE d${rg}.rus AS SELECT * FROM src.ResourceUtilizationSummary ORDER BY _customer_id, SummaryDate, MachineId, Granularity`);
}
const cust = '5b1d2c8e-0f3a-4e7b-9c6d-2a4f8e1b3c70';
const med = async (sql: string, p: any[]) => { const ts: number[] = []; for (let i = 0; i < 15; i++) { const t = performance.now(); const r = await c.runAndReadAll(sql, p); r.getRows(); ts.push(performance.now() - t); } ts.sort((a,b)=>a-b); return ts[7].toFixed(1); };
for (const rg of [122880, 16384]) {
  const sql = `SELECT * FROM d${rg}.rus t0 WHERE _customer_id = $1 AND SummaryDate >= $2::TIMESTAMP AND (SummaryDate > $2::TIMESTAMP OR (SummaryDate = $2::TIMESTAMP AND MachineId > $3::UUID)) AND SummaryDate <= $4::TIMESTAMP ORDER BY SummaryDate, MachineId, Granularity LIMIT 1001`;
  console.log(rg, 'bounded mid page', await med(sql, [cust, '2025-03-16 23:00:00', '80000000-0000-0000-0000-000000000000', '2025-03-17 01:00:00']));
  const sql2 = `SELECT * FROM d${rg}.rus t0 WHERE _customer_id = $1 AND SummaryDate >= $2::TIMESTAMP AND (SummaryDate > $2::TIMESTAMP OR (SummaryDate = $2::TIMESTAMP AND MachineId > $3::UUID)) ORDER BY SummaryDate, MachineId, Granularity LIMIT 1001`;
  console.log(rg, 'unbounded mid page', await med(sql2, [cust, '2025-03-16 23:00:00', '80000000-0000-0000-0000-000000000000']));
  console.log(rg, 'seed1 filter', await med(`SELECT * FROM d${rg}.rus WHERE _customer_id = $1 AND Granularity = 60 AND SummaryDate = $2::TIMESTAMP AND UptimeInMinutes > 0 ORDER BY SummaryDate, MachineId, Granularity LIMIT 1001`, [cust, '2025-05-09 08:00:00']));
  console.log(rg, 'full aggregation', await med(`SELECT MachineId, Granularity, avg(AvgPercentCpu) FROM d${rg}.rus WHERE _customer_id = $1 GROUP BY ALL`, [cust]));
}
