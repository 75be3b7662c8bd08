// requireScope: requireAuth, then every listed scope must be in the token's `scope` claim.
// RFC 6750 §3.1: "insufficient_scope — The request requires higher privileges than provided by
// the access token. The resource server SHOULD respond with the HTTP 403 (Forbidden) status
// code and MAY include the "scope" attribute with the scope necessary to access the resource."
import { every } from 'hono/combine';
import { createMiddleware } from 'hono/factory';
import { AuthError, InvariantError } from '../shared/errors.ts';
import { SCOPE_TOKEN } from '../shared/scope-token.ts';
import type { MiddlewareHandler } from 'hono';
import type { EnvWith } from './context.ts';
import { BEARER_REALM, challengeDescription } from './error-response.ts';
import { type AuthVariables, requireAuth } from './require-auth.ts';

/** requireAuth, then the scopes: the routes behind it see `c.var.auth`. */
export function requireScope(...scopes: string[]): MiddlewareHandler<EnvWith<AuthVariables>> {
  if (scopes.length === 0) throw new InvariantError('requireScope: name at least one scope');
  const bad = scopes.find((scope) => !SCOPE_TOKEN.test(scope));
  if (bad !== undefined)
    throw new InvariantError(`requireScope: "${bad}" is not an RFC 6749 scope`);
  const needed = scopes.join(' ');
  const description = `This resource needs the scope "${needed}".`;
  const challenge = `Bearer realm="${BEARER_REALM}", error="insufficient_scope", error_description="${challengeDescription(description)}", scope="${needed}"`;

  const checkScope = createMiddleware<EnvWith<AuthVariables>>(async function requireScope(c, next) {
    // RFC 6749 §3.3: the scope claim is a space-delimited, case-sensitive list.
    const granted = new Set(String(c.var.auth.scope ?? '').split(' '));
    if (!scopes.every((scope) => granted.has(scope))) {
      throw new AuthError('insufficient_scope', description, {
        headers: { 'WWW-Authenticate': challenge },
      });
    }
    await next();
  });
  return every(requireAuth(), checkScope);
}
