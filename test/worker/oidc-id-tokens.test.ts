// ID tokens from the token endpoint, modelled on the OpenID Foundation's Basic OP certification
// plan (the module each test follows is named in its title), driven by oauth4webapi as the
// relying party and jose verifying signatures against the published JWKS.
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { authorizationServer, basicAuth, postForm } from './oauth-fixtures.ts';
import {
  atHash,
  authorizeAs,
  claimsOf,
  codeFlow,
  ISSUER,
  oidcClient,
  type OidcClient,
  oidcUser,
  REDIRECT_URI,
  userinfo,
  verifyIdToken,
  viaWorker,
} from './oidc-fixtures.ts';
import { roundTrips, send } from './helpers.ts';

const idTokenOf = (tokens: { id_token?: string }) => {
  expect(tokens.id_token, 'the response carries an id_token').toEqual(expect.any(String));
  return tokens.id_token!;
};

describe('ID tokens (OIDF Basic OP)', () => {
  it('oidcc-server: a code flow with openid returns a signed ID token an RP verifies', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const nonce = oauth.generateRandomNonce();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid', nonce });
    const idToken = idTokenOf(tokens);

    const header = decodeProtectedHeader(idToken);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    const { payload } = await verifyIdToken(idToken, rp.registered.clientId);
    expect(payload).toMatchObject({
      iss: ISSUER,
      sub: user.id,
      aud: rp.registered.clientId,
      nonce,
      amr: ['pwd'],
      acr: '1',
      // The browser session the user signed in with: what logout names (sid).
      sid: user.sid,
      at_hash: await atHash(tokens.access_token),
    });
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);
    // The ID token is not an access token: no resource server that checks typ takes it.
    expect(header.typ).not.toBe('at+jwt');
  });

  it('oidcc-ensure-request-without-nonce-succeeds-for-code-flow: no nonce asked, none echoed', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid' });
    expect(claimsOf(idTokenOf(tokens))).not.toHaveProperty('nonce');
  });

  it('oidcc-nonce-invalid analogue: an RP expecting another nonce rejects the ID token', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const flow = codeFlowExpectingOtherNonce(rp, user.cookie);
    await expect(flow).rejects.toMatchObject({
      code: oauth.JWT_CLAIM_COMPARISON,
      cause: { claim: 'nonce' },
    });
  });

  it('a code flow without openid is plain OAuth: no ID token', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'read' });
    expect(tokens).not.toHaveProperty('id_token');
  });

  it('the ID token lives no longer than the access token beside it', async () => {
    const user = await oidcUser();
    const rp = await oidcClient({ accessTokenTtl: 120 });
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid' });
    const claims = claimsOf(idTokenOf(tokens));
    expect(tokens.expires_in).toBe(120);
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
  });
});

/** A full flow whose RP sends one nonce and expects another (as a mixed-up RP would). */
async function codeFlowExpectingOtherNonce(rp: OidcClient, cookie: string) {
  const as = await authorizationServer();
  const { location, state, verifier } = await authorizeAs(cookie, rp.registered.clientId, {
    scope: 'openid',
    nonce: 'the-nonce-sent',
  });
  const params = oauth.validateAuthResponse(as, rp.client, location, state);
  return oauth.processAuthorizationCodeResponse(
    as,
    rp.client,
    await oauth.authorizationCodeGrantRequest(
      as,
      rp.client,
      rp.auth,
      params,
      REDIRECT_URI,
      verifier,
      viaWorker,
    ),
    { expectedNonce: 'another-nonce' },
  );
}

describe('claims follow scopes (OIDF oidcc-scope-*)', () => {
  const cases: [string, string, Record<string, unknown>, string[]][] = [
    ['openid alone', 'openid', {}, ['email', 'email_verified', 'name']],
    ['oidcc-scope-email', 'openid email', { email_verified: false }, ['name']],
    ['oidcc-scope-profile', 'openid profile', { name: 'Ada Lovelace' }, ['email']],
    [
      'oidcc-scope-all',
      'openid profile email',
      { name: 'Ada Lovelace', email_verified: false },
      [],
    ],
  ];
  for (const [label, scope, expected, absent] of cases) {
    it(`${label}: the ID token and userinfo hold exactly what ${scope} releases`, async () => {
      const user = await oidcUser();
      const rp = await oidcClient();
      const { tokens } = await codeFlow(rp, user.cookie, { scope });
      const withEmail = scope.includes('email') ? { email: user.email } : {};
      const idClaims = claimsOf(idTokenOf(tokens));
      const info = await (await userinfo(tokens.access_token, 'get')).json<object>();
      for (const claims of [idClaims, info]) {
        expect(claims).toMatchObject({ sub: user.id, ...expected, ...withEmail });
        for (const claim of absent) expect(claims, claim).not.toHaveProperty(claim);
        expect(claims).not.toHaveProperty('roles');
      }
      // Userinfo is sub and the scope's claims, nothing else (OIDC Core §5.3.2).
      expect(Object.keys(info).sort()).toEqual(
        ['sub', ...Object.keys(expected), ...Object.keys(withEmail)].sort(),
      );
    });
  }

  it('profile without a name set: no name claim at all (§5.4, never null or empty)', async () => {
    const user = await oidcUser(null);
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid profile' });
    expect(claimsOf(idTokenOf(tokens))).not.toHaveProperty('name');
    expect(await (await userinfo(tokens.access_token, 'get')).json()).toEqual({ sub: user.id });
  });

  it("an OAuth client's access token carries the email only with the email scope; first-party keeps it", async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const plain = await codeFlow(rp, user.cookie, { scope: 'openid read' });
    expect(claimsOf(plain.tokens.access_token)).not.toHaveProperty('email');
    const mailed = await codeFlow(rp, user.cookie, { scope: 'openid email' });
    expect(claimsOf(mailed.tokens.access_token)).toMatchObject({ email: user.email });
    expect(claimsOf(user.tokens.access_token)).toMatchObject({ email: user.email });
  });

  it("/me is the first-party API's: a client token is sent to userinfo (403 insufficient_scope)", async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid read' });
    const { response } = await send('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      error: 'insufficient_scope',
      error_description: expect.stringMatching(/first-party session required/),
    });
  });
});

