// The small, structural part of a fleet, decided in JS: hypervisors, catalogs, delivery groups,
// machines and their roles, users, power-on windows. Everything time-series is derived from this in
// SQL (activity.ts, samples.ts). Pure and deterministic: same options, same plan.
import type { EntityRow } from '../store/duckdb/duckdb-append.js';
import {
  AllocationType,
  connectionFailureCategories,
  CurrencyType,
  DeliveryType,
  DesktopKind,
  LifecycleState,
  MachineFaultState,
  PersistentUserChanges,
  ProvisioningType,
  SessionSupport,
} from './enums.js';
import { Random, stableHex, stableUuid } from './random.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** ResourceUtilization sampling interval. */
export const TICK_MS = 5 * MINUTE_MS;

export const DOMAIN = 'CORP';
export const DNS_SUFFIX = 'corp.example.com';

export interface PlanOptions {
  readonly customerId: string;
  readonly machines: number;
  readonly days: number;
  readonly seed: number;
  /** Exclusive end of the data (00:00 UTC). */
  readonly endMs: number;
}

/** What a machine does over the period. */
export const Role = {
  /** Powered off the whole period: no samples, no sessions. */
  AlwaysOff: 0,
  /** Powered on (on its schedule) but never hosts a session. */
  Idle: 1,
  /** Hosts sessions. */
  Host: 2,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const Schedule = {
  Never: 0,
  /** On around the clock, restarted weekly (Sunday night). */
  Always: 1,
  /** Power-managed: on during office hours on weekdays only. */
  Office: 2,
} as const;
export type Schedule = (typeof Schedule)[keyof typeof Schedule];

/** How a delivery group's sessions are typed. */
export const SessionMode = {
  Desktops: 0,
  Applications: 1,
  Mixed: 2,
} as const;
export type SessionMode = (typeof SessionMode)[keyof typeof SessionMode];

interface GroupTemplate {
  readonly code: string;
  readonly sessionSupport: number;
  readonly desktopKind: number;
  readonly deliveryType: number;
  readonly isRemotePC: boolean;
  readonly schedule: Schedule;
  readonly os: string;
  readonly memoryGiB: readonly number[];
  readonly provisioning: number;
  readonly allocation: number;
  readonly persistence: number;
  readonly physical: boolean;
  /** Index into HYPERVISORS, or null for physical machines. */
  readonly hypervisor: number | null;
  readonly publishedDesktop: string | null;
}

const GROUP_TEMPLATES: readonly GroupTemplate[] = [
  { code: 'W10-PMD', sessionSupport: SessionSupport.SingleSession, desktopKind: DesktopKind.Shared, deliveryType: DeliveryType.DesktopsOnly, isRemotePC: false, schedule: Schedule.Office, os: 'Windows 10 Enterprise', memoryGiB: [8, 16], provisioning: ProvisioningType.MCS, allocation: AllocationType.Random, persistence: PersistentUserChanges.Discard, physical: false, hypervisor: 0, publishedDesktop: 'Windows 10 Desktop' },
  { code: 'W2022-MS', sessionSupport: SessionSupport.MultiSession, desktopKind: DesktopKind.Shared, deliveryType: DeliveryType.DesktopsAndApps, isRemotePC: false, schedule: Schedule.Always, os: 'Windows Server 2022', memoryGiB: [32], provisioning: ProvisioningType.MCS, allocation: AllocationType.Random, persistence: PersistentUserChanges.Discard, physical: false, hypervisor: 1, publishedDesktop: 'Server Desktop' },
  { code: 'W11-PMD', sessionSupport: SessionSupport.SingleSession, desktopKind: DesktopKind.Shared, deliveryType: DeliveryType.DesktopsOnly, isRemotePC: false, schedule: Schedule.Office, os: 'Windows 11 Enterprise', memoryGiB: [16], provisioning: ProvisioningType.MCS, allocation: AllocationType.Random, persistence: PersistentUserChanges.Discard, physical: false, hypervisor: 0, publishedDesktop: 'Windows 11 Desktop' },
  { code: 'W10-LRO-P', sessionSupport: SessionSupport.SingleSession, desktopKind: DesktopKind.Private, deliveryType: DeliveryType.DesktopsOnly, isRemotePC: false, schedule: Schedule.Always, os: 'Windows 10 Enterprise', memoryGiB: [8, 16], provisioning: ProvisioningType.MCS, allocation: AllocationType.Static, persistence: PersistentUserChanges.OnLocal, physical: false, hypervisor: 1, publishedDesktop: 'Personal Desktop' },
  { code: 'W2019-APPS', sessionSupport: SessionSupport.MultiSession, desktopKind: DesktopKind.Shared, deliveryType: DeliveryType.AppsOnly, isRemotePC: false, schedule: Schedule.Always, os: 'Windows Server 2019', memoryGiB: [32], provisioning: ProvisioningType.PVS, allocation: AllocationType.Random, persistence: PersistentUserChanges.Discard, physical: false, hypervisor: 2, publishedDesktop: null },
  { code: 'REMOTEPC', sessionSupport: SessionSupport.SingleSession, desktopKind: DesktopKind.Private, deliveryType: DeliveryType.DesktopsOnly, isRemotePC: true, schedule: Schedule.Always, os: 'Windows 10 Enterprise', memoryGiB: [16], provisioning: ProvisioningType.Manual, allocation: AllocationType.Static, persistence: PersistentUserChanges.OnLocal, physical: true, hypervisor: null, publishedDesktop: 'Office PC' },
];

const HYPERVISORS = [
  { name: 'Azure-WestEurope', type: 'AzureRM', host: null },
  { name: 'vSphere-DC1', type: 'VCenter', host: 'esx' },
  { name: 'XenServer-Pool1', type: 'XenServer', host: 'xen' },
] as const;

/** Hourly price by memory size (USD): compute plus the storage share that is also paid while off. */
const COST_BY_GIB: Readonly<Record<number, { spec: number; perHour: number }>> = {
  8: { spec: 1, perHour: 0.192 },
  16: { spec: 2, perHour: 0.384 },
  32: { spec: 3, perHour: 0.768 },
};
const STORAGE_COST_PER_HOUR = 0.021;

const AGENT_VERSIONS: readonly (readonly [string, number])[] = [
  ['2407.0.100.274', 60],
  ['2402.0.100.629', 25],
  ['2311.0.0.112', 10],
  ['2203.0.6000.1201', 5],
];

const FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel', 'Lisa', 'Matthew', 'Nancy',
  'Anthony', 'Sandra', 'Mark', 'Ashley', 'Steven', 'Emily', 'Paul', 'Donna', 'Andrew', 'Michelle', 'Joshua', 'Carol',
  'Lukas', 'Anna', 'Jonas', 'Lena', 'Felix', 'Sophie', 'Lucas', 'Emma', 'Hugo', 'Chloe', 'Noah', 'Mila', 'Liam', 'Julia',
];
const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson',
  'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright',
  'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell',
  'Mitchell', 'Carter', 'Roberts', 'Mueller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker',
  'Dubois', 'Laurent',
];

