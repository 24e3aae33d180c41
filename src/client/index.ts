// The client library: `import { MonitorClient } from 'monitor-odata'` (or 'monitor-odata/client').
export { MonitorClient, defaultTokenUrl, DEFAULT_USER_AGENT } from './monitor-client.js';
export type { MonitorClientOptions, Page, QueryTarget, RequestOptions, RowOf } from './monitor-client.js';
export { MonitorODataError, errorFromResponse } from './odata-error.js';
export { QueryBuilder, query } from './query-builder.js';
export type { AnyRow, EntityRow, NavigationName, OrderByClause, PropertyName } from './query-builder.js';
export { appendQueryOptions, encodeQueryOptions, encodeQueryValue, isAbsoluteUrl, systemQueryEntries } from './query-string.js';
export { retryAfterMs } from './retry.js';
export type { RetryInfo, RetryOptions } from './retry.js';
export type { SystemQueryOptions } from './query-string.js';
export { REFRESH_MARGIN_MS } from './token-source.js';
export { entitySetNames } from './entity-types.js';
export type * from './entity-types.js';
