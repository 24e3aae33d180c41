// The Machines rows: the staged per-machine facts plus the current state (end of the data) that
// follows from the generated activity: power and registration from the last power window, open
// sessions, the latest load index and the latest failure.
import { monitorModel } from '../model/model.js';
import { insertSelectSql } from '../store/entity-insert.js';
import {
  LifecycleState,
  MachineDeregistration,
  MachineRole,
  PowerActionReason,
  PowerActionType,
  PowerState,
  RegistrationState,
} from './enums.js';
import { DAY_MS, Schedule } from './plan.js';
import type { GenerationContext } from './sql-context.js';

/** Citrix functional level L7_20, the level of every current VDA version. */
const FUNCTIONAL_LEVEL = 2003;

export function machinesInsert(ctx: GenerationContext): string {
  const onNow = `(w.off_ms = ${ctx.endMs})`;
  // When a machine that never ran in the period was last turned off (or failed).
  const offSince = `coalesce(w.off_ms, m.failed_since_ms, ${ctx.startMs - 2 * DAY_MS} - (m.midx * 7919) % ${DAY_MS})`;
  const stateChange = `CASE WHEN ${onNow} THEN w.on_ms ELSE ${offSince} END`;
  return insertSelectSql(monitorModel, {
    entityType: 'Citrix.Monitor.Model.Machine',
    customer: '$1',
    values: {
      Id: 'm.id',
      Sid: 'm.sid',
      Name: 'm.name',
      DnsName: 'm.dns_name',
      LifecycleState: String(LifecycleState.Active),
      IPAddress: 'm.ip_address',
      HostedMachineId: 'm.hosted_machine_id',
      HostingServerName: 'm.hosting_server_name',
      HostedMachineName: 'm.hosted_machine_name',
      IsAssigned: 'm.assigned_user_id IS NOT NULL',
      IsInMaintenanceMode: 'm.maintenance',
      IsPendingUpdate: 'false',
      AgentVersion: 'm.agent_version',
      AssociatedUserFullNames: 'm.assigned_full_name',
      AssociatedUserNames: 'm.assigned_user_name',
      AssociatedUserUPNs: 'm.assigned_upn',
      CurrentRegistrationState: `CASE WHEN ${onNow} THEN ${RegistrationState.Registered} ELSE ${RegistrationState.Unregistered} END`,
      RegistrationStateChangeDate: `_g_ts(CASE WHEN ${onNow} THEN w.on_ms + 60000 ELSE ${offSince} END)`,
      LastDeregisteredCode: `CASE WHEN NOT ${onNow} THEN ${MachineDeregistration.PowerOff}
        WHEN w.prev_off IS NOT NULL THEN ${MachineDeregistration.DesktopRestart} END`,
      LastDeregisteredDate: `_g_ts(CASE WHEN ${onNow} THEN w.prev_off ELSE ${offSince} END)`,
      CurrentPowerState: `CASE WHEN ${onNow} THEN ${PowerState.On} ELSE ${PowerState.Off} END`,
      CurrentSessionCount: 'coalesce(o.open_sessions, 0)',
      ControllerDnsName: `CASE WHEN ${onNow} THEN m.controller END`,
      PoweredOnDate: '_g_ts(w.on_ms)',
      PowerStateChangeDate: `_g_ts(${stateChange})`,
      FunctionalLevel: String(FUNCTIONAL_LEVEL),
      FailureDate: 'f.last_failure',
      WindowsConnectionSetting: '1',
      IsPreparing: 'false',
      FaultState: 'm.fault_state',
      OSType: 'm.os_type',
      CurrentLoadIndexId: 'l.last_load_index',
      CatalogId: 'm.catalog_id',
      DesktopGroupId: 'm.dgid',
      HypervisorId: 'm.hypervisor_id',
      LastPowerActionType: `CASE WHEN ${onNow} THEN (CASE WHEN w.prev_off IS NULL THEN ${PowerActionType.PowerOn} ELSE ${PowerActionType.Restart} END)
        ELSE ${PowerActionType.Shutdown} END`,
      LastPowerActionReason: `CASE WHEN m.schedule = ${Schedule.Never} THEN ${PowerActionReason.Admin} ELSE ${PowerActionReason.Schedule} END`,
      LastPowerActionCompletedDate: `_g_ts(${stateChange})`,
      Tags: 'm.tags',
      Hash: 'm.hash',
      MachineRole: String(MachineRole.Vda),
      CreatedDate: '_g_ts(m.created_ms)',
      ModifiedDate: `_g_ts(greatest(m.created_ms, ${stateChange}))`,
    },
    from: `FROM _g_machine m
LEFT JOIN (
  SELECT midx, on_ms, off_ms, prev_off FROM (
    SELECT midx, on_ms, off_ms, lag(off_ms) OVER (PARTITION BY midx ORDER BY on_ms) AS prev_off,
      row_number() OVER (PARTITION BY midx ORDER BY on_ms DESC) AS rn
    FROM _g_window) WHERE rn = 1) w USING (midx)
LEFT JOIN (SELECT midx, count(*) AS open_sessions FROM _g_sess WHERE kind <> 3 AND e IS NULL GROUP BY midx) o USING (midx)
LEFT JOIN (SELECT "MachineId" AS mid, max("Id") AS last_load_index FROM "LoadIndexes" WHERE _customer_id = $1 GROUP BY 1) l ON l.mid = m.id
LEFT JOIN (SELECT "MachineId" AS mid, max("FailureStartDate") AS last_failure FROM "MachineFailureLogs" WHERE _customer_id = $1 GROUP BY 1) f ON f.mid = m.id`,
    orderBySql: 'm.midx',
  });
}
