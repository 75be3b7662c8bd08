// The user claims an OpenID Connect scope releases (OIDC Core 1.0 §5.4), for the ID token and
// userinfo alike: `profile` the profile claims this service holds (only `name`, and only when
// set: "If a Claim is not returned, that Claim Name SHOULD be omitted"), `email` the address
// and whether it is proven. Nothing else about the user leaves through them.
import type { UserProfile } from '../auth/users.ts';

/** §3.1.2.1: "OpenID Connect requests MUST contain the openid scope value". */
export const OPENID = 'openid';

/** Claims each identity scope may release (§5.4), in the order discovery lists them. */
export const SCOPE_CLAIMS = {
  profile: ['name'],
  email: ['email', 'email_verified'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Every claim an ID token or userinfo of this service can hold: discovery's `claims_supported`
 * (OIDC Discovery 1.0 §3: "JSON array containing a list of the Claim Names of the Claims that
 * the OpenID Provider MAY be able to supply values for").
 */
export const CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'sid',
  'at_hash',
  ...SCOPE_CLAIMS.profile,
  ...SCOPE_CLAIMS.email,
] as const;

/** RFC 6749 §3.3: space-delimited, case-sensitive. */
export const scopeSet = (scope: string): ReadonlySet<string> =>
  new Set(scope.split(' ').filter((s) => s !== ''));

/** Whether a grant of `scope` is an OpenID one: it brings an ID token and opens userinfo. */
export const grantsOpenId = (scope: string): boolean => scopeSet(scope).has(OPENID);

/** Whether `scope` releases any claim the user record holds (one SQL read to answer). */
export function needsUserRecord(scope: string): boolean {
  const scopes = scopeSet(scope);
  return scopes.has('profile') || scopes.has('email');
}

/** The user fields the claims are read from. */
export type ClaimSource = Pick<UserProfile, 'email' | 'name' | 'emailVerifiedAt'>;

/** The claims `scope` releases about `user`, beside `sub` (which the caller sets). */
export function userClaims(user: ClaimSource, scope: string): Record<string, unknown> {
  const scopes = scopeSet(scope);
  return {
    ...(scopes.has('profile') && user.name ? { name: user.name } : {}),
    ...(scopes.has('email')
      ? { email: user.email, email_verified: user.emailVerifiedAt !== null }
      : {}),
  };
}
