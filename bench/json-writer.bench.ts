// The JSON writer alone: ten real 1,000-row pages of ResourceUtilizationSummary (far apart, so the
// per-day caches see new instants), each written to bytes 300 times in turn; median ms per page.
// Usage: npx tsx bench/json-writer.bench.ts [--db data/bench-2000x90.duckdb] (run bench/query.bench.ts first to generate it)
import { parseArgs } from 'node:util';
import { DEFAULT_CUSTOMER_ID } from '../src/generate/defaults.js';
import { monitorModel } from '../src/model/model.js';
import { bindQuery } from '../src/odata/bind/query-binder.js';
import { writeCollection } from '../src/odata/format/json-writer.js';
import { parseQueryString, parseResourcePath } from '../src/odata/parse/index.js';
import { DuckDbQueryCompiler } from '../src/sql/duckdb-query-compiler.js';
import { lowerQuery } from '../src/sql/lower-query.js';
import { openDuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import type { PageRows } from '../src/store/run-plan.js';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'data/bench-2000x90.duckdb' }, rounds: { type: 'string', default: '300' } } });
const store = await openDuckDbStore(args.db!, { readOnly: true });
try {
  const query = bindQuery({ model: monitorModel, path: parseResourcePath('ResourceUtilizationSummary'), options: parseQueryString(''), now: 0n });
  const plan = lowerQuery({ model: monitorModel, customerId: DEFAULT_CUSTOMER_ID, query, paging: { pageSize: 1000, skiptoken: undefined }, compiler: () => new DuckDbQueryCompiler() });
  const pages: PageRows[] = [];
  for (let k = 0; k < 10; k++) {
    const sql = plan.query.sql.replace(/LIMIT \d+$/, `LIMIT 1000 OFFSET ${k * 400_000}`);
    const { rows } = await store.query({ sql, parameters: plan.query.parameters });
    pages.push({ rows, hasMore: true, count: undefined, children: new Map(), next: undefined });
  }
  const options = { metadata: 'minimal' as const, ieee754: false };
  const write = (i: number) => writeCollection({ context: 'http://host/monitorodata/$metadata#ResourceUtilizationSummary', page: pages[i % 10]!, entity: plan.entity, nextLink: 'http://host/monitorodata/ResourceUtilizationSummary?$skiptoken=x' }, { options, serviceRoot: 'http://host/monitorodata' });
  for (let i = 0; i < 50; i++) write(i);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < Number(args.rounds); i++) {
    const start = performance.now();
    const out: string | Buffer = write(i);
    // Earlier writers returned text, which the server then encoded.
    bytes = (typeof out === 'string' ? Buffer.from(out) : out).length;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`write a 1,000-row page of ResourceUtilizationSummary (${Math.round(bytes / 1024)} KB): median ${times[times.length >> 1]!.toFixed(2)} ms over ${times.length} writes`);
} finally {
  await store.close();
}
