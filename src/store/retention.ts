// Retention for long-lived databases (a mirror that keeps more history than its upstream): rows of
// the sets that record events or samples are deleted once their instant is older than a cutoff.
// Sets that describe things as they are now (machines, users, delivery groups, catalogs, ...) have
// no retention column and are never pruned.
import { CUSTOMER_COLUMN, tableOf, type Model } from '../model/model.js';
import type { EntitySetDef } from '../model/types.js';
import { sqlTimestampText } from '../edm/date-time.js';
import type { SqlDialect } from './dialect.js';
import { dropPartitionsBefore, monthlyPartitionColumn } from './postgres/physical-design.js';
import type { Store } from './store.js';

/** The instant each event or log set is pruned by; time series use their partition column instead. */
const EVENT_INSTANTS: Readonly<Record<string, string>> = {
  ApplicationActivitySummaries: 'SummaryDate',
  ApplicationErrors: 'ErrorReportedDate',
  ApplicationFaults: 'FaultReportedDate',
  ApplicationInstances: 'StartDate',
  ConnectionFailureLogs: 'FailureDate',
  Connections: 'LogOnStartDate',
  DesktopOSDesktopSummaries: 'SummaryDate',
  FailureLogSummaries: 'SummaryDate',
  LhcReport: 'StartDate',
  LoadIndexSummaries: 'SummaryDate',
  LoadIndexes: 'CreatedDate',
  LogOnMetrics: 'UserInitStartDate',
  LogOnSummaries: 'SummaryDate',
  MachineFailureLogs: 'FailureStartDate',
  MachineSummaries: 'SummaryDate',
  NotificationRuleParameterChangeLogs: 'ChangeTime',
  NotificationsLogs: 'NotificationStateChangeDate',
  ProbeLogDesktop: 'ProbeStartTime',
  ProbeLogs: 'ProbeStartTime',
  ProbeResultDesktop: 'CreatedDate',
  ProbeResults: 'CreatedDate',
  ServerOSDesktopSummaries: 'SummaryDate',
  SessionActivitySummaries: 'SummaryDate',
  SessionAutoReconnects: 'EventTimestamp',
  Sessions: 'StartDate',
  SpaApplications: 'LaunchTime',
  SpaEnumerations: 'StartTime',
  SpaSessions: 'StartTime',
  TaskLogs: 'RunDate',
};

/** The column old rows of `set` are found by, or undefined for sets that are never pruned. */
export function retentionColumn(model: Model, set: EntitySetDef): string | undefined {
  const column = monthlyPartitionColumn(model, set) ?? EVENT_INSTANTS[set.name];
  if (column === undefined) return undefined;
  const property = model.property(model.entityType(set.entityType), column);
  if (property?.type !== 'Edm.DateTimeOffset') throw new Error(`${set.name}: retention column ${column} is not a DateTimeOffset property`);
  return property.name;
}

/** Every set with a retention column, in model order. */
export function prunableSets(model: Model): readonly EntitySetDef[] {
  return model.sets.filter((set) => retentionColumn(model, set) !== undefined);
}

export interface PruneResult {
  readonly set: string;
  readonly column: string;
  readonly deleted: number;
  /** PostgreSQL partitions dropped whole (months entirely before the cutoff). */
  readonly droppedPartitions: readonly string[];
}

/**
 * Deletes the rows of `set` whose retention instant is before `beforeMicros` (of one customer, or
 * of all). On PostgreSQL, when all customers' rows go, the months wholly before the cutoff go as
 * partition drops, which free their space at once.
 */
export async function pruneSet(
  store: Store,
  dialect: SqlDialect,
  model: Model,
  set: EntitySetDef,
  beforeMicros: bigint,
  customerId?: string,
): Promise<PruneResult> {
  const column = retentionColumn(model, set);
  if (column === undefined) throw new Error(`${set.name} keeps no history to prune`);
  const q = dialect.quoteIdentifier;
  const table = tableOf(model, set.entityType);
  const where = `${q(column)} < CAST($1 AS TIMESTAMP)` + (customerId === undefined ? '' : ` AND ${q(CUSTOMER_COLUMN)} = $2`);
  const parameters = customerId === undefined ? [sqlTimestampText(beforeMicros)] : [sqlTimestampText(beforeMicros), customerId];
  const counted = await store.query({ sql: `SELECT count(*) FROM ${q(table)} WHERE ${where}`, parameters });
  const deleted = Number(counted.rows[0]![0]);
  let droppedPartitions: string[] = [];
  if (deleted > 0) {
    if (dialect.name === 'postgres' && customerId === undefined && monthlyPartitionColumn(model, set) !== undefined) {
      droppedPartitions = await dropPartitionsBefore(store, table, beforeMicros, model);
    }
    await store.execute(`DELETE FROM ${q(table)} WHERE ${where}`, parameters);
  }
  return { set: set.name, column, deleted, droppedPartitions };
}
