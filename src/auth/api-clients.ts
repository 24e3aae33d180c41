// API clients: an id and a secret that a customer's scripts exchange for access tokens, as Citrix
// Cloud's API clients are. The secret is returned once by addClient() and only its hash is kept.
import { randomUUID } from 'node:crypto';
import { CUSTOMER_ID_PATTERN } from '../generate/defaults.js';
import type { RowValue, Store } from '../store/store.js';
import { API_CLIENTS_TABLE, ensureAuthTables, instantOf } from './auth-tables.js';
import { hashSecret, newSecret, secretMatches } from './secrets.js';

export interface ApiClient {
  readonly clientId: string;
  readonly customerId: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

const CLIENT_COLUMNS = 'client_id, customer_id, created_at, revoked_at';

function clientOf(row: readonly RowValue[]): ApiClient {
  return {
    clientId: String(row[0]),
    customerId: String(row[1]),
    createdAt: instantOf(row[2]),
    revokedAt: row[3] === null ? null : instantOf(row[3]),
  };
}

/** Throws unless the generator would accept this customer id, i.e. unless the customer can have data. */
export function checkCustomerId(customerId: string): void {
  if (!CUSTOMER_ID_PATTERN.test(customerId)) {
    throw new Error(`customer id must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit): ${JSON.stringify(customerId)}`);
  }
}

/** Creates a client of a customer; the secret is not kept and cannot be shown again. */
export async function addClient(store: Store, customerId: string): Promise<{ clientId: string; clientSecret: string }> {
  checkCustomerId(customerId);
  await ensureAuthTables(store);
  const clientId = randomUUID();
  const clientSecret = newSecret();
  await store.execute(
    `INSERT INTO "${API_CLIENTS_TABLE}" (client_id, customer_id, secret_hash, created_at) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP))`,
    [clientId, customerId, await hashSecret(clientSecret), new Date().toISOString()],
  );
  return { clientId, clientSecret };
}

/** Every client, in no particular order (see auth-tables.ts for why the SQL does not sort or filter). */
async function allClients(store: Store): Promise<ApiClient[]> {
  await ensureAuthTables(store);
  const result = await store.query({ sql: `SELECT ${CLIENT_COLUMNS} FROM "${API_CLIENTS_TABLE}"`, parameters: [] });
  return result.rows.map(clientOf);
}

/** Every client, or a customer's, oldest first; revoked ones too (with `revokedAt`). */
export async function listClients(store: Store, customerId?: string): Promise<ApiClient[]> {
  const clients = (await allClients(store)).filter((c) => customerId === undefined || c.customerId === customerId);
  return clients.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.clientId < b.clientId ? -1 : 1));
}

/**
 * Revokes a client: its secret no longer yields tokens and its tokens stop verifying. The row is
 * kept so that listings still show it. True when the client exists (revoked now or before).
 */
export async function removeClient(store: Store, clientId: string): Promise<boolean> {
  await ensureAuthTables(store);
  const found = await store.query({ sql: `SELECT client_id FROM "${API_CLIENTS_TABLE}" WHERE client_id = $1`, parameters: [clientId] });
  if (found.rows.length === 0) return false;
  await store.execute(
    `UPDATE "${API_CLIENTS_TABLE}" SET revoked_at = CAST($2 AS TIMESTAMP) WHERE client_id = $1 AND revoked_at IS NULL`,
    [clientId, new Date().toISOString()],
  );
  return true;
}

/** The active client whose secret this is, else undefined (unknown id, wrong secret, revoked). */
export async function verifyClientSecret(store: Store, clientId: string, secret: string): Promise<ApiClient | undefined> {
  await ensureAuthTables(store);
  const result = await store.query({
    sql: `SELECT ${CLIENT_COLUMNS}, secret_hash FROM "${API_CLIENTS_TABLE}" WHERE client_id = $1`,
    parameters: [clientId],
  });
  const row = result.rows[0];
  // Hashed even when there is no such client or it is revoked: every refusal takes as long.
  const matches = await secretMatches(secret, row === undefined ? undefined : String(row[4]));
  if (!matches) return undefined;
  const client = clientOf(row);
  return client.revokedAt === null ? client : undefined;
}

/** Client id to customer id of every client that is not revoked. */
export async function activeClientCustomers(store: Store): Promise<Map<string, string>> {
  const active = (await allClients(store)).filter((c) => c.revokedAt === null);
  return new Map(active.map((c) => [c.clientId, c.customerId]));
}
