// Starting a session: a first-party login, an OAuth code exchange, a hosted-page sign-in. One
// SQL read before (the caller's, of the user) and one Redis round trip here: the create script,
// which also brings back the signing key-set version, so the key service sees it before
// anything is signed.
import { scopesOf } from '../config/roles.ts';
import { AuthError } from '../shared/errors.ts';
import { hashRefreshToken, newRefreshToken } from './refresh-token.ts';
import type { Authentication, SessionClaims } from './session-store.ts';
import {
  type ClientGrant,
  type ClientInfo,
  signTokenPair,
  type TokenDeps,
  type TokenPair,
} from './token-pair.ts';

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

/**
 * The browser session a client's session was to be granted from has ended (the user signed
 * out, OIDC RP-Initiated Logout): nothing was created. A code issued before the logout is
 * refused after it (src/oauth/grants.ts: invalid_grant).
 */
export class SignInEndedError extends AuthError {
  constructor() {
    super('invalid_grant', 'The sign-in this grant came from has ended.');
  }
}

/** The user a session is started for, with the security epoch read along (SQL). */
export interface SessionUser {
  id: string;
  email: string;
  roles: string[];
  securityEpoch: number;
}

/**
 * What a browser session stores where a session keeps its refresh token's SHA-256: not
 * base64url, so no presented token ever hashes to it. A hosted-page sign-in has no refresh
 * token: the cookie names the session, nothing else renews it.
 */
const NO_REFRESH_TOKEN = '!browser';

/**
 * Records the session in one round trip. `user.securityEpoch` is the epoch read with the user
 * (SQL): if a security-relevant change has raised the user's epoch since, no session is
 * created and StaleLoginError is thrown.
 */
async function recordSession(
  deps: Pick<TokenDeps, 'config' | 'sessions'>,
  session: SessionClaims,
  epoch: number,
  client: ClientInfo,
  now: Date,
  refresh: { hash: string; ttl: number },
) {
  const { config } = deps;
  const created = await deps.sessions.create(
    {
      ...session,
      createdAt: now,
      absoluteExpiry: new Date(now.getTime() + config.sessionMaxLifetime * 1000),
      ip: client.ip,
      userAgent: client.userAgent,
      epoch,
    },
    refresh.hash,
    refresh.ttl,
    config.sessionCap,
  );
  if (created.value === 'stale') throw new StaleLoginError();
  if (created.value === 'ended') throw new SignInEndedError();
  return created;
}

/** A password sign-in that happens now: what every session records unless told otherwise. */
export const passwordAuthentication = (now: Date): Authentication => ({
  time: Math.floor(now.getTime() / 1000),
  methods: ['pwd'],
});

const claimsFor = (
  deps: Pick<TokenDeps, 'config'>,
  user: SessionUser,
  now: Date,
  grant?: ClientGrant,
  auth?: Authentication,
): SessionClaims => ({
  sid: crypto.randomUUID(),
  uid: user.id,
  email: user.email,
  roles: user.roles,
  scope: grant?.scope ?? scopesOf(user.roles, deps.config.roleScopes),
  clientId: grant?.clientId,
  auth: auth ?? grant?.authentication ?? passwordAuthentication(now),
});

/**
 * Records a new session and signs its first tokens. Both succeed or nothing is returned;
 * StaleLoginError when the user changed since it was read.
 */
export async function startSession(
  deps: TokenDeps,
  user: SessionUser,
  client: ClientInfo,
  now: Date,
  grant?: ClientGrant,
): Promise<{ sid: string; tokens: TokenPair }> {
  const { config } = deps;
  const session = claimsFor(deps, user, now, grant);
  const refreshTtl = grant?.refreshTokenTtl ?? config.refreshTokenTtl;
  const refreshToken = await newRefreshToken(session.uid, session.sid, config.keys.ring);
  const created = await recordSession(deps, session, user.securityEpoch, client, now, {
    hash: await hashRefreshToken(refreshToken),
    ttl: refreshTtl,
  });
  deps.keys.observeKeySetVersion(created.keySetVersion);
  const refresh = {
    token: refreshToken,
    expiresIn: Math.min(refreshTtl, config.sessionMaxLifetime),
  };
  return {
    sid: session.sid,
    tokens: await signTokenPair(deps, session, refresh, now, grant),
  };
}

/**
 * Records a hosted-page (browser) session: an ordinary session in the store, so it counts
 * toward SESSION_CAP, shows in the session list and ends with logout-all, a password reset or
 * a disable; but no token is minted, as the browser would only throw it away. It lives until
 * `expiresIn` (seconds, the refresh TTL within the session's maximum lifetime), unrenewed.
 * StaleLoginError when the user changed since it was read.
 */
export async function startBrowserSession(
  deps: Pick<TokenDeps, 'config' | 'sessions'>,
  user: SessionUser,
  client: ClientInfo,
  now: Date,
  auth: Authentication = passwordAuthentication(now),
): Promise<{ sid: string; expiresIn: number }> {
  const { config } = deps;
  const session = claimsFor(deps, user, now, undefined, auth);
  await recordSession(deps, session, user.securityEpoch, client, now, {
    hash: NO_REFRESH_TOKEN,
    ttl: config.refreshTokenTtl,
  });
  return {
    sid: session.sid,
    expiresIn: Math.min(config.refreshTokenTtl, config.sessionMaxLifetime),
  };
}
