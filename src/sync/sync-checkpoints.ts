// Where each entity set of a mirror stands: written in the same transaction as the rows of each
// page, so after a crash the mirror and its checkpoint always agree.
import type { SqlDialect } from '../store/dialect.js';
import type { Store } from '../store/store.js';

export const CHECKPOINT_TABLE = '_sync_checkpoints';

export interface Checkpoint {
  /**
   * The change column's value on the last row stored, as the upstream wrote it (an OData
   * DateTimeOffset literal); null before the first non-null value.
   */
  readonly through: string | null;
  /** Whether the walk that reached `through` finished: then no row at `through` is still missing. */
  readonly complete: boolean;
  /** Rows stored (new or changed) for this set by every run so far. */
  readonly rows: number;
}

export const NO_CHECKPOINT: Checkpoint = { through: null, complete: false, rows: 0 };

export function createCheckpointTableSql(dialect: SqlDialect): string {
  return `CREATE TABLE IF NOT EXISTS ${dialect.quoteIdentifier(CHECKPOINT_TABLE)} (
  customer_id ${dialect.customerColumnType} NOT NULL,
  entity_set ${dialect.typeName('Edm.String')} NOT NULL,
  upstream ${dialect.typeName('Edm.String')} NOT NULL,
  through ${dialect.typeName('Edm.String')},
  complete BOOLEAN NOT NULL,
  rows_stored BIGINT NOT NULL,
  updated_at ${dialect.typeName('Edm.DateTimeOffset')} NOT NULL
)`;
}

export async function readCheckpoint(store: Pick<Store, 'query'>, customerId: string, entitySet: string): Promise<Checkpoint> {
  const result = await store.query({
    sql: `SELECT through, complete, rows_stored FROM "${CHECKPOINT_TABLE}" WHERE customer_id = $1 AND entity_set = $2`,
    parameters: [customerId, entitySet],
  });
  const row = result.rows[0];
  if (row === undefined) return NO_CHECKPOINT;
  return { through: row[0] === null ? null : String(row[0]), complete: row[1] === true, rows: Number(row[2]) };
}

/** Statements that replace a set's checkpoint; run them inside the page's transaction. */
export async function writeCheckpoint(
  store: Pick<Store, 'execute'>,
  customerId: string,
  entitySet: string,
  upstream: string,
  checkpoint: Checkpoint,
): Promise<void> {
  await store.execute(`DELETE FROM "${CHECKPOINT_TABLE}" WHERE customer_id = $1 AND entity_set = $2`, [customerId, entitySet]);
  await store.execute(
    `INSERT INTO "${CHECKPOINT_TABLE}" (customer_id, entity_set, upstream, through, complete, rows_stored, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS TIMESTAMP))`,
    [customerId, entitySet, upstream, checkpoint.through, checkpoint.complete, checkpoint.rows, new Date().toISOString().replace('Z', '')],
  );
}
