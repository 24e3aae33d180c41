// PostgreSQL for tests: the server `npm test` started (its URL in MONITOR_ODATA_TEST_PG), or one
// started for this test process alone when a file runs by itself. Each caller gets a fresh database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgres, stopWithProcess, type PostgresServer } from '../../scripts/postgres-server.js';

let own: Promise<PostgresServer> | undefined;

/** The admin URL of the test server (the `postgres` database). */
async function adminUrl(): Promise<string> {
  const shared = process.env.MONITOR_ODATA_TEST_PG;
  if (shared) return shared;
  own ??= startPostgres().then((server) => {
    stopWithProcess(server);
    return server;
  });
  return (await own).url;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const admin = await adminUrl();
  const name = `test_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
