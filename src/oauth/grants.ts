// The three grants of POST /oauth/token (RFC 6749 §4.1.3, §6, §4.4). Refresh is the same
// rotation and reuse detection as the first-party API (src/auth/session-refresh.ts): one
// implementation, two front doors; the session is bound to the client it was granted to. A
// grant whose scope holds `openid` also brings an ID token (OIDC Core 1.0 §3.1.3.3, §12.2).
import { signAccessToken } from '../auth/access-token.ts';
import type { KeySetVersion } from '../auth/keys/service.ts';
import type { Authentication, SessionStore } from '../auth/session-store.ts';
import {
  RefreshLimitedError,
  type Refreshed,
  refreshSession,
  RefreshTokenReusedError,
} from '../auth/session-refresh.ts';
import { SignInEndedError, StaleLoginError, startSession } from '../auth/session-start.ts';
import {
  type ClientGrant,
  type ClientInfo,
  type TokenDeps,
  tokenSettings,
} from '../auth/token-pair.ts';
import type { UserStore } from '../auth/users.ts';
import type { AuditRecorder } from '../audit/events.ts';
import { AuthError } from '../shared/errors.ts';
import { type AuthorizationCodeStore, redeemCode } from './authorization-codes.ts';
import type { OAuthClient } from './clients.ts';
import { type ClaimSource, grantsOpenId, needsUserRecord, userClaims } from './claims.ts';
import { signIdToken } from './id-token.ts';
import { verifierMatches } from './pkce.ts';
import { grantScope } from './scopes.ts';
import type { TokenRequest } from './token-request.ts';

type RequestOf<G extends TokenRequest['grant_type']> = Extract<TokenRequest, { grant_type: G }>;

/** RFC 6749 §5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  /** OIDC Core §3.1.3.3: when the granted scope holds `openid`. */
  id_token?: string;
}

export interface GrantDeps {
  tokens: TokenDeps;
  users: UserStore;
  codes: AuthorizationCodeStore;
  sessions: SessionStore;
  audit: AuditRecorder;
  client: ClientInfo;
  /**
   * The key-set version, read by the route beside the client lookup (client credentials only:
   * that grant signs without a session script); read here when absent.
   */
  keySetVersion?: Promise<KeySetVersion> | undefined;
}

/** §5.2: at the token endpoint invalid_grant is a 400 (token_invalid_grant in the registry). */
const invalidGrant = (description?: string) => new AuthError('token_invalid_grant', description);

const grantOf = (client: OAuthClient, scope?: string): ClientGrant => ({
  clientId: client.clientId,
  scope,
  audiences: client.audience,
  accessTokenTtl: client.accessTokenTtl,
  refreshTokenTtl: client.refreshTokenTtl,
});

function response(
  client: OAuthClient,
  pair: { access_token: string; expires_in: number; refresh_token: string },
  scope: string,
  idToken: string | undefined,
): TokenResponse {
  return {
    access_token: pair.access_token,
    token_type: 'Bearer',
    expires_in: pair.expires_in,
    // Only a client allowed the refresh grant gets a refresh token to use with it.
    ...(client.grantTypes.includes('refresh_token') ? { refresh_token: pair.refresh_token } : {}),
    scope,
    ...(idToken !== undefined ? { id_token: idToken } : {}),
  };
}

/** What an ID token is made of, besides the service's issuer and keys. */
interface IdTokenFacts {
  client: OAuthClient;
  userId: string;
  scope: string;
  auth: Authentication;
  /** The access token issued beside it: `at_hash`, and its lifetime bounds the ID token's. */
  access: { access_token: string; expires_in: number };
  user: ClaimSource | undefined;
  nonce?: string | undefined;
}

/**
 * OIDC Core §2: iss, sub, aud (the client alone), exp, iat, auth_time, amr, acr, sid, at_hash,
 * the nonce when there was one, and the claims the scope releases (src/oauth/claims.ts). It
 * lives no longer than the access token beside it: a relying party that keeps the ID token as
 * its login state learns no later than the API would that the session may have ended.
 */
