// PostgreSQL keeps time series in monthly partitions; rows of a month with no partition would
// land in the default one. Before a page is stored, the months it reaches get their partitions
// (once per month and run).
import { tableOf, type Model } from '../model/model.js';
import type { EntityTypeDef } from '../model/types.js';
import type { SqlDialect } from '../store/dialect.js';
import { ensureMonthlyPartitions, partitionColumnOfType } from '../store/postgres/physical-design.js';
import type { Store } from '../store/store.js';

export type PartitionKeeper = (rows: readonly Record<string, unknown>[]) => Promise<void>;

export function partitionKeeper(store: Pick<Store, 'execute'>, model: Model, type: EntityTypeDef, dialect: SqlDialect): PartitionKeeper {
  const column = dialect.name === 'postgres' ? partitionColumnOfType(model, type) : undefined;
  if (column === undefined) return async () => undefined;
  const table = tableOf(model, type.name);
  const months = new Set<string>();
  return async (rows) => {
    let low = Infinity;
    let high = -Infinity;
    let unseen = false;
    for (const row of rows) {
      const value = row[column];
      if (typeof value !== 'string') continue;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) continue;
      low = Math.min(low, ms);
      high = Math.max(high, ms);
      unseen ||= !months.has(value.slice(0, 7));
    }
    if (!unseen) return;
    await ensureMonthlyPartitions(store, table, BigInt(low) * 1000n, BigInt(high) * 1000n, model);
    for (let d = new Date(low); d.getTime() <= high; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) months.add(d.toISOString().slice(0, 7));
  };
}
