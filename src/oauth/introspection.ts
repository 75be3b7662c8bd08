// Token introspection (RFC 7662) and revocation (RFC 7009). Each answers after one Redis round
// trip: an access token is verified offline, then its blacklist entry and session are checked
// together (a sessionless one: its blacklist entry and the Redis sentinel, src/oauth/
// revocations.ts); a refresh token is looked up (with its session) by one script.
import { verifyAccessToken } from '../auth/access-token.ts';
import { hashRefreshToken, refreshTokenOwner } from '../auth/refresh-token.ts';
import { blacklistUntil } from '../auth/logout.ts';
import { type TokenDeps, tokenSettings } from '../auth/token-pair.ts';
import { AuthError } from '../shared/errors.ts';
import type { OAuthClient } from './clients.ts';
import { scopeSet } from './claims.ts';
import { isSessionlessRevoked, type RevocationDeps, revokeSessionless } from './revocations.ts';
import type { TokenReference } from './token-reference.ts';

/** RFC 7662 §2.2. Inactive tokens say nothing else (§2.2: "active": false only). */
export type Introspection =
  | { active: false }
  | {
      active: true;
      token_type: 'Bearer' | 'refresh_token';
      scope: string;
      client_id?: string;
      sub: string;
      username?: string;
      exp: number;
      iat?: number;
      nbf?: number;
      aud?: string | string[];
      iss: string;
      jti?: string;
      sid?: string;
    };

const INACTIVE = { active: false } as const;

async function verified(deps: TokenDeps, token: string) {
  const { config } = deps;
  try {
    return await verifyAccessToken(
      deps.keys,
      { ...tokenSettings(config), audiences: undefined },
      token,
      new Date(),
    );
  } catch (error) {
    if (error instanceof AuthError && error.code === 'invalid_token') return undefined;
    throw error;
  }
}

/**
 * Whether `caller` may learn about a token issued to `clientId` (absent: the first-party API)
 * for `aud`. RFC 7662 §4: the server "SHOULD require protected resources to be specifically
 * authorized", and §2.2 lets it "respond differently to different protected resources making
 * the same request". A client learns about the tokens issued to it; a client registered as a
 * resource server, also about the access tokens meant for it (`aud` names one of its
 * audiences). Any other caller is told only `active: false`, as for a dead token, so an
 * introspection endpoint is no oracle for other clients' or users' tokens.
 */
export function mayIntrospect(
  caller: Pick<OAuthClient, 'clientId' | 'resourceAudiences'>,
  clientId: string | undefined,
  aud: string | string[] | undefined,
): boolean {
  if (clientId !== undefined && clientId === caller.clientId) return true;
  const audiences = aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
  return audiences.some((audience) => caller.resourceAudiences.includes(audience));
}

export async function introspect(
  deps: TokenDeps,
  { token }: TokenReference,
  caller: OAuthClient,
  revocations: RevocationDeps,
): Promise<Introspection> {
  const { config } = deps;
  const owner = await refreshTokenOwner(token, config.keys.ring);
  if (owner) {
    const hash = await hashRefreshToken(token);
    const session = await deps.sessions.inspectRefresh(owner.uid, owner.sid, hash);
    // A refresh token has no audience: only the client it was issued to may ask about it.
    if (!session || !mayIntrospect(caller, session.clientId, undefined)) return INACTIVE;
    return {
      active: true,
      token_type: 'refresh_token',
      scope: session.scope,
      ...(session.clientId ? { client_id: session.clientId } : {}),
      sub: session.uid,
      // As in the session's access tokens (src/auth/token-pair.ts): a client learns the
      // user's address only with the email scope.
      ...(session.clientId === undefined || scopeSet(session.scope).has('email')
        ? { username: session.email }
        : {}),
      exp: Math.floor(session.expiresAt.getTime() / 1000),
      iss: config.issuer,
      sid: session.sid,
    };
  }
  const access = await verified(deps, token);
  if (!access) return INACTIVE;
  const { payload } = access;
  const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
  // Decided from the signed claims alone, before any store is asked.
  if (!mayIntrospect(caller, clientId, payload.aud)) return INACTIVE;
  const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
  if (sid === undefined) {
    // A service token has no session: only its revocation can end it early.
    if (await isSessionlessRevoked(revocations, payload.jti, new Date())) return INACTIVE;
  } else {
    const { blacklisted, sessionAlive, keySetVersion } = await deps.sessions.check({
      sub: payload.sub ?? '',
      sid,
      jti: payload.jti,
    });
    if (blacklisted || !sessionAlive) return INACTIVE;
    // An emergency rotation since this isolate loaded its keys: verify against the new set.
    if (deps.keys.observeKeySetVersion(keySetVersion) && !(await verified(deps, token))) {
      return INACTIVE;
    }
  }
  return {
    active: true,
    token_type: 'Bearer',
    scope: String(payload.scope ?? ''),
    ...(clientId !== undefined ? { client_id: clientId } : {}),
    sub: payload.sub ?? '',
    ...(typeof payload.email === 'string' ? { username: payload.email } : {}),
    exp: payload.exp,
    ...(payload.iat !== undefined ? { iat: payload.iat } : {}),
    ...(payload.nbf !== undefined ? { nbf: payload.nbf } : {}),
    ...(payload.aud !== undefined ? { aud: payload.aud } : {}),
    iss: config.issuer,
    jti: payload.jti,
    ...(sid ? { sid } : {}),
  };
}

/**
 * RFC 7009 §2.1: revokes a token the client holds. A refresh token ends its session (and so
 * every access token of it, for requireAuth and introspection); an access token is
 * blacklisted until it expires. Unknown, expired or malformed tokens are a success (§2.2).
 * A live token issued to another client is refused (§2.1: "verifies whether the token was
 * issued to the client making the revocation request. If this validation fails, the request
 * is refused") with unauthorized_client, and left alone.
 */
const notYours = () =>
  new AuthError('unauthorized_client', 'The token was not issued to this client.');

export async function revoke(
  deps: TokenDeps,
  client: OAuthClient,
  { token }: TokenReference,
  revocations: RevocationDeps,
): Promise<void> {
  const owner = await refreshTokenOwner(token, deps.config.keys.ring);
  if (owner) {
    // The session's live token, or the one it replaced (in or past the grace window): a
    // client revoking the token it last held must not leave its successor alive.
    const hash = await hashRefreshToken(token);
    const outcome = await deps.sessions.revokeRefresh(owner.uid, owner.sid, hash, client.clientId);
    if (outcome === 'foreign') throw notYours();
    return;
  }
  const access = await verified(deps, token);
  if (!access) return;
  const { payload } = access;
  if (payload.client_id !== client.clientId) throw notYours();
  // A sessionless token's revocation must survive a Redis that loses its data; a session-bound
  // one dies with its session anyway.
  if (typeof payload.sid !== 'string') {
    await revokeSessionless(revocations, payload.jti, payload.exp);
    return;
  }
  await deps.sessions.blacklist(
    { sub: payload.sub ?? '', sid: payload.sid, jti: payload.jti },
    blacklistUntil(deps.config, payload.exp, new Date()),
  );
}
