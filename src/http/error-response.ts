// The one place an error becomes an HTTP response: OAuth-style JSON
// `{"error": code, "error_description": text}` (RFC 6749 §5.2) with the code's status.
// 5xx responses never carry internal detail: the log line (with the request id) does, and it
// holds only safe fields: the request id, the route PATTERN (never the URL, whose path or query
// may hold an address or a token), the error code and the facts of its cause (classes,
// SQLSTATE, constraint, HTTP status), never a driver's message (src/shared/safe-cause.ts).
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import {
  AuthError,
  ConfigError,
  ERRORS,
  type ErrorCode,
  StoreUnavailableError,
} from '../shared/errors.ts';
import { failureFacts } from '../shared/safe-cause.ts';
import { noStore } from './cache-control.ts';

export const BEARER_REALM = 'edge-auth';

/** RFC 6750 §3: 401/403 for a bearer token carry a challenge naming the error. */
function bearerChallenge(error: AuthError): Record<string, string> {
  if (error.code !== 'invalid_token' && error.code !== 'insufficient_scope') return {};
  const description = error.message.replace(/["\\]/g, '');
  return {
    'WWW-Authenticate': `Bearer realm="${BEARER_REALM}", error="${error.code}", error_description="${description}"`,
  };
}

export function errorBody(code: ErrorCode, description: string) {
  return { error: code, error_description: description };
}

function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof HTTPException) {
    // Raised by Hono's own middleware (body limit, malformed JSON in a validator).
    if (err.status === 413) return new AuthError('payload_too_large');
    if (err.status === 400) return new AuthError('invalid_request', 'Malformed request body.');
  }
  return new AuthError('server_error', undefined, { cause: err });
}

export function logError(c: Context, err: AuthError): void {
  const line: Record<string, unknown> = {
    level: err.status >= 500 ? 'error' : 'warn',
    // Our own text: the registry's description, or what a misconfiguration names (variables,
    // a key id; never a secret's value: src/config, src/auth/keys/key-material.ts).
    msg: err.code === 'server_misconfigured' ? err.message : ERRORS[err.code].description,
    code: err.code,
    request_id: c.get('requestId'),
    method: c.req.method,
    route: routePath(c, -1) || null,
  };
  if (err instanceof ConfigError) line.variables = err.variables;
  if (err instanceof StoreUnavailableError) line.store = err.store;
  if (err.cause !== undefined) line.cause = failureFacts(err.cause);
  console.error(JSON.stringify(line));
}

export function renderError(err: unknown, c: Context): Response {
  const authError = toAuthError(err);
  if (authError.status >= 500) logError(c, authError);
  const description =
    authError.status >= 500 ? ERRORS[authError.code].description : authError.message;
  return c.json(errorBody(authError.code, description), authError.status, {
    ...noStore,
    ...bearerChallenge(authError),
    ...authError.headers,
  });
}
