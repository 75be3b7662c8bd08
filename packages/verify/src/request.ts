// Bearer tokens in requests (RFC 6750 §2.1) and the answers to refuse them (§3): the plain
// `(request) => claims` helper for any fetch handler, and what the Hono middleware shares.
import type { AccessTokenClaims } from './claims.ts';
import { VerifyError } from './errors.ts';
import type { Verifier, VerifyOptions } from './verifier.ts';

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b68token; the scheme is case-insensitive
// (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The bearer token of the Authorization header, or undefined. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('Authorization');
  if (!header) return undefined;
  return BEARER.exec(header.trim())?.[1];
}

/** Verifies the request's bearer token: its claims, or a VerifyError. */
export async function authenticate(
  verifier: Verifier,
  request: Request,
  options?: VerifyOptions,
): Promise<AccessTokenClaims> {
  const token = bearerToken(request);
  if (token === undefined) throw new VerifyError('token_missing', 'An access token is required.');
  return verifier.verify(token, options);
}

const quoted = (text: string) => text.replace(/[\\"]/g, '');

/**
 * The WWW-Authenticate challenge for a refusal (RFC 6750 §3): no error code when the token is
 * simply missing (§3.1: "the resource server SHOULD NOT include an error code"), invalid_token
 * for a bad one, insufficient_scope with the scope needed for a 403.
 */
export function challenge(error: VerifyError, realm: string, scope?: string[]): string {
  const parts = [`Bearer realm="${quoted(realm)}"`];
  if (error.code === 'token_missing') return parts[0]!;
  if (error.status === 503) return parts[0]!;
  const code = error.status === 403 ? 'insufficient_scope' : 'invalid_token';
  parts.push(`error="${code}"`, `error_description="${quoted(error.message)}"`);
  if (scope?.length) parts.push(`scope="${quoted(scope.join(' '))}"`);
  return parts.join(', ');
}

/** A JSON refusal with the right status and challenge; never echoes the token. */
export function errorResponse(error: VerifyError, realm = 'api', scope?: string[]): Response {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
  };
  if (error.status !== 503) headers['WWW-Authenticate'] = challenge(error, realm, scope);
  else headers['Retry-After'] = '5';
  return new Response(JSON.stringify({ error: error.code, error_description: error.message }), {
    status: error.status,
    headers,
  });
}
