// Scope strings (RFC 6749 §3.3): space-delimited, case-sensitive scope-tokens. What a client
// may be granted is the intersection of what it asked for, what it is allowed, and what the
// user's roles grant; the OpenID identity scopes grant no API permission and are always
// grantable to a client allowed them.
import { SCOPE_TOKEN } from '../shared/scope-token.ts';

export const IDENTITY_SCOPES = ['openid', 'profile', 'email'] as const;

/** Parsed scope tokens, or undefined when the string is malformed. */
export function parseScope(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return [];
  const tokens = raw.split(' ').filter((t) => t !== '');
  if (!tokens.every((t) => SCOPE_TOKEN.test(t))) return undefined;
  return [...new Set(tokens)];
}

/**
 * The granted scope, in the client's order. `requested` empty means "what the client is
 * allowed". `userScopes` undefined means no user (client credentials).
 */
export function grantScope(
  requested: string[],
  clientScopes: readonly string[],
  userScopes: string | undefined,
): { granted: string[]; refused: string[] } {
  const wanted = requested.length > 0 ? requested : [...clientScopes];
  const userHas = new Set([...(userScopes ?? '').split(' '), ...IDENTITY_SCOPES]);
  const granted: string[] = [];
  const refused: string[] = [];
  for (const scope of wanted) {
    const ok = clientScopes.includes(scope) && (userScopes === undefined || userHas.has(scope));
    (ok ? granted : refused).push(scope);
  }
  return { granted, refused };
}