/** One row of the `_g_machine` staging table: a machine and the parameters its activity is drawn from. */
export interface MachinePlan {
  /** Rank of `id` among the fleet's machines: integer order equals the UUID order of MachineId. */
  readonly midx: number;
  readonly id: string;
  readonly name: string;
  readonly dnsName: string;
  readonly sid: string;
  readonly ipAddress: string;
  readonly hostedMachineId: string | null;
  readonly hostingServerName: string | null;
  readonly hostedMachineName: string | null;
  readonly agentVersion: string;
  readonly osType: string;
  readonly desktopGroupId: string | null;
  readonly catalogId: string;
  readonly hypervisorId: string | null;
  readonly role: Role;
  readonly schedule: Schedule;
  readonly multiSession: boolean;
  /** Sessions per weekday (multi-session) or 1. */
  readonly capacity: number;
  readonly memoryBytes: number;
  readonly cpuBase: number;
  readonly cpuPerSession: number;
  readonly memoryBase: number;
  readonly memoryPerSession: number;
  readonly rttBase: number;
  readonly maintenance: boolean;
  readonly faultState: number;
  /** Start of an ongoing failure (FailedToStart machines), else null. */
  readonly failedSinceMs: number | null;
  readonly createdMs: number;
  readonly sessionMode: SessionMode;
  readonly publishedDesktopId: number | null;
  /** The user a private (assigned) machine belongs to. */
  readonly assignedUserId: number | null;
  readonly assignedFullName: string | null;
  readonly assignedUserName: string | null;
  readonly assignedUpn: string | null;
  readonly controller: string;
  readonly tags: string | null;
  readonly hash: string;
}

