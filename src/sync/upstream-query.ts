// The OData requests a mirror sends for one entity set: standard query options only, so any
// Monitor endpoint (Citrix Cloud, on-premises, another instance of this service) answers them.
import type { ChangeTracking } from './change-tracking.js';
import type { Checkpoint } from './sync-checkpoints.js';

function withOptions(set: string, options: Readonly<Record<string, string>>): string {
  const query = Object.entries(options).map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  return query.length === 0 ? set : `${set}?${query.join('&')}`;
}

/**
 * Rows changed since the checkpoint, oldest change first (ties in key order, nulls first as OData
 * orders them). After a finished walk only later changes are read; after an interrupted one the
 * rows at the checkpoint's instant are read again, since some of them may not be stored yet.
 */
export function changedRowsQuery(set: string, tracking: ChangeTracking, checkpoint: Checkpoint): string {
  if (tracking.kind === 'whole') return set;
  const options: Record<string, string> = {};
  if (checkpoint.through !== null) options.$filter = `${tracking.column} ${checkpoint.complete ? 'gt' : 'ge'} ${checkpoint.through}`;
  options.$orderby = [tracking.column, ...tracking.key].join(',');
  return withOptions(set, options);
}

/**
 * Rows whose change column is null: they never pass a later `gt` filter, so after the first walk
 * they are read again on every run (the Monitor database stamps nearly every row, so these are few).
 */
export function unstampedRowsQuery(set: string, tracking: ChangeTracking & { kind: 'column' }): string {
  return withOptions(set, { $filter: `${tracking.column} eq null`, $orderby: tracking.key.join(',') });
}
