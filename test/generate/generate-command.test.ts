import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { generateCommand } from '../../src/cli/generate-command.js';
import { openDuckDbStore } from '../../src/store/duckdb/duckdb-store.js';

async function run(args: readonly string[]): Promise<{ error?: CommanderError; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const command = generateCommand()
    .exitOverride()
    .configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => (stdout += s) });
  try {
    await command.parseAsync([...args, '--progress', 'none'], { from: 'user' });
    return { stderr, stdout };
  } catch (e) {
    if (e instanceof CommanderError) return { error: e, stderr, stdout };
    throw e;
  }
}

describe('generate command', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'monitor-odata-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects invalid arguments with a clear message and a non-zero exit code', async () => {
    const db = join(dir, 'bad.duckdb');
    for (const [args, message] of [
      [['--machines', 'many'], /--machines must be a non-negative integer/],
      [['--days', '1.5'], /--days must be a non-negative integer/],
      [['--machines', '0'], /machines must be an integer from 1/],
      [['--end', '2025-13-01'], /end must be a date YYYY-MM-DD/],
      [['--customer', 'bad id!'], /customer id must be/],
    ] as const) {
      const { error, stderr } = await run(['--db', db, ...args]);
      assert.ok(error, args.join(' '));
      assert.notEqual(error.exitCode, 0);
      assert.match(stderr, message);
    }
    const { error } = await run(['--machines', '3']);
    assert.match(String(error?.message), /--db/);
  });

  it('generates a fleet and prints a summary', async () => {
    const db = join(dir, 'ok.duckdb');
    const { error, stdout } = await run(['--db', db, '--machines', '6', '--days', '1', '--seed', '3', '--end', '2025-05-07', '--customer', 'cli-test']);
    assert.equal(error, undefined);
    assert.match(stdout, /customer cli-test: 2025-05-06 to 2025-05-07/);
    assert.match(stdout, /ResourceUtilization\s+[\d,]+/);
    const store = await openDuckDbStore(db, { readOnly: true });
    try {
      const r = await store.query({ sql: `SELECT count(*) FROM "Machines" WHERE _customer_id = 'cli-test'`, parameters: [] });
      assert.deepEqual(r.rows, [[6n]]);
    } finally {
      await store.close();
    }
  });
});
