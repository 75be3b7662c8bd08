// Hono middleware over a Verifier, the Hono way (hono/src/middleware/jwt): factories that check
// their options once, named handlers, and the variables they set typed by an exported type
// that the app puts in its Env for the routes behind them (no global ContextVariableMap
// augmentation: it would claim `auth` on routes without the middleware, honojs/hono#2249).
// Type-only imports: hono stays an optional peer dependency of this package.
import type { Context, MiddlewareHandler } from 'hono';
import { type AccessTokenClaims, hasAnyRole, hasScopes } from './claims.ts';
import { VerifyError } from './errors.ts';
import { authenticate, errorResponse } from './request.ts';
import type { Verifier } from './verifier.ts';

/** What verifyAuth() sets: the verified claims, as `c.var.auth`. */
export interface VerifyAuthVariables {
  auth: AccessTokenClaims;
}

export interface VerifyAuthEnv {
  Variables: VerifyAuthVariables;
}

export interface VerifyAuthOptions {
  /** The verifier, or how to get it from the request (on Workers, from `c.env`; made once). */
  verifier: Verifier | ((c: Context) => Verifier);
  /** The realm of the RFC 6750 challenge (default "api"). */
  realm?: string;
}

function waitUntilOf(c: Context): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined; // Node, Deno, Bun: no execution context; the promise runs on its own.
  }
}

/** Verifies the bearer token; sets `c.var.auth`, or answers 401 / 503. */
export function verifyAuth(options: VerifyAuthOptions): MiddlewareHandler<VerifyAuthEnv> {
  if (!options?.verifier) throw new Error('verifyAuth: "verifier" is required');
  const { verifier } = options;
  const realm = options.realm ?? 'api';
  return async function verifyAuth(c, next) {
    let claims: AccessTokenClaims;
    try {
      const waitUntil = waitUntilOf(c);
      const resolved = typeof verifier === 'function' ? verifier(c) : verifier;
      claims = await authenticate(resolved, c.req.raw, waitUntil ? { waitUntil } : {});
    } catch (error) {
      if (error instanceof VerifyError) return errorResponse(error, realm);
      throw error;
    }
    c.set('auth', claims);
    await next();
  };
}

/** After verifyAuth(): 403 insufficient_scope unless the token carries every scope. */
export function requireScope(...scopes: string[]): MiddlewareHandler<VerifyAuthEnv> {
  if (scopes.length === 0) throw new Error('requireScope: name at least one scope');
  return async function requireScope(c, next) {
    const claims = c.get('auth');
    if (!claims) throw new Error('requireScope: verifyAuth() must run first');
    if (!hasScopes(claims, scopes)) {
      const error = new VerifyError('insufficient_scope', `Requires scope: ${scopes.join(' ')}.`);
      return errorResponse(error, 'api', scopes);
    }
    await next();
  };
}

/** After verifyAuth(): 403 unless the token carries one of the roles. */
export function requireRole(...roles: string[]): MiddlewareHandler<VerifyAuthEnv> {
  if (roles.length === 0) throw new Error('requireRole: name at least one role');
  return async function requireRole(c, next) {
    const claims = c.get('auth');
    if (!claims) throw new Error('requireRole: verifyAuth() must run first');
    if (!hasAnyRole(claims, roles)) {
      const error = new VerifyError(
        'insufficient_role',
        `Requires one of the roles: ${roles.join(', ')}.`,
      );
      return errorResponse(error);
    }
    await next();
  };
}
