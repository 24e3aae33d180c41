// SIGTERM drains: `serve` stops taking connections, finishes the requests it is answering, closes
// the database cleanly (DuckDB folds its write-ahead log into the file) and exits 0.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { openDuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { startServe } from '../support/serve-process.js';

const execFileAsync = promisify(execFile);
let dir: string;
let db: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monitor-odata-shutdown-'));
  db = join(dir, 'fleet.duckdb');
  await execFileAsync(process.execPath, ['bin/monitor-odata.js', 'generate', '--db', db, '--machines', '30', '--days', '4', '--seed', '5', '--end', '2025-05-12', '--progress', 'none']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  readonly status?: number;
  readonly complete: boolean;
  readonly error?: string;
  readonly endedAt: number;
}

/** One request on its own connection: the body parsed as JSON tells a whole answer from a cut one. */
function request(url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false, headers: { connection: 'close' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', (e) => resolve({ status: response.statusCode, complete: false, error: (e as NodeJS.ErrnoException).code ?? e.message, endedAt: performance.now() }));
        response.on('end', () => {
          let complete = true;
          try {
            JSON.parse(Buffer.concat(chunks).toString());
          } catch {
            complete = false;
          }
          resolve({ status: response.statusCode, complete, endedAt: performance.now() });
        });
      })
      .on('error', (e) => resolve({ complete: false, error: (e as NodeJS.ErrnoException).code ?? e.message, endedAt: performance.now() }));
  });
}

test('SIGTERM finishes the requests in flight, refuses new connections, closes the database and exits 0', async () => {
  const server = await startServe(['--db', db, '--port', '0', '--auth', 'none', '--concurrency', '16', '--log-level', 'silent']);
  const url = `${server.url}/monitorodata/ResourceUtilization?$apply=compute(PercentCpu mul UsedMemory as x)/groupby((MachineId,DesktopGroupId),aggregate(x with average as a,PercentCpu with max as m))&$orderby=a desc`;
  const exited = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
  const outcomes: Outcome[] = [];
  let stopping = false;
  let killedAt = Infinity;
  // Eight clients asking one request after another until the server is gone.
  const clients = Array.from({ length: 8 }, async () => {
    for (;;) {
      const outcome = await request(encodeURI(url));
      outcomes.push(outcome);
      if (outcome.error !== undefined) return;
      if (stopping && outcomes.length > 400) return;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 600));
  killedAt = performance.now();
  stopping = true;
  server.child.kill('SIGTERM');
  await Promise.all(clients);
  assert.equal(await exited, 0, server.stderr());

  const answered = outcomes.filter((o) => o.status !== undefined);
  assert.ok(answered.length > 8, `only ${answered.length} answers before the stop`);
  for (const o of answered) assert.deepEqual([o.status, o.complete], [200, true], `an answer was cut or failed: ${JSON.stringify(o)}`);
  assert.ok(answered.some((o) => o.endedAt > killedAt), 'no request was still being answered when SIGTERM came');
  // Without an answer begun, a request was refused (no listener), or reset in the accept queue the server had closed.
  for (const o of outcomes.filter((o) => o.status === undefined)) assert.match(String(o.error), /ECONNREFUSED|ECONNRESET|socket hang up/, JSON.stringify(o));

  assert.equal(existsSync(`${db}.wal`), false, 'the write-ahead log was left behind');
  const store = await openDuckDbStore(db, { readOnly: true });
  try {
    const rows = await store.query({ sql: 'SELECT count(*) FROM "ResourceUtilization"', parameters: [] });
    assert.ok(Number(rows.rows[0]![0]) > 0);
  } finally {
    await store.close();
  }
});
