import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { addClient, checkCustomerId, listClients, removeClient, type ApiClient } from '../auth/api-clients.js';
import { META_TABLE } from '../store/ddl.js';
import { isPostgresUrl } from '../store/postgres/postgres-store.js';
import { databaseLocation, describeLocation, openStore, type EngineStore } from './engine.js';
import { hasCustomer } from '../store/meta.js';

type Output = (text: string) => void;

function outputOf(command: Command): { out: Output; err: Output } {
  const config = command.configureOutput();
  return {
    out: config.writeOut ?? ((text) => process.stdout.write(text)),
    err: config.writeErr ?? ((text) => process.stderr.write(text)),
  };
}

/**
 * Opens the file for `use`. Only the credential tables are created, never the model's; `list`
 * and `remove` refuse a missing file rather than leave an empty database behind a mistyped path.
 */
async function withStore<T>(db: string, mustExist: boolean, use: (store: EngineStore) => Promise<T>): Promise<T> {
  if (mustExist && !isPostgresUrl(db) && !existsSync(db)) throw new Error(`${db} does not exist`);
  let store: EngineStore;
  try {
    store = await openStore(db, { createSchema: false });
  } catch (e) {
    // DuckDB lets one process at a time write a file; a server holds it for as long as it runs.
    if (e instanceof Error && /Could not set lock|Conflicting lock/.test(e.message)) {
      throw new Error(`${db} is in use by another process (a running server?): stop it first`);
    }
    throw e;
  }
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Whether generate (or an ingest) has put this customer's data into the file. */
async function customerHasData(store: EngineStore, customerId: string): Promise<boolean> {
  const meta = await store.query({ sql: 'SELECT count(*) FROM information_schema.tables WHERE table_name = $1', parameters: [META_TABLE] });
  return Number(meta.rows[0][0]) > 0 && (await hasCustomer(store, customerId));
}

function describeClient(client: ApiClient): string {
  const state = client.revokedAt === null ? 'active' : `revoked ${client.revokedAt.toISOString()}`;
  return `${client.clientId}  customer ${client.customerId}  created ${client.createdAt.toISOString()}  ${state}`;
}

/** Runs an action, turning its failures into one line on stderr and exit code 1. */
function action<O>(run: (opts: O, output: { out: Output; err: Output }) => Promise<void>): (opts: O, command: Command) => Promise<void> {
  return async (opts, command) => {
    try {
      await run(opts, outputOf(command));
    } catch (e) {
      command.error(`error: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 1 });
    }
  };
}

function addCommand(): Command {
  return new Command('add')
    .description("create an API client for a customer and print its id and secret (the secret is shown only this once)")
    .requiredOption('--customer <id>', 'customer whose data the client may read')
    .option('--db <file|url>', 'DuckDB database file or postgres:// URL (default: DATABASE_URL)')
    .option('--json', 'print {"clientId","clientSecret"} as the last line, for scripts')
    .action(
      action<{ customer: string; db?: string; json?: boolean }>(async (opts, { out, err }) => {
        // Before the file is opened: a rejected id must not leave a new empty database behind.
        checkCustomerId(opts.customer);
        const { client, hasData } = await withStore(databaseLocation(opts.db), false, async (store) => ({
          client: await addClient(store, opts.customer),
          hasData: await customerHasData(store, opts.customer),
        }));
        if (!hasData) err(`note: ${describeLocation(databaseLocation(opts.db))} has no data for customer ${opts.customer} yet\n`);
        if (opts.json) {
          err('The client secret is shown only this once: only its hash is kept.\n');
          out(`${JSON.stringify({ clientId: client.clientId, clientSecret: client.clientSecret })}\n`);
          return;
        }
        out(
          [
            `customer:      ${opts.customer}`,
            `client id:     ${client.clientId}`,
            `client secret: ${client.clientSecret}`,
            'The client secret is shown only this once: only its hash is kept. Store it now.',
          ].join('\n') + '\n',
        );
      }),
    );
}

function listCommand(): Command {
  return new Command('list')
    .description('list API clients, revoked ones included (secrets are never shown)')
    .option('--db <file|url>', 'DuckDB database file or postgres:// URL (default: DATABASE_URL)')
    .option('--customer <id>', "only this customer's clients")
    .option('--json', 'print one JSON array')
    .action(
      action<{ db?: string; customer?: string; json?: boolean }>(async (opts, { out, err }) => {
        const clients = await withStore(databaseLocation(opts.db), true, (store) => listClients(store, opts.customer));
        if (opts.json) {
          out(`${JSON.stringify(clients)}\n`);
          return;
        }
        if (clients.length === 0) err(`no API clients${opts.customer === undefined ? '' : ` of customer ${opts.customer}`} in ${describeLocation(databaseLocation(opts.db))}\n`);
        for (const client of clients) out(`${describeClient(client)}\n`);
      }),
    );
}

function removeCommand(): Command {
  return new Command('remove')
    .description('revoke an API client: its secret and its tokens stop working')
    .option('--db <file|url>', 'DuckDB database file or postgres:// URL (default: DATABASE_URL)')
    .requiredOption('--client <id>', 'client id')
    .action(
      action<{ db?: string; client: string }>(async (opts, { out }) => {
        const found = await withStore(databaseLocation(opts.db), true, (store) => removeClient(store, opts.client));
        if (!found) throw new Error(`no API client ${opts.client} in ${describeLocation(databaseLocation(opts.db))}`);
        out(`client ${opts.client} revoked\n`);
      }),
    );
}

export function clientsCommand(): Command {
  return new Command('clients')
    .description('manage the API clients that exchange an id and a secret for access tokens')
    .addCommand(addCommand())
    .addCommand(listCommand())
    .addCommand(removeCommand());
}
