// Refreshing a session (RFC 6749 §6): the first-party /refresh and the OAuth refresh_token
// grant. One Redis round trip: the claims a refresh needs live in the session record, and the
// per-session limit is counted inside the rotation script, which also brings back the signing
// key-set version.
import { AuthError } from '../shared/errors.ts';
import { hashRefreshToken, refreshTokenOwner, successorOf } from './refresh-token.ts';
import type { SessionClaims } from './session-store.ts';
import { type ClientGrant, signTokenPair, type TokenDeps, type TokenPair } from './token-pair.ts';

export interface Refreshed {
  tokens: TokenPair;
  session: SessionClaims;
}

/**
 * A refresh token presented again after its grace period: the session is revoked (by the
 * rotation script, before this is thrown), and the caller audits whose it was.
 */
export class RefreshTokenReusedError extends AuthError {
  readonly uid: string;
  readonly sid: string;
  constructor(uid: string, sid: string) {
    super('refresh_token_reused');
    this.uid = uid;
    this.sid = sid;
  }
}

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
 * the per-session refresh limit (rate_limited, with a true Retry-After). Every refusal is
 * thrown: invalid_grant, invalid_scope, RefreshLimitedError, RefreshTokenReusedError.
 */
export async function refreshSession(
  deps: TokenDeps,
  presented: string,
  now: Date,
  grant?: ClientGrant,
  scope?: string[],
): Promise<Refreshed> {
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
      throw new RefreshTokenReusedError(rotation.uid, rotation.sid);
  }
  deps.keys.observeKeySetVersion(keySetVersion);
  const session =
    scope === undefined ? rotation.session : { ...rotation.session, scope: scope.join(' ') };
  const refresh = { token: successor, expiresIn: rotation.refreshTtlSeconds };
  return {
    session,
    tokens: await signTokenPair(deps, session, refresh, now, grant),
  };
}
