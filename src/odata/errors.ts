/** A range of characters in the (percent-decoded) text of one query option or of the resource path. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Every failure a client can cause, mapped to an HTTP status and an OData error body by http/. */
export type ODataErrorKind =
  | 'syntax' // text does not follow the grammar: 400
  | 'semantic' // unknown name, wrong type, unsupported combination: 400
  | 'notFound' // unknown entity set or key: 404
  | 'notImplemented' // valid OData we chose not to support: 400 (code NotImplemented), as ASP.NET OData refuses such queries
  | 'methodNotAllowed' // the service is read-only: 405
  | 'notAcceptable' // unservable $format / Accept: 406
  | 'timeout'; // the query ran past the server's time limit and was cancelled: 503

const statusOf: Record<ODataErrorKind, number> = {
  syntax: 400,
  semantic: 400,
  notFound: 404,
  notImplemented: 400,
  methodNotAllowed: 405,
  notAcceptable: 406,
  timeout: 503,
};

export class ODataError extends Error {
  readonly kind: ODataErrorKind;
  /** The query option (`$filter`, `$apply`, ...) or `path` the span points into. */
  readonly target: string | undefined;
  readonly span: Span | undefined;

  constructor(kind: ODataErrorKind, message: string, where?: { target?: string; span?: Span }) {
    super(message);
    this.name = 'ODataError';
    this.kind = kind;
    this.target = where?.target;
    this.span = where?.span;
  }

  get status(): number {
    return statusOf[this.kind];
  }

  /** The same error, attributed to a query option (parsers work on one option's text at a time). */
  inOption(target: string): ODataError {
    if (this.target) return this;
    return new ODataError(this.kind, this.message, { target, span: this.span });
  }
}

export function syntaxError(message: string, span: Span): ODataError {
  return new ODataError('syntax', message, { span });
}

export function semanticError(message: string, span?: Span): ODataError {
  return new ODataError('semantic', message, { span });
}
