// The claims of an edge-auth access token (RFC 9068 §2.2 plus edge-auth's own), as verified.

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  jti: string;
  /** The session: absent on service tokens (client credentials). */
  sid?: string;
  /** Space-separated scopes (RFC 9068 §2.2.3). */
  scope: string;
  /** The user's roles; empty on service tokens. */
  roles: string[];
  email?: string;
  /** The OAuth client the token was issued to, when one was (RFC 9068 §2.2). */
  client_id?: string;
  [claim: string]: unknown;
}

/** The token's scopes as a list (RFC 6749 §3.3: space-delimited). */
export const scopesOf = (claims: Pick<AccessTokenClaims, 'scope'>): string[] =>
  claims.scope.split(' ').filter(Boolean);

/** Whether the token carries every one of `scopes`. */
export const hasScopes = (claims: Pick<AccessTokenClaims, 'scope'>, scopes: string[]): boolean => {
  const held = new Set(scopesOf(claims));
  return scopes.every((scope) => held.has(scope));
};

/** Whether the token carries any one of `roles`. */
export const hasAnyRole = (claims: Pick<AccessTokenClaims, 'roles'>, roles: string[]): boolean =>
  roles.some((role) => claims.roles.includes(role));
