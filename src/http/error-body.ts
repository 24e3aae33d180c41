// Errors as the reference writes them: `{"error":{"code","message"}}`, message worded like
// ASP.NET OData; we add the offending option and position, which ODL only puts in text.
import { ODataError } from '../odata/errors.js';

export interface ErrorResponse {
  readonly status: number;
  readonly body: {
    error: {
      code: string;
      message: string;
      target?: string;
      details?: { code: string; target: string; message: string }[];
      innererror?: { position: number; end: number };
    };
  };
}

const codeOf: Record<ODataError['kind'], string> = {
  syntax: 'BadRequest',
  semantic: 'BadRequest',
  notFound: 'NotFound',
  notImplemented: 'NotImplemented',
  methodNotAllowed: 'MethodNotAllowed',
  notAcceptable: 'NotAcceptable',
  timeout: 'QueryTimeout',
};

export function errorResponse(error: ODataError): ErrorResponse {
  const invalidQuery = error.kind === 'syntax' || error.kind === 'semantic';
  const message = invalidQuery ? `The query specified in the URI is not valid. ${error.message}` : error.message;
  const body: ErrorResponse['body'] = { error: { code: codeOf[error.kind], message } };
  if (error.target) body.error.target = error.target;
  if (error.span) {
    body.error.innererror = { position: error.span.start, end: error.span.end };
    if (error.target) body.error.details = [{ code: codeOf[error.kind], target: error.target, message: `at position ${error.span.start}` }];
  }
  return { status: error.status, body };
}

/** Engine errors that the request's data caused (overflow, impossible conversion): the client's problem, not a crash. */
export function engineErrorResponse(message: string): ErrorResponse {
  return { status: 400, body: { error: { code: 'BadRequest', message: `The query could not be evaluated on the data: ${message}` } } };
}
