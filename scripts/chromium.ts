// Debian's Chromium for the browser tests and the dashboard benchmark: its executable path, after
// installing the package with apt-get when it is missing (root only), as postgres-server.ts does
// for PostgreSQL. A Chromium that cannot be found or installed is an error with its reason: the
// tests never skip it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';

const PACKAGE = 'chromium';
/** Where Debian's package puts it, then other names it goes by (an override first). */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function findChromium(): string | undefined {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override} does not exist`);
    return override;
  }
  return CANDIDATES.find((path) => existsSync(path));
}

/** The Chromium executable, installing Debian's `chromium` when none is found. */
export async function ensureChromium(): Promise<string> {
  const found = findChromium();
  if (found) return found;
  if (userInfo().uid !== 0) throw new Error(`Chromium not found (${CANDIDATES.join(', ')}): install it (apt-get install ${PACKAGE}) or set CHROMIUM_PATH`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', PACKAGE]]) {
    const run = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${run.status ?? run.signal}): Chromium is needed by the dashboard tests`);
  }
  const installed = findChromium();
  if (!installed) throw new Error(`${PACKAGE} installed, but no executable at ${CANDIDATES.join(', ')}`);
  return installed;
}

// `npx tsx scripts/chromium.ts` installs it ahead of a test run and prints its path.
if (import.meta.url === `file://${process.argv[1]}`) console.log(await ensureChromium());