function idTokenFor(deps: GrantDeps, facts: IdTokenFacts, now: Date): Promise<string> {
  return signIdToken(
    deps.tokens.keys,
    {
      issuer: deps.tokens.config.issuer,
      clientId: facts.client.clientId,
      subject: facts.userId,
      auth: facts.auth,
      ttl: facts.access.expires_in,
      nonce: facts.nonce,
      accessToken: facts.access.access_token,
      claims: facts.user ? userClaims(facts.user, facts.scope) : undefined,
    },
    now,
  );
}

/** The grant `request` names, for `client` (authenticated, and allowed that grant). */
export function exchangeToken(
  deps: GrantDeps,
  client: OAuthClient,
  request: TokenRequest,
): Promise<TokenResponse> {
  switch (request.grant_type) {
    case 'authorization_code':
      return authorizationCodeGrant(deps, client, request);
    case 'refresh_token':
      return refreshTokenGrant(deps, client, request);
    case 'client_credentials':
      return clientCredentialsGrant(deps, client, request);
  }
}

export async function authorizationCodeGrant(
  deps: GrantDeps,
  client: OAuthClient,
  request: RequestOf<'authorization_code'>,
): Promise<TokenResponse> {
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = request;
  const redemption = await redeemCode(deps.codes, code);
  if (redemption.kind === 'reused') {
    // §4.1.2: deny, and revoke what the first use produced.
    const first = redemption.session;
    if (first) await deps.sessions.revoke(first.uid, [first.sid]);
    deps.audit.record({
      type: 'authorization_code_reused',
      sessionId: first?.sid ?? null,
      details: { client_id: client.clientId },
    });
    throw invalidGrant('The authorization code was already used; its tokens are revoked.');
  }
  if (redemption.kind === 'invalid')
    throw invalidGrant('The authorization code is invalid or expired.');
  const { grant } = redemption;
  // §4.1.3: the code was issued to this client, for this redirect URI, and (RFC 7636 §4.6)
  // the verifier matches its challenge. The code is spent either way.
  if (grant.clientId !== client.clientId)
    throw invalidGrant('The code was issued to another client.');
  if (grant.redirectUri !== redirectUri) throw invalidGrant('redirect_uri does not match.');
  if (!(await verifierMatches(verifier, grant.codeChallenge))) {
    throw invalidGrant('code_verifier does not match the code challenge.');
  }
  const user = await deps.users.findById(grant.userId);
  if (!user || user.disabledAt) throw invalidGrant('The user is no longer active.');
  // The session is created under the epoch the code was issued with: a security-relevant
  // change to the user since (SQL already shows it, or its sweep has run) voids the code.
  const changed = () => invalidGrant('The account changed since the code was issued.');
  if (user.securityEpoch > grant.epoch) throw changed();
  const now = new Date();
  let started;
  try {
    started = await startSession(
      deps.tokens,
      { ...user, securityEpoch: grant.epoch },
      deps.client,
      now,
      { ...grantOf(client, grant.scope), authentication: grant.authentication },
    );
  } catch (error) {
    if (error instanceof StaleLoginError) throw changed();
    // RP-Initiated Logout ended the browser session the code was issued from.
    if (error instanceof SignInEndedError) {
      throw invalidGrant('The user signed out after this code was issued.');
    }
    throw error;
  }
  const { sid, tokens } = started;
  if (await deps.codes.recordSession(redemption.codeHash, { uid: user.id, sid })) {
    await deps.sessions.revoke(user.id, [sid]);
    throw invalidGrant('The authorization code was already used; its tokens are revoked.');
  }
  deps.audit.record({ type: 'login_success', userId: user.id, sessionId: sid });
  // §3.1.3.3: with `openid` granted, the response carries an ID token: the authentication is
  // the browser session's (auth_time kept when an existing sign-in was reused, §2), the nonce
  // the authorization request's (§3.1.2.1), echoed as it came.
  const idToken = grantsOpenId(grant.scope)
    ? await idTokenFor(
        deps,
        {
          client,
          userId: user.id,
          scope: grant.scope,
          auth: grant.authentication,
          access: tokens,
          user,
          nonce: grant.nonce,
        },
        now,
      )
    : undefined;
  return response(client, tokens, grant.scope, idToken);
}

