// The Citrix Cloud token endpoint: `POST /cctrustoauth2/{customerId|root}/tokens/clients` with a
// form body `grant_type=client_credentials&client_id=...&client_secret=...`, answered as OAuth 2
// answers (RFC 6749 §5): `{"token_type":"bearer","access_token":...,"expires_in":3600}`, or an
// `error` of invalid_request / unsupported_grant_type (400) / invalid_client (401).
import type { FastifyInstance } from 'fastify';

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The customer the URL names, or undefined for the literal `root`. */
  readonly customerId: string | undefined;
}

/** A token for the client, or undefined when the credentials are wrong (or the client belongs to another customer than the URL names). */
export type IssueToken = (credentials: ClientCredentials) => Promise<{ accessToken: string; expiresIn: number } | undefined>;

const FORM = 'application/x-www-form-urlencoded';

function oauthError(error: string, description: string) {
  return { error, error_description: description };
}

/** A form field, or a JSON member for clients that post JSON. */
function field(body: unknown, name: string): string | undefined {
  if (body instanceof URLSearchParams) return body.get(name) ?? undefined;
  if (typeof body === 'object' && body !== null) {
    const value = (body as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

export function registerTokenRoute(app: FastifyInstance, issue: IssueToken): void {
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => done(null, new URLSearchParams(body as string)));
  app.post<{ Params: { customer: string } }>('/cctrustoauth2/:customer/tokens/clients', async (request, reply) => {
    const grantType = field(request.body, 'grant_type');
    const clientId = field(request.body, 'client_id');
    const clientSecret = field(request.body, 'client_secret');
    reply.header('Cache-Control', 'no-store');
    if (grantType === undefined || !clientId || !clientSecret) {
      return reply.code(400).send(oauthError('invalid_request', 'grant_type, client_id and client_secret are required in a form body.'));
    }
    if (grantType !== 'client_credentials') {
      return reply.code(400).send(oauthError('unsupported_grant_type', `The grant type '${grantType}' is not supported; use client_credentials.`));
    }
    const customer = request.params.customer;
    const token = await issue({ clientId, clientSecret, customerId: customer.toLowerCase() === 'root' ? undefined : customer });
    if (token === undefined) return reply.code(401).send(oauthError('invalid_client', 'The client id or secret is not valid.'));
    return reply.send({ token_type: 'bearer', access_token: token.accessToken, expires_in: token.expiresIn });
  });
}
