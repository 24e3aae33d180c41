import { META_TABLE } from './ddl.js';
import type { Store } from './store.js';

/** Whether a complete fleet of this customer is in the database (generate records it on commit). */
export async function hasCustomer(store: Store, customerId: string): Promise<boolean> {
  const result = await store.query({ sql: `SELECT count(*) FROM "${META_TABLE}" WHERE customer_id = $1`, parameters: [customerId] });
  return Number(result.rows[0]![0]) > 0;
}