/** A power-on interval [onMs, offMs) of one machine, on 5-minute boundaries. */
export interface PowerWindow {
  readonly midx: number;
  readonly onMs: number;
  readonly offMs: number;
}

export interface FleetPlan {
  readonly startMs: number;
  readonly endMs: number;
  readonly hypervisors: readonly EntityRow[];
  readonly catalogs: readonly EntityRow[];
  readonly desktopGroups: readonly EntityRow[];
  readonly publishedDesktopNames: readonly EntityRow[];
  readonly users: readonly EntityRow[];
  readonly connectionFailureCategories: readonly EntityRow[];
  readonly machineCosts: readonly EntityRow[];
  readonly machines: readonly MachinePlan[];
  readonly windows: readonly PowerWindow[];
  /** Users 1..assignedUsers belong to private machines; the rest form the pool for shared ones. */
  readonly assignedUsers: number;
}

interface UserPlan {
  readonly id: number;
  readonly userName: string;
  readonly fullName: string;
  readonly upn: string;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Role counts: ~1% spare machines without a delivery group, ~5% always off, ~10% idle (spares included). */
function roleCounts(machines: number): { spare: number; off: number; idleInGroups: number } {
  const spare = machines >= 20 ? Math.max(1, Math.round(machines * 0.01)) : machines >= 4 ? 1 : 0;
  const inGroups = machines - spare;
  if (inGroups < 3) return { spare, off: 0, idleInGroups: 0 };
  const off = Math.max(1, Math.round(machines * 0.05));
  const idleInGroups = Math.max(1, Math.round(machines * 0.1) - spare);
  return { spare, off, idleInGroups };
}

function buildUsers(opts: PlanOptions, count: number, startMs: number): { plans: UserPlan[]; rows: EntityRow[] } {
  const rnd = new Random(opts.seed, `${opts.customerId}:users`);
  const taken = new Set<string>();
  const sidBase = `S-1-5-21-${rnd.int(1_000_000_000, 2_000_000_000)}-${rnd.int(1_000_000_000, 2_000_000_000)}-${rnd.int(100_000_000, 999_999_999)}`;
  const plans: UserPlan[] = [];
  const rows: EntityRow[] = [];
  for (let i = 0; i < count; i++) {
    const first = rnd.pick(FIRST_NAMES);
    const last = rnd.pick(LAST_NAMES);
    const base = `${first[0]}${last}`.toLowerCase();
    let userName = base;
    for (let n = 2; taken.has(userName); n++) userName = `${base}${n}`;
    taken.add(userName);
    const suffix = userName.slice(base.length);
    const upn = `${first.toLowerCase()}.${last.toLowerCase()}${suffix}@${DNS_SUFFIX}`;
    const id = i + 1;
    const createdMs = startMs - rnd.int(10, 700) * DAY_MS - rnd.int(0, DAY_MS - 1);
    plans.push({ id, userName, fullName: `${first} ${last}`, upn });
    rows.push({
      Id: id,
      Sid: `${sidBase}-${1100 + i}`,
      Upn: upn,
      UserName: userName,
      FullName: `${first} ${last}`,
      Domain: DOMAIN,
      CreatedDate: createdMs,
      ModifiedDate: createdMs + rnd.int(0, 5) * DAY_MS,
    });
  }
  return { plans, rows };
}

/** Weekly restarts (Sunday 03:00 plus a per-machine stagger, 10 minutes) cut the always-on time into windows. */
function alwaysOnWindows(midx: number, startMs: number, endMs: number): PowerWindow[] {
  const stagger = (midx % 12) * TICK_MS;
  const windows: PowerWindow[] = [];
  let on = startMs;
  for (let day = startMs; day < endMs; day += DAY_MS) {
    if (new Date(day).getUTCDay() !== 0) continue;
    const down = day + 3 * HOUR_MS + stagger;
    if (down <= on || down >= endMs) continue;
    windows.push({ midx, onMs: on, offMs: down });
    on = Math.min(endMs, down + 2 * TICK_MS);
  }
  if (on < endMs) windows.push({ midx, onMs: on, offMs: endMs });
  return windows;
}

/** Power-managed machines: on from about 06:00-07:00 to 19:00-20:00, Monday to Friday. */
function officeWindows(midx: number, startMs: number, endMs: number, rnd: Random): PowerWindow[] {
  const windows: PowerWindow[] = [];
  for (let day = startMs; day < endMs; day += DAY_MS) {
    const dow = new Date(day).getUTCDay();
    const on = day + 6 * HOUR_MS + rnd.int(0, 11) * TICK_MS;
    const off = day + 19 * HOUR_MS + rnd.int(0, 11) * TICK_MS;
    if (dow >= 1 && dow <= 5) windows.push({ midx, onMs: on, offMs: off });
  }
  return windows;
}

export function planFleet(opts: PlanOptions): FleetPlan {
  const { customerId, seed, machines: machineCount } = opts;
  const endMs = opts.endMs;
  const startMs = endMs - opts.days * DAY_MS;
  const id = (kind: string, n: number | string): string => stableUuid(customerId, seed, kind, n);
  const rnd = new Random(seed, `${customerId}:fleet`);

  const hypervisorIds = HYPERVISORS.map((_, i) => id('hypervisor', i));
  const hypervisors: EntityRow[] = HYPERVISORS.map((h, i) => ({
    Id: hypervisorIds[i],
    Name: h.name,
    Type: h.type,
    LifecycleState: LifecycleState.Active,
    CreatedDate: startMs - (720 - i * 30) * DAY_MS,
    ModifiedDate: startMs - (60 - i) * DAY_MS,
  }));

  // Delivery groups: about one per 40 machines, cycling through the templates.
  const { spare, off, idleInGroups } = roleCounts(machineCount);
  const inGroups = machineCount - spare;
  // Small fleets still get a few kinds of group (at least 8 machines each) to make queries meaningful.
  const groupCount = inGroups === 0 ? 0 : Math.max(1, Math.round(machineCount / 40), Math.min(3, Math.floor(inGroups / 8)));
  const zoneId = id('zone', 1);
  const groups = Array.from({ length: groupCount }, (_, k) => {
    const template = GROUP_TEMPLATES[k % GROUP_TEMPLATES.length];
    const cycle = Math.floor(k / GROUP_TEMPLATES.length);
    const code = cycle === 0 ? template.code : `${template.code}${cycle + 1}`;
    return { k, template, code, id: id('desktopgroup', k), catalogId: id('catalog', k) };
  });
  const desktopGroups: EntityRow[] = groups.map((g) => {
    const cost = g.template.physical ? null : COST_BY_GIB[g.template.memoryGiB[0]].perHour;
    return {
      Id: g.id,
      Name: `DG-${g.code}`,
      IsRemotePC: g.template.isRemotePC,
      DesktopKind: g.template.desktopKind,
      LifecycleState: LifecycleState.Active,
      SessionSupport: g.template.sessionSupport,
      DeliveryType: g.template.deliveryType,
      IsInMaintenanceMode: false,
      MachineCost: cost,
      CurrencyType: cost === null ? null : CurrencyType.USD,
      AutoscaleTagId: null,
      CreatedDate: startMs - (400 - g.k) * DAY_MS,
      ModifiedDate: startMs - (20 + (g.k % 10)) * DAY_MS,
    };
  });
  const catalogRow = (catalogId: string, name: string, t: GroupTemplate, n: number): EntityRow => ({
    Id: catalogId,
    Name: name,
    LifecycleState: LifecycleState.Active,
    ProvisioningType: t.provisioning,
    PersistentUserChanges: t.persistence,
    IsMachinePhysical: t.physical,
    AllocationType: t.allocation,
    SessionSupport: t.sessionSupport,
    ProvisioningSchemeId: t.provisioning === ProvisioningType.MCS ? id('provisioningscheme', n) : null,
    ZoneUid: zoneId,
    ZoneName: 'Primary',
    CreatedDate: startMs - (410 - n) * DAY_MS,
    ModifiedDate: startMs - (30 + (n % 10)) * DAY_MS,
  });
  const catalogs: EntityRow[] = groups.map((g) => catalogRow(g.catalogId, `CAT-${g.code}`, g.template, g.k));
  const spareTemplate = GROUP_TEMPLATES[0];
  const spareCatalogId = id('catalog', 'spare');
  if (spare > 0) catalogs.push(catalogRow(spareCatalogId, 'CAT-SPARE', { ...spareTemplate, hypervisor: 1 }, groupCount));

  const publishedDesktopNames: EntityRow[] = [];
  const publishedByGroup = new Map<number, number>();
  for (const g of groups) {
    if (g.template.publishedDesktop === null) continue;
    const pid = publishedDesktopNames.length + 1;
    const cycle = Math.floor(g.k / GROUP_TEMPLATES.length);
    publishedDesktopNames.push({ Id: pid, PublishedName: cycle === 0 ? g.template.publishedDesktop : `${g.template.publishedDesktop} ${cycle + 1}` });
    publishedByGroup.set(g.k, pid);
  }

  // Machines: spares first (no group), then contiguous blocks per group; roles drawn at random.
  const slots: { group: (typeof groups)[number] | null; seq: number }[] = [];
  for (let i = 0; i < spare; i++) slots.push({ group: null, seq: i + 1 });
  const perGroupSeq = new Array<number>(groupCount).fill(0);
  for (let j = 0; j < inGroups; j++) {
    const k = Math.floor((j * groupCount) / inGroups);
    slots.push({ group: groups[k], seq: ++perGroupSeq[k] });
  }
  const roles = new Array<Role>(machineCount).fill(Role.Host);
  for (let i = 0; i < spare; i++) roles[i] = Role.Idle;
  const shuffledInGroups = rnd.shuffled(Array.from({ length: inGroups }, (_, j) => spare + j));
  shuffledInGroups.slice(0, off).forEach((i) => (roles[i] = Role.AlwaysOff));
  const idleMachines = shuffledInGroups.slice(off, off + idleInGroups);
  idleMachines.forEach((i) => (roles[i] = Role.Idle));
  // Some idle machines are idle because an admin put them in maintenance mode (the first always is).
  const maintenance = new Set(idleMachines.filter((_, n) => n === 0 || rnd.chance(0.25)));
  const offSorted = shuffledInGroups.slice(0, off).sort((a, b) => a - b);
  const failedToStart = new Set(offSorted.filter((_, n) => n % 2 === 0));

  // Users: one per private machine first, then a pool of about 1.5 per machine overall.
  const privateSlots = slots.map((s, i) => ({ s, i })).filter(({ s }) => s.group?.template.desktopKind === DesktopKind.Private);
  const assignedUsers = privateSlots.length;
  const userCount = Math.max(Math.round(machineCount * 1.5), assignedUsers + 1);
  const users = buildUsers(opts, userCount, startMs);
  const assignedByMachine = new Map<number, UserPlan>(privateSlots.map(({ i }, n) => [i, users.plans[n]]));

  const sidBase = `S-1-5-21-${rnd.int(1_000_000_000, 2_000_000_000)}-${rnd.int(1_000_000_000, 2_000_000_000)}-${rnd.int(100_000_000, 999_999_999)}`;
  const drafts = slots.map((slot, i) => {
    const m = new Random(seed, `${customerId}:machine:${i}`);
    const t = slot.group?.template ?? { ...spareTemplate, hypervisor: 1, schedule: Schedule.Always };
    const code = slot.group?.code ?? 'SPARE';
    const shortName = `${code}-${pad(slot.seq, slot.seq > 999 ? 4 : 3)}`;
    const multi = t.sessionSupport === SessionSupport.MultiSession;
    const role = roles[i];
    const memoryGiB = m.pick(t.memoryGiB);
    const hypervisor = t.hypervisor;
    const user = assignedByMachine.get(i) ?? null;
    const groupIndex = slot.group?.k ?? 0;
    return {
      id: id('machine', i),
      name: `${DOMAIN}\\${shortName}`,
      dnsName: `${shortName.toLowerCase()}.${DNS_SUFFIX}`,
      sid: `${sidBase}-${5000 + i}`,
      ipAddress: `10.${20 + (groupIndex % 200)}.${Math.floor(slot.seq / 250)}.${10 + (slot.seq % 240)}`,
      hostedMachineId: hypervisor === null ? null : hypervisor === 0 ? `/subscriptions/${id('subscription', 0)}/vm-${stableHex(8, customerId, seed, i)}` : `vm-${10_000 + i}`,
      hostingServerName: hypervisor === null || HYPERVISORS[hypervisor].host === null ? null : `${HYPERVISORS[hypervisor].host}${pad(1 + (i % 4), 2)}.${DNS_SUFFIX}`,
      hostedMachineName: hypervisor === null ? null : shortName.toLowerCase(),
      agentVersion: m.weighted(AGENT_VERSIONS),
      osType: t.os,
      desktopGroupId: slot.group?.id ?? null,
      catalogId: slot.group?.catalogId ?? spareCatalogId,
      hypervisorId: hypervisor === null ? null : hypervisorIds[hypervisor],
      role,
      schedule: role === Role.AlwaysOff ? Schedule.Never : t.schedule,
      multiSession: multi,
      capacity: multi ? m.int(10, 20) : 1,
      memoryBytes: memoryGiB * 1024 ** 3,
      cpuBase: 0.5 + m.next() * 2.5,
      cpuPerSession: multi ? 1.5 + m.next() * 3 : 8 + m.next() * 12,
      memoryBase: 0.22 + m.next() * 0.15,
      memoryPerSession: multi ? 0.015 + m.next() * 0.02 : 0.25 + m.next() * 0.2,
      rttBase: 25 + m.int(0, 90),
      maintenance: maintenance.has(i),
      faultState: failedToStart.has(i) ? MachineFaultState.FailedToStart : MachineFaultState.None,
      failedSinceMs: failedToStart.has(i) ? startMs - m.int(1, 20) * DAY_MS - m.int(0, DAY_MS - 1) : null,
      createdMs: startMs - m.int(30, 400) * DAY_MS - m.int(0, DAY_MS - 1),
      sessionMode:
        t.deliveryType === DeliveryType.AppsOnly ? SessionMode.Applications : t.deliveryType === DeliveryType.DesktopsAndApps ? SessionMode.Mixed : SessionMode.Desktops,
      publishedDesktopId: slot.group === null ? null : (publishedByGroup.get(slot.group.k) ?? null),
      assignedUserId: user?.id ?? null,
      assignedFullName: user?.fullName ?? null,
      assignedUserName: user === null ? null : `${DOMAIN}\\${user.userName}`,
      assignedUpn: user?.upn ?? null,
      controller: `ddc${pad(1 + (i % 2), 2)}.${DNS_SUFFIX}`,
      tags: m.chance(0.1) ? 'Pilot' : null,
      hash: stableHex(32, customerId, seed, 'machinehash', i),
      memoryGiB,
    };
  });
  // midx follows UUID order so that ORDER BY tick, midx is the set's physical order (CollectedDate, MachineId).
  const byId = drafts.map((d, i) => ({ d, i })).sort((a, b) => (a.d.id < b.d.id ? -1 : 1));
  const machines: MachinePlan[] = byId.map(({ d }, midx) => {
    const { memoryGiB: _memoryGiB, ...rest } = d;
    return { midx, ...rest };
  });

  const windows: PowerWindow[] = [];
  for (const m of machines) {
    if (m.schedule === Schedule.Always) windows.push(...alwaysOnWindows(m.midx, startMs, endMs));
    else if (m.schedule === Schedule.Office) windows.push(...officeWindows(m.midx, startMs, endMs, new Random(seed, `${customerId}:power:${m.id}`)));
  }

  const machineCosts: EntityRow[] = byId
    .filter(({ d }) => d.hypervisorId !== null)
    .map(({ d }) => {
      const cost = COST_BY_GIB[d.memoryGiB];
      return {
        MachineId: d.id,
        SpecId: cost.spec,
        CostPerHour: cost.perHour,
        Currency: CurrencyType.USD,
        CostSource: 1,
        PowerOnComputeCostPerHour: Math.round((cost.perHour - STORAGE_COST_PER_HOUR) * 1000) / 1000,
        PowerOnStorageCostPerHour: STORAGE_COST_PER_HOUR,
        PowerOffStorageCostPerHour: STORAGE_COST_PER_HOUR,
        CreatedDate: d.createdMs,
        ModifiedDate: startMs - DAY_MS,
      };
    });

  const categoryCreated = startMs - 800 * DAY_MS;
  const connectionFailureCategoryRows: EntityRow[] = connectionFailureCategories.map(([code, category], n) => ({
    Id: n + 1,
    ConnectionFailureEnumValue: code,
    Category: category,
    CreatedDate: categoryCreated,
    ModifiedDate: categoryCreated,
  }));

  return {
    startMs,
    endMs,
    hypervisors,
    catalogs,
    desktopGroups,
    publishedDesktopNames,
    users: users.rows,
    connectionFailureCategories: connectionFailureCategoryRows,
    machineCosts,
    machines,
    windows,
    assignedUsers,
  };
}