export async function refreshTokenGrant(
  deps: GrantDeps,
  client: OAuthClient,
  request: RequestOf<'refresh_token'>,
): Promise<TokenResponse> {
  const { refresh_token: presented, scope: asked } = request;
  // §6: a narrower scope may be asked for, never a wider one. The whole request is checked
  // before the token rotates: a malformed scope by its schema (src/oauth/token-request.ts), a
  // wider one inside the rotation script, which refuses it changing nothing (a refused
  // request must not burn the refresh token).
  const now = new Date();
  let outcome: Refreshed;
  try {
    outcome = await refreshSession(
      deps.tokens,
      presented,
      now,
      grantOf(client),
      asked.length > 0 ? asked : undefined,
    );
  } catch (error) {
    if (error instanceof RefreshTokenReusedError) {
      deps.audit.record({
        type: 'refresh_reuse_detected',
        userId: error.uid,
        sessionId: error.sid,
      });
      throw invalidGrant('This refresh token was already used; the session has been revoked.');
    }
    if (error instanceof AuthError && error.code === 'invalid_grant') throw invalidGrant();
    if (error instanceof RefreshLimitedError) {
      deps.audit.record({
        type: 'rate_limited',
        userId: null,
        details: { limiter: 'refresh_session', retry_after: error.retryAfter },
      });
    }
    throw error;
  }
  // A routine rotation writes no audit row (src/audit/events.ts); the refusals above do.
  const { session, tokens } = outcome;
  return response(
    client,
    tokens,
    session.scope,
    await refreshedIdToken(deps, client, outcome, now),
  );
}

/**
 * OIDC Core §12.2: a refresh of an OpenID grant may bring a new ID token, with "the same" iss,
 * sub and aud as the first, auth_time "the time of the original authentication - not the time
 * that the new ID token is issued" (the session keeps it), a new iat, and no nonce ("it SHOULD
 * NOT have a nonce Claim Value"). The scope is the one this response grants (a narrower one
 * asked for here may drop `openid`, and with it the ID token). The refresh path stays one
 * Redis round trip unless the scope releases claims the session record does not hold (name,
 * email_verified): then one SQL read follows. A session recorded before authentications were
 * kept gets none: "it might not contain an id_token" (§12.2).
 */
async function refreshedIdToken(
  deps: GrantDeps,
  client: OAuthClient,
  { session, tokens }: Refreshed,
  now: Date,
): Promise<string | undefined> {
  if (!grantsOpenId(session.scope) || !session.auth) return undefined;
  let user: ClaimSource | undefined;
  if (needsUserRecord(session.scope)) {
    user = await deps.users.profile(session.uid);
    // Deleting a user ends their sessions; this one lost that race by a moment.
    if (!user) throw invalidGrant('The user no longer exists.');
  }
  const facts = { client, userId: session.uid, scope: session.scope, auth: session.auth };
  return idTokenFor(deps, { ...facts, access: tokens, user }, now);
}

export async function clientCredentialsGrant(
  deps: GrantDeps,
  client: OAuthClient,
  request: RequestOf<'client_credentials'>,
): Promise<TokenResponse> {
  if (client.type !== 'confidential') throw new AuthError('unauthorized_client');
  const { granted, refused } = grantScope(request.scope, client.scopes, undefined);
  if (refused.length > 0) {
    throw new AuthError('invalid_scope', `Not allowed for this client: ${refused.join(' ')}.`);
  }
  const { config } = deps.tokens;
  const settings = {
    ...tokenSettings(config),
    audiences: client.audience.length > 0 ? client.audience : config.audiences,
    ttl: client.accessTokenTtl ?? config.accessTokenTtl,
  };
  const scope = granted.join(' ');
  // No session script answers here, so the version comes from its own GET (started by the
  // route beside the client lookup); a changed one reloads the key set before signing.
  deps.tokens.keys.observeKeySetVersion(
    await (deps.keySetVersion ?? deps.tokens.readKeySetVersion()),
  );
  const access = await signAccessToken(
    deps.tokens.keys,
    settings,
    { sub: client.clientId, client_id: client.clientId, scope },
    new Date(),
  );
  deps.audit.record({
    type: 'client_token_issued',
    details: { client_id: client.clientId, scope },
  });
  return { access_token: access.token, token_type: 'Bearer', expires_in: settings.ttl, scope };
}
