// The OAuth surface driven by a client nobody here wrote: oauth4webapi (panva) discovers the
// server, runs authorization code + PKCE (following the authorize redirect as a signed-in
// browser), refreshes, introspects, reads userinfo, revokes, and gets client-credentials
// tokens; each of its process* functions validates our responses.
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import {
  authorizationServer,
  authorize,
  ISSUER,
  pkce,
  REDIRECT_URI,
  registerClient,
  signedInBrowser,
  viaWorker,
} from './oauth-fixtures.ts';

async function codeFor(clientId: string, cookie: string, scope = 'read') {
  const { verifier, challenge } = await pkce();
  const state = oauth.generateRandomState();
  const { response, location } = await authorize(
    {
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    cookie,
  );
  expect(response.status).toBe(303);
  return { location: location!, state, verifier };
}

describe('oauth4webapi against edge-auth', () => {
  it('validates the discovery document', async () => {
    const as = await authorizationServer();
    expect(as).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      token_endpoint: `${ISSUER}/oauth/token`,
      introspection_endpoint: `${ISSUER}/oauth/introspect`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      userinfo_endpoint: `${ISSUER}/oauth/userinfo`,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    });
  });

  it('authorization code + PKCE, then refresh, introspect, userinfo and revoke', async () => {
    const as = await authorizationServer();
    const { client: registered, secret } = await registerClient({
      scopes: ['read', 'write', 'openid', 'email'],
    });
    const client: oauth.Client = { client_id: registered.clientId };
    const clientAuth = oauth.ClientSecretBasic(secret!);
    const browser = await signedInBrowser();
    const { location, state, verifier } = await codeFor(
      registered.clientId,
      browser.cookie,
      'read openid email',
    );

    const params = oauth.validateAuthResponse(as, client, location, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        REDIRECT_URI,
        verifier,
        viaWorker,
      ),
    );
    expect(tokens.scope).toBe('read openid email');
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      iss: ISSUER,
      sub: browser.user.user_id,
      client_id: registered.clientId,
      scope: 'read openid email',
    });
    // oauth4webapi validated the ID token (iss, aud, exp, iat, sub, at_hash) on the way.
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: browser.user.user_id });

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        clientAuth,
        tokens.refresh_token!,
        viaWorker,
      ),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, viaWorker),
    );
    expect(introspection).toMatchObject({
      active: true,
      client_id: registered.clientId,
      sub: browser.user.user_id,
      scope: 'read openid email',
      token_type: 'Bearer',
    });

    const info = await oauth.processUserInfoResponse(
      as,
      client,
      browser.user.user_id,
      await oauth.userInfoRequest(as, client, refreshed.access_token, viaWorker),
    );
    expect(info).toMatchObject({ sub: browser.user.user_id, email: browser.user.email });

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token!, viaWorker),
    );
    const after = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, refreshed.access_token, viaWorker),
    );
    expect(after).toEqual({ active: false });
  });

  it('client_secret_post works as well as basic', async () => {
    const as = await authorizationServer();
    const { client: registered, secret } = await registerClient();
    const client: oauth.Client = { client_id: registered.clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(secret!),
      new URLSearchParams({ scope: 'read' }),
      viaWorker,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.scope).toBe('read');
  });

  it('client credentials: a service token with sub = client id and no refresh token', async () => {
    const as = await authorizationServer();
    const { client: registered, secret } = await registerClient();
    const client: oauth.Client = { client_id: registered.clientId };
    const clientAuth = oauth.ClientSecretBasic(secret!);
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        clientAuth,
        new URLSearchParams(),
        viaWorker,
      ),
    );
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope).toBe('read write');
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: registered.clientId,
      client_id: registered.clientId,
      scope: 'read write',
    });
    const introspection = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, viaWorker),
    );
    expect(introspection).toMatchObject({ active: true, sub: registered.clientId });
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, clientAuth, tokens.access_token, viaWorker),
    );
    const revoked = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, clientAuth, tokens.access_token, viaWorker),
    );
    expect(revoked).toEqual({ active: false });
  });
});
