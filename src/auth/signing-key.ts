// The key that signs access tokens, kept in the database so that a restart (or a second server on
// the same PostgreSQL database, later) accepts the tokens already handed out. It is stored as it
// is: whoever can read the database can forge tokens, but can also read every customer's data.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import { ensureAuthTables, instantOf, SIGNING_KEYS_TABLE } from './auth-tables.js';

/** HS256 wants a key at least as long as its hash. */
const KEY_BYTES = 32;

export interface SigningKey {
  /** Carried in each token's header, so that keys can be rotated later without guessing. */
  readonly kid: string;
  readonly secret: Uint8Array<ArrayBuffer>;
}

/** The first key created (see auth-tables.ts for why the SQL does not sort). */
async function oldestKey(store: Store): Promise<SigningKey | undefined> {
  const result = await store.query({ sql: `SELECT kid, secret, created_at FROM "${SIGNING_KEYS_TABLE}"`, parameters: [] });
  const byAge = [...result.rows].sort((a, b) => Number(instantOf(a[2])) - Number(instantOf(b[2])) || (String(a[0]) < String(b[0]) ? -1 : 1));
  const row = byAge[0];
  if (row === undefined) return undefined;
  const secret = Buffer.from(String(row[1]), 'base64url');
  if (secret.length < KEY_BYTES) throw new Error(`signing key ${String(row[0])} in ${SIGNING_KEYS_TABLE} is shorter than ${KEY_BYTES} bytes`);
  return { kid: String(row[0]), secret: new Uint8Array(secret) };
}

/** The signing key, created with the first call on a database. */
export async function loadSigningKey(store: Store): Promise<SigningKey> {
  await ensureAuthTables(store);
  const existing = await oldestKey(store);
  if (existing !== undefined) return existing;
  // Inserted only into an empty table and read back oldest first, so that two openers racing to
  // create it settle on the same key.
  await store.execute(
    `INSERT INTO "${SIGNING_KEYS_TABLE}" (kid, secret, created_at)
     SELECT $1, $2, CAST($3 AS TIMESTAMP) WHERE NOT EXISTS (SELECT 1 FROM "${SIGNING_KEYS_TABLE}")`,
    [randomUUID(), randomBytes(KEY_BYTES).toString('base64url'), new Date().toISOString()],
  );
  const created = await oldestKey(store);
  if (created === undefined) throw new Error(`no signing key in ${SIGNING_KEYS_TABLE} after creating one`);
  return created;
}
