// OpenID Connect in a real browser, as a third-party app sees it: Debian's Chromium opens
// /oauth/authorize on `wrangler dev` for `openid profile email` with a nonce, signs in on the
// hosted page, consents on the hosted consent page, and lands on the app's redirect URI with a
// code; oauth4webapi (the app's backend, in Node) exchanges it and verifies the ID token. Then
// the app logs the user out through RP-Initiated Logout: the browser is sent back to the app's
// post-logout URI with its `state`, the browser session is gone, and the app's back-channel
// receiver (a loopback server in this test) gets a logout token it verifies against the JWKS.
// Skips like browser-e2e.test.ts without Chromium (EDGE_AUTH_REQUIRE_BROWSER=1 forbids that).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openToolDb } from '../../dev/db-client.ts';
import type { WranglerDev } from '../../dev/wrangler-dev.ts';
import { drizzleOAuthClientStore } from '../../src/store/oauth-clients.ts';
import {
  assertBrowser,
  browserAvailable,
  browserRequired,
  closeServer,
  portOf,
  rethrow,
  serve,
  startWorkerAndBrowser,
  warnIfSkipped,
  workerAddress,
} from './browser-harness.ts';
import { ROOMY_LIMITS } from './worker-test-vars.ts';

warnIfSkipped('OIDC browser e2e');

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe.skipIf(!browserAvailable && !browserRequired)('OpenID Connect in a real browser', () => {
  const stack = inject('stack');
  const email = `oidc-${randomUUID()}@example.com`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  let worker: WranglerDev | undefined;
  let browser: Browser | undefined;
  let app: Server | undefined;
  let appOrigin = '';
  let clientId = '';
  let clientSecret = '';
  let issuerUrl = '';
  /** Logout tokens the app's back-channel endpoint received, as POSTed. */
  const logoutTokens: string[] = [];
  let tokenArrived: () => void = () => undefined;

  beforeAll(async () => {
    assertBrowser();
    // The third-party app: its callback and post-logout pages, and its back-channel endpoint.
    app = await serve('', (req, res) => {
      if (req.method === 'POST' && req.url === '/backchannel') {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
          // OIDC Back-Channel Logout 1.0 §2.8: 200 on success, no caching.
          res.writeHead(200, { 'Cache-Control': 'no-store' }).end();
          tokenArrived();
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>app</title><p>back at the app</p>');
    });
    appOrigin = `http://127.0.0.1:${portOf(app)}`;
    // Asked for once the app listens: a port freed a moment ago could otherwise go to the app.
    const address = await workerAddress();
    issuerUrl = address.origin;
    ({ worker, browser } = await startWorkerAndBrowser(stack, address, ROOMY_LIMITS));
    const tool = openToolDb({ STACK_URL: stack.url });
    const created = await drizzleOAuthClientStore(tool.db).create({
      name: 'Photo Printer',
      public: false,
      firstParty: false,
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email'],
      redirectUris: [`${appOrigin}/callback`],
      postLogoutRedirectUris: [`${appOrigin}/signed-out`],
      backchannelLogoutUri: `${appOrigin}/backchannel`,
    });
    clientId = created.client.clientId;
    clientSecret = created.secret ?? '';
    const registered = await fetch(`${issuerUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password, name: 'Ada Browser' }),
    });
    expect(registered.status, await registered.text()).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await worker?.stop();
    await closeServer(app);
  }, 30_000);

  it('login -> consent -> callback -> ID token verified; end-session -> back-channel logout token', async () => {
    const issuer = new URL(issuerUrl);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options }),
    );
    expect(as.end_session_endpoint).toBe(`${issuerUrl}/oauth/end-session`);
    expect(as.backchannel_logout_supported).toBe(true);
    const client: oauth.Client = { client_id: clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const redirectUri = `${appOrigin}/callback`;
    const authorizeUrl = new URL(as.authorization_endpoint!);
    authorizeUrl.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    const page = await browser!.newPage();
    await page.goto(authorizeUrl.toString()).catch(rethrow('open authorize'));
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/password/i).fill(password);
    await page.getByRole('button', { name: /sign in|log in/i }).click();

    // A third-party app: the consent page names it and says what it asks for, in words.
    await page.getByRole('button', { name: /allow/i }).waitFor().catch(rethrow('consent page'));
    const consent = await page.content();
    expect(consent).toContain('Photo Printer');
    expect(consent).toMatch(/email address/i);
    await Promise.all([
      page.waitForURL((url) => url.toString().startsWith(redirectUri)),
      page.getByRole('button', { name: /allow/i }).click(),
    ]).catch(rethrow('consent'));

    const params = oauth.validateAuthResponse(as, client, new URL(page.url()), state);
    const response = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(clientSecret),
        params,
        redirectUri,
        verifier,
        options,
      ),
      { expectedNonce: nonce, requireIdToken: true },
    );
    // oauth4webapi has checked the signature (JWKS), iss, aud, exp, iat, nonce and at_hash.
    const claims = oauth.getValidatedIdTokenClaims(response)!;
    expect(claims).toMatchObject({
      email,
      email_verified: expect.any(Boolean),
      name: 'Ada Browser',
    });
    expect(claims.amr).toEqual(['pwd']);
    expect(typeof claims.sid).toBe('string');
    expect(claims.auth_time).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));

    // RP-initiated logout: the hint names this browser's user, so no confirmation is asked.
    const arrived = new Promise<void>((resolve) => (tokenArrived = resolve));
    const logoutState = oauth.generateRandomState();
    const endSession = new URL(as.end_session_endpoint!);
    endSession.search = new URLSearchParams({
      id_token_hint: response.id_token!,
      post_logout_redirect_uri: `${appOrigin}/signed-out`,
      state: logoutState,
    }).toString();
    await page.goto(endSession.toString()).catch(rethrow('end session'));
    await page
      .waitForURL((url) => url.toString().startsWith(`${appOrigin}/signed-out`))
      .catch(rethrow('back at the app after logout'));
    expect(new URL(page.url()).searchParams.get('state')).toBe(logoutState);

    // The browser session is over: authorize shows the sign-in page again.
    await page.goto(authorizeUrl.toString()).catch(rethrow('authorize after logout'));
    expect(new URL(page.url()).pathname).toBe('/login');

    // The app's session from this sign-in ended with it: its refresh token is refused.
    const refreshed = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(clientSecret),
      response.refresh_token!,
      options,
    );
    const refusal = (await refreshed.json()) as { error?: string };
    expect(refreshed.status).toBe(400);
    expect(refusal.error).toBe('invalid_grant');

    // The back-channel logout token arrives after the response.
    await Promise.race([
      arrived,
      new Promise((_, fail) =>
        setTimeout(() => fail(new Error('no logout token within 15 s')), 15_000),
      ),
    ]);
    const [logoutToken] = logoutTokens;
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const verified = await jwtVerify(logoutToken!, jwks, {
      issuer: issuerUrl,
      audience: clientId,
      typ: 'logout+jwt',
      algorithms: ['RS256'],
    });
    expect(verified.payload).toMatchObject({
      sub: claims.sub,
      sid: claims.sid,
      events: { [BACKCHANNEL_EVENT]: {} },
    });
    expect(verified.payload.nonce).toBeUndefined();
    expect(typeof verified.payload.jti).toBe('string');
    await page.close();
  });
});
