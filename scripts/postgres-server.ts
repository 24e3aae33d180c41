// A throwaway PostgreSQL server for tests and benchmarks: installed from Debian's packages when its
// binaries are missing, initialised in a temporary directory (as the `postgres` user when running
// as root, as initdb requires), listening on 127.0.0.1 on a free port, removed when stopped.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/cli/free-port.js';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  readonly url: string;
  readonly port: number;
  /** Stops the server and removes its files; later calls do nothing. */
  stop(): void;
}

const PACKAGE = 'postgresql-15';

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : undefined;
}

/** The server binaries, installing Debian's package when they are missing (root only). */
export function postgresBinaries(): string {
  let dir = binDir();
  if (dir) return dir;
  if (userInfo().uid !== 0) throw new Error(`PostgreSQL server binaries not found under /usr/lib/postgresql: install ${PACKAGE} (apt-get install ${PACKAGE})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', PACKAGE]]) {
    const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${run.status}): PostgreSQL is needed by the PostgreSQL tests`);
  }
  dir = binDir();
  if (!dir) throw new Error(`${PACKAGE} installed, but no initdb under /usr/lib/postgresql`);
  return dir;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinaries();
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-pg-'));
  const data = join(dir, 'data');
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const as = (command: string, args: string[]) => (root ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]) as [string, string[]];
  const run = (command: string, args: string[]) => {
    const [file, argv] = as(command, args);
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
  };
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C.UTF-8']);
  const port = await freePort();
  // Tuned for throwaway test data: nothing needs to survive a crash.
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB`;
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', 'start']);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Stops the server when this process is interrupted or ends, so no server outlives the run that started it. */
export function stopWithProcess(server: PostgresServer): void {
  const stop = () => server.stop();
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
}
