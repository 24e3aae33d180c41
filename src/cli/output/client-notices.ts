// What a person is told about the client's failures and retries, by every command that talks to a
// Monitor Service (query, sync).
import { MonitorODataError, type RetryInfo } from '../../client/index.js';

/** What a failure says to a person: the OData code and message, or the network error's cause. */
export function describeFailure(error: unknown): string {
  if (error instanceof MonitorODataError) return `${error.code} (HTTP ${error.status}): ${error.message}`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** On stderr: why the client waits. */
export function reportRetry(info: RetryInfo): void {
  const reason = info.status !== undefined ? `HTTP ${info.status}` : describeFailure(info.error);
  process.stderr.write(`\nretry ${info.attempt} in ${(info.delayMs / 1000).toFixed(1)}s: ${reason}\n`);
}