describe('code reuse (OIDF oidcc-codereuse)', () => {
  it('a second exchange is invalid_grant and revokes what the first one issued', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens, replay, as } = await codeFlow(rp, user.cookie, { scope: 'openid email' });
    expect((await userinfo(tokens.access_token, 'get')).status).toBe(200);

    const second = await replay();
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/already used; its tokens are revoked/),
    });

    // The refresh token the code brought no longer works, nor does its access token.
    const refresh = await oauth.refreshTokenGrantRequest(
      as,
      rp.client,
      rp.auth,
      tokens.refresh_token!,
      viaWorker,
    );
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    const after = await userinfo(tokens.access_token, 'get');
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'The session has ended.',
    });
  });
});

describe('refresh (OIDF oidcc-refresh-token; OIDC Core §12.2)', () => {
  it('a refreshed ID token keeps iss, sub, aud, auth_time and sid, has a new iat and no nonce', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const nonce = oauth.generateRandomNonce();
    const { tokens, as } = await codeFlow(rp, user.cookie, { scope: 'openid profile', nonce });
    const first = claimsOf(idTokenOf(tokens));
    // A second boundary, so a new iat cannot equal the first by accident.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      rp.client,
      await oauth.refreshTokenGrantRequest(
        as,
        rp.client,
        rp.auth,
        tokens.refresh_token!,
        viaWorker,
      ),
    );
    const idToken = idTokenOf(refreshed);
    const { payload } = await verifyIdToken(idToken, rp.registered.clientId);
    expect(payload).toMatchObject({
      iss: first.iss,
      sub: first.sub,
      aud: first.aud,
      auth_time: first.auth_time,
      sid: first.sid,
      amr: first.amr,
      name: 'Ada Lovelace',
      at_hash: await atHash(refreshed.access_token),
    });
    expect(payload).not.toHaveProperty('nonce');
    expect(payload.iat).toBeGreaterThan(first.iat as number);
  });

  it('a narrower refresh without openid brings no ID token', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid read' });
    const response = await postForm(
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, scope: 'read' },
      { Authorization: basicAuth(rp.registered.clientId, rp.secret) },
    );
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown>>();
    expect(body.scope).toBe('read');
    expect(body).not.toHaveProperty('id_token');
  });

  it('stays one Redis round trip and no SQL beyond the client lookup, unless claims need the user row', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const refreshOnce = async (scope: string) => {
      const { tokens } = await codeFlow(rp, user.cookie, { scope });
      const { response, requestId } = await send('/oauth/token', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: basicAuth(rp.registered.clientId, rp.secret),
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
        }).toString(),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveProperty('id_token');
      return roundTrips(requestId);
    };
    // openid alone: every claim comes from the session record.
    const bare = await refreshOnce('openid read');
    expect(bare.redis.roundTrips).toBe(1);
    expect(bare.sql.roundTrips).toBe(1); // the client lookup
    // email: email_verified lives in the user row.
    const mailed = await refreshOnce('openid email');
    expect(mailed.redis.roundTrips).toBe(1);
    expect(mailed.sql.roundTrips).toBe(2);
  });
});

describe('single sign-on: auth_time is the sign-in, not the authorization', () => {
  it('a second authorization reusing the browser session keeps auth_time and sid', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const first = claimsOf(
      idTokenOf((await codeFlow(rp, user.cookie, { scope: 'openid' })).tokens),
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const other = await oidcClient();
    const second = claimsOf(
      idTokenOf((await codeFlow(other, user.cookie, { scope: 'openid' })).tokens),
    );
    expect(second.auth_time).toBe(first.auth_time);
    expect(second.sid).toBe(first.sid);
    expect(second.iat as number).toBeGreaterThan(second.auth_time as number);
    expect(second.aud).toBe(other.registered.clientId);
  });
});
