// The token pair a session issues (RFC 6749 §5.1): an access token signed from the session's
// claims, and the opaque refresh token that renews it. Shared by starting a session
// (session-start.ts) and refreshing one (session-refresh.ts).
import type { Config } from '../config/index.ts';
import { type AccessTokenClaims, signAccessToken } from './access-token.ts';
import type { KeyContext, KeySetVersion } from './keys/service.ts';
import type { Authentication, SessionClaims, SessionStore } from './session-store.ts';

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export interface TokenDeps {
  config: Config;
  sessions: SessionStore;
  keys: KeyContext;
  /**
   * One Redis round trip: the key-set version, for paths that sign without a session script
   * (client credentials). Session paths get it from the script's reply instead.
   */
  readKeySetVersion: () => Promise<KeySetVersion>;
}

export const tokenSettings = (config: Config) => ({
  issuer: config.issuer,
  audiences: config.audiences,
  ttl: config.accessTokenTtl,
  clockSkew: config.clockSkew,
});

/**
 * Whether the session's access tokens carry the user's email. A first-party session's always
 * do (its own API reads it). A session granted to an OAuth client carries only what the APIs
 * it calls need (RFC 9068 §2.2.3.1 leaves identity claims to the grant): the address only when
 * the user granted the client the `email` scope (OIDC Core §5.4), as userinfo would.
 */
const carriesEmail = (session: SessionClaims): boolean =>
  session.clientId === undefined || session.scope.split(' ').includes('email');

const claimsOf = (session: SessionClaims): AccessTokenClaims => ({
  sub: session.uid,
  sid: session.sid,
  scope: session.scope,
  roles: session.roles,
  ...(carriesEmail(session) ? { email: session.email } : {}),
  // RFC 9068 §2.2: the client the token was issued to (OAuth sessions only).
  ...(session.clientId ? { client_id: session.clientId } : {}),
});

/**
 * What an OAuth client changes about a session's tokens: it is bound to the client, carries
 * the granted (narrower) scope, the client's audience and TTL overrides.
 */
export interface ClientGrant {
  clientId: string;
  scope?: string | undefined;
  audiences?: string[] | undefined;
  accessTokenTtl?: number | null | undefined;
  refreshTokenTtl?: number | null | undefined;
  /** The authentication the grant came from (a browser session's); default: a password sign-in now. */
  authentication?: Authentication | undefined;
}

const settingsFor = (config: Config, grant: ClientGrant | undefined) => {
  const base = tokenSettings(config);
  return {
    ...base,
    audiences: grant?.audiences?.length ? grant.audiences : base.audiences,
    ttl: grant?.accessTokenTtl ?? base.ttl,
  };
};

/** Signs the session's access token and pairs it with its refresh token. */
export async function signTokenPair(
  deps: Pick<TokenDeps, 'config' | 'keys'>,
  session: SessionClaims,
  refresh: { token: string; expiresIn: number },
  now: Date,
  grant: ClientGrant | undefined,
): Promise<TokenPair> {
  const settings = settingsFor(deps.config, grant);
  const access = await signAccessToken(deps.keys, settings, claimsOf(session), now);
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: settings.ttl,
    refresh_token: refresh.token,
    refresh_expires_in: refresh.expiresIn,
  };
}
