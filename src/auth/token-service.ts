// Issuing, refreshing and ending sessions: the token lifecycle behind /login, /refresh and
// /logout. Each operation's store budget: login 1 SQL + 1 Redis here (plus the login guard's
// one Redis request, concurrent with the SQL read), refresh 1 Redis (the claims a refresh needs
// live in the session record, and the per-session limit is counted inside the rotation
// script), logout 1 Redis. Create and rotate also bring back the signing key-set version in
// the same round trip; the key service sees it before anything is signed.
import { decodeJwt } from 'jose';
import type { Config } from '../config/index.ts';
import { scopesOf } from '../config/roles.ts';
import { AuthError } from '../shared/errors.ts';
import {
  type AccessTokenClaims,
  signAccessToken,
  type VerifiedAccessToken,
} from './access-token.ts';
import type { KeyContext, KeySetVersion } from './keys/service.ts';
import {
  hashRefreshToken,
  newRefreshToken,
  refreshTokenOwner,
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
  /**
   * One Redis round trip: the key-set version, for paths that sign without a session script
   * (client credentials). Session paths get it from the script's reply instead.
   */
  readKeySetVersion: () => Promise<KeySetVersion>;
}

/**
 * A security-relevant change to the user (disable, role or password change, reset, deletion)
 * raced with this login and its session-sweep already ran: no session was created. The login
 * starts over once (re-reading the user); a second refusal is answered 503.
 */
export class StaleLoginError extends AuthError {
  constructor() {
    super('temporarily_unavailable', 'The account changed during sign-in; please try again.');
  }
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

/**
 * Records a new session and signs its first tokens. Both succeed or nothing is returned.
 * `user.securityEpoch` is the epoch read with the user (SQL): if a security-relevant change
 * has raised the user's epoch since, no session is created and StaleLoginError is thrown.
 */
export async function startSession(
  deps: TokenDeps,
  user: { id: string; email: string; roles: string[]; securityEpoch: number },
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
  const refreshToken = await newRefreshToken(session.uid, session.sid, config.keys.ring);
  const created = await deps.sessions.create(
    {
      ...session,
      createdAt: now,
      absoluteExpiry: new Date(now.getTime() + config.sessionMaxLifetime * 1000),
      ip: client.ip,
      userAgent: client.userAgent,
      epoch: user.securityEpoch,
    },
    await hashRefreshToken(refreshToken),
    refreshTtl,
    config.sessionCap,
  );
  if (created.value === 'stale') throw new StaleLoginError();
  deps.keys.observeKeySetVersion(created.keySetVersion);
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
 * The 429 for a session over its refresh limit, from the rotation script's reply. Exact: the
 * script's window restarts at `reset`, so a refresh after Retry-After seconds passes.
 */
export class RefreshLimitedError extends AuthError {
  readonly retryAfter: number;
  constructor(limit: number, reset: Date, now: Date) {
    const retryAfter = Math.max(1, Math.ceil((reset.getTime() - now.getTime()) / 1000));
    super('rate_limited', `Too many refreshes; retry in ${retryAfter} s.`, {
      headers: {
        'Retry-After': String(retryAfter),
        'RateLimit-Limit': String(limit),
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': String(retryAfter),
      },
    });
    this.retryAfter = retryAfter;
  }
}

/**
 * Rotates the refresh token (atomically, one round trip) and signs a new access token from
 * the session record. Reuse revokes the session. The whole request is checked inside the
 * rotation before anything changes: the client binding, a narrower `scope` (RFC 6749 §6: the
 * new access token carries it, the session keeps its grant; a wider one is invalid_scope) and
 * the per-session refresh limit (rate_limited, with a true Retry-After).
 */
export async function refreshSession(
  deps: TokenDeps,
  presented: string,
  now: Date,
  grant?: ClientGrant,
  scope?: string[],
): Promise<RefreshOutcome> {
  const { config } = deps;
  // A forged or mangled token stops here, before any store work.
  const owner = await refreshTokenOwner(presented, config.keys.ring);
  if (!owner) throw new AuthError('invalid_grant');
  const successor = await successorOf(presented, config.keys.ring);
  const [presentedHash, successorHash] = await Promise.all([
    hashRefreshToken(presented),
    hashRefreshToken(successor),
  ]);
  const { value: rotation, keySetVersion } = await deps.sessions.rotate({
    ...owner,
    presentedHash,
    successorHash,
    now,
    graceSeconds: config.refreshReuseGrace,
    ttlSeconds: grant?.refreshTokenTtl ?? config.refreshTokenTtl,
    clientId: grant?.clientId,
    scope,
    limit: config.abuse.limits.refreshSession,
  });
  switch (rotation.kind) {
    case 'invalid':
      throw new AuthError('invalid_grant');
    case 'invalid_scope':
      throw new AuthError('invalid_scope', 'The scope asked for is wider than the grant.');
    case 'limited':
      throw new RefreshLimitedError(rotation.limit, rotation.reset, now);
    case 'reused':
      return rotation;
  }
  deps.keys.observeKeySetVersion(keySetVersion);
  const settings = settingsFor(config, grant);
  const session =
    scope === undefined ? rotation.session : { ...rotation.session, scope: scope.join(' ') };
  const access = await signAccessToken(deps.keys, settings, claimsOf(session), now);
  return {
    kind: 'refreshed',
    session,
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
 * When a revoked access token's blacklist entry may go: verifiers accept a token until
 * exp + CLOCK_SKEW, so the entry must last that long; and it must lie in the future, or Redis
 * would store nothing (a token revoked inside the skew window would live on).
 */
export const blacklistUntil = (config: Config, exp: number, now: Date): number =>
  Math.max(exp + config.clockSkew, Math.floor(now.getTime() / 1000) + 1);

/**
 * Blacklists the access token until verifiers stop accepting it and ends its session (the
 * refresh tokens die with it). The caller verified the token offline; the revocation check
 * happens here, in the same round trip. A refresh token sent along must name the same
 * session; it is otherwise ignored (the session ends either way).
 */
export async function endSession(
  deps: TokenDeps,
  access: VerifiedAccessToken['payload'],
  now: Date,
): Promise<void> {
  const sid = typeof access.sid === 'string' ? access.sid : '';
  const ended = await deps.sessions.logout(
    { sub: access.sub ?? '', sid, jti: access.jti },
    blacklistUntil(deps.config, access.exp, now),
  );
  if (!ended) throw new AuthError('invalid_token', 'The session has already ended.');
}
