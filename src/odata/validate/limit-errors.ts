// The errors of exceeded query limits, worded as ASP.NET OData's validators word them (its
// SRResources), but naming our server's setting where ASP.NET names its attribute property.
import { ODataError, type Span } from '../errors.js';

/** Where the offending text is: the query option and, inside it, the span. */
export interface LimitSite {
  readonly target: string;
  readonly span: Span | undefined;
}

function limitError(message: string, site: LimitSite): ODataError {
  // 'semantic': the text is well-formed, the request asks for more than the server serves.
  return new ODataError('semantic', message, site);
}

function toIncrease(setting: string): string {
  return `To increase the limit, set the '${setting}' query limit of the server.`;
}

export function topLimitExceeded(max: number, value: number, site: LimitSite): ODataError {
  return limitError(`The limit of '${max}' for Top query has been exceeded. The value from the incoming request is '${value}'.`, site);
}

export function expansionTooDeep(max: number, site: LimitSite): ODataError {
  return limitError(`The request includes a $expand path which is too deep. The maximum depth allowed is ${max}. ${toIncrease('maxExpansionDepth')}`, site);
}

export function nodeCountExceeded(max: number, site: LimitSite): ODataError {
  return limitError(`The node count limit of '${max}' has been exceeded. ${toIncrease('maxNodeCount')}`, site);
}

export function anyAllTooDeep(max: number, site: LimitSite): ODataError {
  return limitError(`The Any/All nesting limit of '${max}' has been exceeded. ${toIncrease('maxAnyAllExpressionDepth')}`, site);
}
