// Issuing, refreshing and ending sessions: the token lifecycle behind /login, /refresh and
// /logout. Each operation's store budget: login 1 SQL + 1 Redis here (plus the login guard's
// one Redis request, concurrent with the SQL read), refresh 1 Redis (the claims a refresh needs
// live in the session record; plus one limiter request when the per-session limit is on),
// logout 1 Redis.
import { decodeJwt } from 'jose';
import type { Config } from '../config/index.ts';
import { scopesOf } from '../config/roles.ts';
import { AuthError } from '../errors.ts';
import {
  type AccessTokenClaims,
  signAccessToken,
  type VerifiedAccessToken,
} from './access-token.ts';
import type { KeyContext, KeySetVersion } from './keys/service.ts';
import {
  hashRefreshToken,
  looksLikeRefreshToken,
  newRefreshToken,
  refreshSessionId,
  successorOf,
} from './refresh-token.ts';
import type { SessionClaims, SessionStore } from './sessions.ts';

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
  /** The per-session refresh limit: throws rate_limited when over it. */
  admitRefresh: (sid: string) => Promise<void>;
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

const claimsOf = (session: SessionClaims): AccessTokenClaims => ({
  sub: session.uid,
  sid: session.sid,
  scope: session.scope,
  roles: session.roles,
  email: session.email,
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
}

const settingsFor = (config: Config, grant: ClientGrant | undefined) => {
  const base = tokenSettings(config);
  return {
    ...base,
    audiences: grant?.audiences?.length ? grant.audiences : base.audiences,
    ttl: grant?.accessTokenTtl ?? base.ttl,
  };
};

/**
 * The session id of a token pair we just issued, read back from its access token's `sid` claim
 * (no verification needed: we signed it a moment ago), so login's response shape stays as is.
 */
export function sessionIdOf(tokens: { access_token: string }): string | null {
  const { sid } = decodeJwt(tokens.access_token);
  return typeof sid === 'string' ? sid : null;
}

/** Records a new session and signs its first tokens. Both succeed or nothing is returned. */
export async function startSession(
  deps: TokenDeps,
  user: { id: string; email: string; roles: string[] },
  client: ClientInfo,
  now: Date,
  grant?: ClientGrant,
): Promise<TokenPair> {
  const { config } = deps;
  const session: SessionClaims = {
    sid: crypto.randomUUID(),
    uid: user.id,
    email: user.email,
    roles: user.roles,
    scope: grant?.scope ?? scopesOf(user.roles, config.roleScopes),
    clientId: grant?.clientId,
  };
  const settings = settingsFor(config, grant);
  const refreshTtl = grant?.refreshTokenTtl ?? config.refreshTokenTtl;
  const refreshToken = await newRefreshToken(session.sid, config.keys.keks);
  const { keySetVersion } = await deps.sessions.create(
    {
      ...session,
      createdAt: now,
      absoluteExpiry: new Date(now.getTime() + config.sessionMaxLifetime * 1000),
      ip: client.ip,
      userAgent: client.userAgent,
    },
    await hashRefreshToken(refreshToken),
    refreshTtl,
    config.sessionCap,
  );
  // Signs after the store reply (not beside it): the reply carries the key-set version, and a
  // changed one must reload the key set before anything is signed (item 17, emergency rotation).
  deps.keys.observeKeySetVersion(keySetVersion);
  const access = await signAccessToken(deps.keys, settings, claimsOf(session), now);
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: settings.ttl,
    refresh_token: refreshToken,
    refresh_expires_in: Math.min(refreshTtl, config.sessionMaxLifetime),
  };
}

export type RefreshOutcome =
  | { kind: 'refreshed'; tokens: TokenPair; session: SessionClaims }
  | { kind: 'reused'; uid: string; sid: string };

/**
 * Rotates the refresh token (atomically, one round trip) and signs a new access token from
 * the session record. Reuse after the grace window revokes the session.
 */
export async function refreshSession(
  deps: TokenDeps,
  presented: string,
  now: Date,
  grant?: ClientGrant,
): Promise<RefreshOutcome> {
  const { config } = deps;
  // A forged or mangled token stops here, before it can spend a real session's refresh budget.
  const sid = await refreshSessionId(presented, config.keys.keks);
  if (!sid) throw new AuthError('invalid_grant');
  await deps.admitRefresh(sid);
  const successor = await successorOf(presented, config.keys.keks);
  const [oldHash, newHash] = await Promise.all([
    hashRefreshToken(presented),
    hashRefreshToken(successor),
  ]);
  const rotation = await deps.sessions.rotate(
    oldHash,
    newHash,
    now,
    config.refreshReuseGrace,
    grant?.refreshTokenTtl ?? config.refreshTokenTtl,
    grant?.clientId,
  );
  if (rotation.kind === 'invalid') throw new AuthError('invalid_grant');
  if (rotation.kind === 'reused') return rotation;
  // Before signing: a changed key-set version reloads the key set (emergency rotation).
  deps.keys.observeKeySetVersion(rotation.keySetVersion);
  const settings = settingsFor(config, grant);
  const access = await signAccessToken(deps.keys, settings, claimsOf(rotation.session), now);
  return {
    kind: 'refreshed',
    session: rotation.session,
    tokens: {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: settings.ttl,
      refresh_token: successor,
      refresh_expires_in: rotation.refreshTtlSeconds,
    },
  };
}

/**
 * Blacklists the access token until it expires and ends its session (and refresh token). The
 * caller verified the token offline; the revocation check happens here, in the same round trip.
 */
export async function endSession(
  deps: TokenDeps,
  access: VerifiedAccessToken['payload'],
  presentedRefresh: string | undefined,
): Promise<void> {
  const refreshHash =
    presentedRefresh && looksLikeRefreshToken(presentedRefresh)
      ? await hashRefreshToken(presentedRefresh)
      : undefined;
  const ended = await deps.sessions.logout(access.sid, access.jti, access.exp, refreshHash);
  if (!ended) throw new AuthError('invalid_token', 'The session has already ended.');
}
