// Every chart's OData query, built from the time range and granularity. Each is one URL below the
// service root that a user can copy and run (with curl, Excel, Power BI, the `monitor-odata query`
// command): the seed queries of Citrix's documentation where there is one, with the range added.

/** @typedef {60 | 1440} Granularity  hourly or daily summaries */
/** @typedef {{ from: Date, to: Date, granularity: Granularity }} Range  `from` inclusive, `to` exclusive, both 00:00 UTC */

export const HOUR = 60;
export const DAY = 1440;

/** A DateTimeOffset literal: `2025-05-06T00:00:00Z`. */
export function literal(/** @type {Date} */ date) {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * A query option's value as it goes in the URL: percent-encoded, but for the characters OData
 * texts are full of and that need none in a query string, so the URL stays readable.
 */
function encodeValue(/** @type {string} */ value) {
  return encodeURIComponent(value).replace(/%(24|2C|2F|3A)/g, (escape) => decodeURIComponent(escape));
}

/**
 * `Set?$opt=value&...`: options in the order given, undefined ones left out.
 * @param {string} set
 * @param {Record<string, string | undefined>} options
 */
export function url(set, options) {
  const pairs = Object.entries(options).filter(([, value]) => value !== undefined);
  return `${set}?${pairs.map(([name, value]) => `${name}=${encodeValue(/** @type {string} */ (value))}`).join('&')}`;
}

const summaryRange = (/** @type {Range} */ r) => `SummaryDate ge ${literal(r.from)} and SummaryDate lt ${literal(r.to)}`;

/** The last summary the service holds: the default range ends with its day. */
export function lastSummary() {
  return url('ResourceUtilizationSummary', { $apply: 'aggregate(SummaryDate with max as Last)' });
}

/** Average and peak CPU and memory % by delivery group over time (Citrix's "utilization aggregates by delivery group"). */
export function utilizationByGroup(/** @type {Range} */ r) {
  return url('ResourceUtilizationSummary', {
    $apply:
      `filter(Granularity eq ${r.granularity} and ${summaryRange(r)} and UptimeInMinutes gt 0 and AvgTotalMemory gt 0 and AvgUsedMemory gt 0 and PeakUsedMemory gt 0)` +
      '/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, 100 mul PeakUsedMemory div AvgTotalMemory as PeakPercentMemory)' +
      '/expand(DesktopGroup,filter(Name ne null))' +
      '/groupby((DesktopGroup/Name,SummaryDate),aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, AvgPercentMemory with average as AvgPercentMemory, PeakPercentMemory with max as PeakPercentMemory))',
    $orderby: 'SummaryDate',
  });
}

/** Average daily uptime by delivery group (Citrix's "daily average uptime by delivery group"): daily summaries whatever the granularity. */
export function uptimeByGroup(/** @type {Range} */ r) {
  return url('ResourceUtilizationSummary', {
    $apply:
      `filter(Granularity eq ${DAY} and ${summaryRange(r)})` +
      '/expand(Machine,expand(DesktopGroup,filter(Name ne null)))' +
      '/groupby((DesktopGroupId,DesktopGroup/Name),aggregate(cast(UptimeInMinutes, Edm.Int32) with average as AvgUptimeInMinutes))',
    $orderby: 'DesktopGroup/Name',
  });
}

/** Machines powered on without a session in the range (Citrix's "unused machines over time period"). */
export function unusedMachines(/** @type {Range} */ r) {
  return url('ResourceUtilizationSummary', {
    $apply:
      `filter(Granularity eq ${HOUR} and ${summaryRange(r)} and UptimeInMinutes gt 0)` +
      '/expand(Machine,expand(DesktopGroup,filter(Name ne null)))' +
      '/compute(cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64)' +
      '/groupby((DesktopGroup/Name,MachineId,Machine/Name),aggregate(TotalSessionCountInt64 with sum as TotalSessionCountSum))' +
      '/filter(TotalSessionCountSum eq 0)',
    $count: 'true',
    $orderby: 'DesktopGroup/Name,Machine/Name',
  });
}

/** Concurrent sessions and average logon duration over time, summed over the delivery groups. */
export function sessionsAndLogons(/** @type {Range} */ r) {
  return url('SessionActivitySummaries', {
    $apply:
      `filter(Granularity eq ${r.granularity} and ${summaryRange(r)})` +
      '/groupby((SummaryDate),aggregate(ConcurrentSessionCount with sum as Sessions, TotalLogOnDuration with sum as TotalLogOnDuration, TotalLogOnCount with sum as LogOns))' +
      '/compute(TotalLogOnDuration div LogOns as AvgLogOnDurationMs)',
    $orderby: 'SummaryDate',
  });
}

/** Connection failures in the range by failure category (ConnectionFailureType of the session's failure). */
export function failuresByCategory(/** @type {Range} */ r) {
  return url('ConnectionFailureLogs', {
    $apply: `filter(FailureDate ge ${literal(r.from)} and FailureDate lt ${literal(r.to)})/groupby((Session/Failure/Category),aggregate($count as Failures))`,
    $orderby: 'Failures desc',
  });
}

/** Machines now, by registration and power state. */
export function machineStates() {
  return url('Machines', { $apply: 'filter(LifecycleState eq 0)/groupby((CurrentRegistrationState,CurrentPowerState),aggregate($count as Machines))' });
}

/** A delivery group's machines with their CPU, memory, sessions and uptime over the range. */
export function groupMachines(/** @type {Range} */ r, /** @type {string} */ desktopGroupId) {
  return url('ResourceUtilizationSummary', {
    $apply:
      `filter(Granularity eq ${HOUR} and DesktopGroupId eq ${desktopGroupId} and ${summaryRange(r)} and AvgTotalMemory gt 0)` +
      '/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, cast(TotalSessionCount,Edm.Int64) as TotalSessionCountInt64, cast(UptimeInMinutes,Edm.Int64) as UptimeInMinutesInt64)' +
      '/expand(Machine)' +
      '/groupby((MachineId,Machine/Name,Machine/CurrentRegistrationState,Machine/CurrentPowerState),aggregate(AvgPercentCpu with average as AvgPercentCpu, PeakPercentCpu with max as PeakPercentCpu, AvgPercentMemory with average as AvgPercentMemory, TotalSessionCountInt64 with sum as Sessions, UptimeInMinutesInt64 with sum as UptimeInMinutes))',
    $orderby: 'Machine/Name',
  });
}

/** One machine's hourly CPU and memory over the range (every hour: memory % is NaN, a gap, while it is off). */
export function machineHourly(/** @type {Range} */ r, /** @type {string} */ machineId) {
  return url('ResourceUtilizationSummary', {
    $apply:
      `filter(Granularity eq ${HOUR} and MachineId eq ${machineId} and ${summaryRange(r)})` +
      '/compute(100 mul AvgUsedMemory div AvgTotalMemory as AvgPercentMemory, 100 mul PeakUsedMemory div AvgTotalMemory as PeakPercentMemory)',
    $select: 'SummaryDate,AvgPercentCpu,PeakPercentCpu,AvgPercentMemory,PeakPercentMemory',
    $orderby: 'SummaryDate',
  });
}
