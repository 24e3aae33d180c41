// `npm test`: one throwaway PostgreSQL server for the whole run (tests create a database each),
// then every test file with Node's runner, one file at a time. A PostgreSQL that cannot be
// installed or started fails the run with its reason; the tests never skip it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, stopWithProcess } from './postgres-server.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? testFiles(path) : path.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const files = process.argv.length > 2 ? process.argv.slice(2) : testFiles('test');
const server = await startPostgres();
stopWithProcess(server);
let status = 1;
try {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
    stdio: 'inherit',
    env: { ...process.env, MONITOR_ODATA_TEST_PG: server.url },
  });
  status = run.status ?? 1;
} finally {
  server.stop();
}
process.exit(status);
