// Temporary DuckDB files for the credential tests: a path that can be opened, closed and reopened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDbStore, type DuckDbStore, type DuckDbStoreOptions } from '../../src/store/duckdb/duckdb-store.js';

export interface TempDb {
  readonly path: string;
  open(options?: DuckDbStoreOptions): Promise<DuckDbStore>;
  /** Closes every store opened here that is still open and deletes the file. */
  remove(): Promise<void>;
}

export function tempDb(name = 'auth.duckdb'): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-odata-auth-'));
  const path = join(dir, name);
  const opened: DuckDbStore[] = [];
  return {
    path,
    async open(options) {
      const store = await openDuckDbStore(path, options);
      opened.push(store);
      return store;
    },
    async remove() {
      for (const store of opened) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
