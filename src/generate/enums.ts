// Integer codes of the Monitor enumerations the generator writes (monitor-schema.md §2).

export const LifecycleState = { Active: 0, Deleted: 1 } as const;

export const SessionSupport = { SingleSession: 1, MultiSession: 2 } as const;
export const DesktopKind = { Private: 0, Shared: 1 } as const;
export const DeliveryType = { DesktopsOnly: 0, AppsOnly: 1, DesktopsAndApps: 2 } as const;
export const ProvisioningType = { MCS: 1, PVS: 2, Manual: 3 } as const;
export const PersistentUserChanges = { Discard: 1, OnLocal: 2 } as const;
export const AllocationType = { Static: 1, Random: 2 } as const;
export const CurrencyType = { USD: 1 } as const;

export const RegistrationState = { Registered: 1, Unregistered: 2 } as const;
export const PowerState = { Off: 2, On: 3 } as const;
export const MachineFaultState = { None: 1, FailedToStart: 2, StuckOnBoot: 3, Unregistered: 4 } as const;
export const MachineDeregistration = { AgentNotContactable: 102, PowerOff: 200, DesktopRestart: 201 } as const;
export const PowerActionType = { PowerOn: 1, Shutdown: 3, Restart: 5 } as const;
export const PowerActionReason = { Schedule: 3, Launch: 4, Admin: 5 } as const;
export const MachineRole = { Vda: 0 } as const;

export const ConnectionState = { Connected: 1, Disconnected: 2, Terminated: 3, Active: 5 } as const;
export const SessionType = { Desktop: 0, Application: 1 } as const;
export const WorkspaceType = { Unknown: 0, Windows: 1, Mac: 2, Linux: 3, HTML5: 4 } as const;

/** ConnectionFailureType: the Category of a ConnectionFailureCategories row. */
export const ConnectionFailureType = {
  None: 0,
  ClientConnectionFailure: 1,
  MachineFailure: 2,
  NoCapacityAvailable: 3,
  NoLicensesAvailable: 4,
  Configuration: 5,
} as const;

/**
 * Every ConnectionFailureEnumValue with the ConnectionFailureType it is filed under. The spec gives
 * both enumerations but not the mapping; this one follows the names (Director's failure groups).
 */
export const connectionFailureCategories: readonly (readonly [code: number, category: number])[] = [
  [0, ConnectionFailureType.None], // Unknown
  [1, ConnectionFailureType.None], // None
  [2, ConnectionFailureType.MachineFailure], // SessionPreparation
  [3, ConnectionFailureType.MachineFailure], // RegistrationTimeout
  [4, ConnectionFailureType.ClientConnectionFailure], // ConnectionTimeout
  [5, ConnectionFailureType.NoLicensesAvailable], // Licensing
  [6, ConnectionFailureType.ClientConnectionFailure], // Ticketing
  [7, ConnectionFailureType.ClientConnectionFailure], // Other
  [8, ConnectionFailureType.MachineFailure], // GeneralFail
  [9, ConnectionFailureType.Configuration], // MaintenanceMode
  [10, ConnectionFailureType.Configuration], // ApplicationDisabled
  [11, ConnectionFailureType.NoLicensesAvailable], // LicenseFeatureRefused
  [12, ConnectionFailureType.NoCapacityAvailable], // NoDesktopAvailable
  [13, ConnectionFailureType.NoCapacityAvailable], // SessionLimitReached
  [14, ConnectionFailureType.Configuration], // DisallowedProtocol
  [15, ConnectionFailureType.NoCapacityAvailable], // ResourceUnavailable
  [16, ConnectionFailureType.Configuration], // ActiveSessionReconnectDisabled
  [17, ConnectionFailureType.ClientConnectionFailure], // NoSessionToReconnect
  [18, ConnectionFailureType.MachineFailure], // SpinUpFailed
  [19, ConnectionFailureType.ClientConnectionFailure], // Refused
  [20, ConnectionFailureType.Configuration], // ConfigurationSetFailure
  [21, ConnectionFailureType.NoCapacityAvailable], // MaxTotalInstancesExceeded
  [22, ConnectionFailureType.NoCapacityAvailable], // MaxPerUserInstancesExceeded
  [23, ConnectionFailureType.ClientConnectionFailure], // CommunicationError
  [24, ConnectionFailureType.NoCapacityAvailable], // MaxPerMachineInstancesExceeded
  [25, ConnectionFailureType.NoCapacityAvailable], // MaxPerEntitlementInstancesExceeded
  [100, ConnectionFailureType.NoCapacityAvailable], // NoMachineAvailable
  [101, ConnectionFailureType.MachineFailure], // MachineNotFunctional
];

/** How often each failure code occurs among failed launches (relative weights). */
export const connectionFailureWeights: readonly (readonly [code: number, weight: number])[] = [
  [4, 24], // ConnectionTimeout
  [3, 12], // RegistrationTimeout
  [2, 10], // SessionPreparation
  [23, 10], // CommunicationError
  [100, 9], // NoMachineAvailable
  [13, 6], // SessionLimitReached
  [17, 5], // NoSessionToReconnect
  [19, 5], // Refused
  [8, 5], // GeneralFail
  [101, 4], // MachineNotFunctional
  [5, 4], // Licensing
  [9, 3], // MaintenanceMode
  [6, 3], // Ticketing
];

/** FailureLogSummaries.FailureCategory. */
export const FailureCategory = { Connection: 1, Machine: 2 } as const;
