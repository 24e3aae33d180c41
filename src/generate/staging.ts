// Temporary working tables of one generation run (connection-local, dropped at the end): the
// machine parameters and power windows decided in JS, and the failure-code distribution.
import type { DuckDBAppender } from '@duckdb/node-api';
import type { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import { connectionFailureWeights } from './enums.js';
import type { FleetPlan, MachinePlan } from './plan.js';
import { MACRO_NAMES } from './sql-context.js';

/** Staging columns of `_g_machine`, with the MachinePlan field each one holds. */
const MACHINE_COLUMNS: readonly (readonly [column: string, type: string, field: keyof MachinePlan])[] = [
  ['midx', 'INTEGER', 'midx'],
  ['id', 'UUID', 'id'],
  ['name', 'VARCHAR', 'name'],
  ['dns_name', 'VARCHAR', 'dnsName'],
  ['sid', 'VARCHAR', 'sid'],
  ['ip_address', 'VARCHAR', 'ipAddress'],
  ['hosted_machine_id', 'VARCHAR', 'hostedMachineId'],
  ['hosting_server_name', 'VARCHAR', 'hostingServerName'],
  ['hosted_machine_name', 'VARCHAR', 'hostedMachineName'],
  ['agent_version', 'VARCHAR', 'agentVersion'],
  ['os_type', 'VARCHAR', 'osType'],
  ['dgid', 'UUID', 'desktopGroupId'],
  ['catalog_id', 'UUID', 'catalogId'],
  ['hypervisor_id', 'UUID', 'hypervisorId'],
  ['role', 'INTEGER', 'role'],
  ['schedule', 'INTEGER', 'schedule'],
  ['multi', 'BOOLEAN', 'multiSession'],
  ['capacity', 'INTEGER', 'capacity'],
  ['mem', 'DOUBLE', 'memoryBytes'],
  ['cpu_base', 'DOUBLE', 'cpuBase'],
  ['cpu_per_session', 'DOUBLE', 'cpuPerSession'],
  ['mem_base', 'DOUBLE', 'memoryBase'],
  ['mem_per_session', 'DOUBLE', 'memoryPerSession'],
  ['rtt_base', 'INTEGER', 'rttBase'],
  ['maintenance', 'BOOLEAN', 'maintenance'],
  ['fault_state', 'INTEGER', 'faultState'],
  ['failed_since_ms', 'BIGINT', 'failedSinceMs'],
  ['created_ms', 'BIGINT', 'createdMs'],
  ['session_mode', 'INTEGER', 'sessionMode'],
  ['published_desktop_id', 'BIGINT', 'publishedDesktopId'],
  ['assigned_user_id', 'BIGINT', 'assignedUserId'],
  ['assigned_full_name', 'VARCHAR', 'assignedFullName'],
  ['assigned_user_name', 'VARCHAR', 'assignedUserName'],
  ['assigned_upn', 'VARCHAR', 'assignedUpn'],
  ['controller', 'VARCHAR', 'controller'],
  ['tags', 'VARCHAR', 'tags'],
  ['hash', 'VARCHAR', 'hash'],
];

function append(appender: DuckDBAppender, type: string, value: unknown): void {
  if (value === null || value === undefined) appender.appendNull();
  else if (type === 'INTEGER') appender.appendInteger(Number(value));
  else if (type === 'BIGINT') appender.appendBigInt(BigInt(value as number));
  else if (type === 'DOUBLE') appender.appendDouble(Number(value));
  else if (type === 'BOOLEAN') appender.appendBoolean(Boolean(value));
  else appender.appendVarchar(String(value));
}

export async function createStaging(store: DuckDbStore, plan: FleetPlan): Promise<void> {
  await store.execute(
    [
      `CREATE OR REPLACE TEMP TABLE _g_machine (${MACHINE_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`,
      `CREATE OR REPLACE TEMP TABLE _g_window (midx INTEGER, on_ms BIGINT, off_ms BIGINT)`,
      `CREATE OR REPLACE TEMP TABLE _g_failcode (lo DOUBLE, hi DOUBLE, code INTEGER)`,
    ].join(';\n'),
  );
  const machines = await store.connection.createAppender('_g_machine');
  try {
    for (const m of plan.machines) {
      for (const [, type, field] of MACHINE_COLUMNS) append(machines, type, m[field]);
      machines.endRow();
    }
    machines.flushSync();
  } finally {
    machines.closeSync();
  }
  const windows = await store.connection.createAppender('_g_window');
  try {
    for (const w of plan.windows) {
      windows.appendInteger(w.midx);
      windows.appendBigInt(BigInt(w.onMs));
      windows.appendBigInt(BigInt(w.offMs));
      windows.endRow();
    }
    windows.flushSync();
  } finally {
    windows.closeSync();
  }
  // Cumulative weights as [lo, hi) ranges of a uniform draw.
  const total = connectionFailureWeights.reduce((s, [, w]) => s + w, 0);
  let lo = 0;
  const codes = await store.connection.createAppender('_g_failcode');
  try {
    connectionFailureWeights.forEach(([code, weight], n) => {
      const hi = n === connectionFailureWeights.length - 1 ? 1.0000001 : lo + weight / total;
      codes.appendDouble(lo);
      codes.appendDouble(hi);
      codes.appendInteger(code);
      codes.endRow();
      lo = hi;
    });
    codes.flushSync();
  } finally {
    codes.closeSync();
  }
}

/** Every staging table of a run, for the final cleanup. */
export const STAGING_TABLES = ['_g_machine', '_g_window', '_g_failcode', '_g_mday', '_g_slot', '_g_sess', '_g_conn', '_g_client', '_g_steps'] as const;

/** Drops the staging tables and the generator's macros (temporary objects of the store's connection). */
export async function dropStaging(store: DuckDbStore): Promise<void> {
  await store.execute(
    [...STAGING_TABLES.map((t) => `DROP TABLE IF EXISTS temp.${t}`), ...MACRO_NAMES.map((m) => `DROP MACRO IF EXISTS temp.${m}`)].join(';\n'),
  );
}
