// The authorization code flow in a real browser: Debian's Chromium opens /oauth/authorize on
// `wrangler dev`, lands on the hosted login page, signs in, and is sent back to the client's
// redirect URI (a loopback page) with a code; oauth4webapi (in Node, as the client's backend)
// exchanges it over HTTP and calls userinfo. A third-party client goes through the consent page
// in between (its logo loaded under the page CSP, the decision posted and followed back to the
// client). Skips like browser-e2e.test.ts without Chromium.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openToolDb } from '../../dev/db-client.ts';
import { ROOMY_LIMITS } from './worker-test-vars.ts';
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

warnIfSkipped('OAuth browser e2e');

/** A 1x1 PNG, the third-party client's logo. */
const LOGO_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe.skipIf(!browserAvailable && !browserRequired)('OAuth in a real browser', () => {
  const stack = inject('stack');
  const email = `oauth-${randomUUID()}@example.com`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  let worker: WranglerDev | undefined;
  let browser: Browser | undefined;
  let callback: Server | undefined;
  let redirectUri = '';
  let clientId = '';
  let clientSecret = '';
  let thirdPartyId = '';
  let thirdPartySecret = '';
  // The ISSUER (localhost): what oauth4webapi checks discovery against and the browser visits.
  let issuerUrl = '';

  beforeAll(async () => {
    assertBrowser();
    callback = await serve('', (req, res) => {
      if (req.url === '/logo.png') {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(Buffer.from(LOGO_PNG, 'base64'));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>callback</title><p>back at the app</p>');
    });
    redirectUri = `http://127.0.0.1:${portOf(callback)}/callback`;
    // Asked for once the app listens: a port freed a moment ago could otherwise go to the app.
    const address = await workerAddress();
    issuerUrl = address.origin;
    ({ worker, browser } = await startWorkerAndBrowser(stack, address, ROOMY_LIMITS));
    const tool = openToolDb({ STACK_URL: stack.url });
    const created = await drizzleOAuthClientStore(tool.db).create({
      name: 'Browser e2e app',
      public: false,
      grantTypes: ['authorization_code', 'refresh_token'],
      // userinfo opens only to an OpenID grant, and shows the address only with `email`.
      scopes: ['read', 'openid', 'email'],
      redirectUris: [redirectUri],
      // A first-party flow: no consent page between sign-in and the redirect.
      firstParty: true,
    });
    clientId = created.client.clientId;
    clientSecret = created.secret ?? '';
    const thirdParty = await drizzleOAuthClientStore(tool.db).create({
      name: 'Third-party e2e app',
      public: false,
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['read'],
      redirectUris: [redirectUri],
      firstParty: false,
      logoUri: `${new URL(redirectUri).origin}/logo.png`,
    });
    thirdPartyId = thirdParty.client.clientId;
    thirdPartySecret = thirdParty.secret ?? '';
    const registered = await fetch(`${issuerUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(registered.status, await registered.text()).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await worker?.stop();
    await closeServer(callback);
  }, 30_000);

  it('authorize -> hosted login -> code at the redirect URI -> tokens -> userinfo', async () => {
    const issuer = new URL(issuerUrl);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options }),
    );
    const client: oauth.Client = { client_id: clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorizeUrl = new URL(as.authorization_endpoint!);
    authorizeUrl.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email read',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    const page = await browser!.newPage();
    await page.goto(authorizeUrl.toString()).catch(rethrow('open authorize'));
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/password/i).fill(password);
    await Promise.all([
      page.waitForURL((url) => url.toString().startsWith(redirectUri)),
      page.getByRole('button', { name: /sign in|log in/i }).click(),
    ]).catch(rethrow('sign in'));

    const back = new URL(page.url());
    const params = oauth.validateAuthResponse(as, client, back, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
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
    );
    expect(tokens.scope).toBe('openid email read');
    expect(tokens.id_token).toEqual(expect.any(String));
    const info = await oauth.processUserInfoResponse(
      as,
      client,
      oauth.skipSubjectCheck,
      await oauth.userInfoRequest(as, client, tokens.access_token, options),
    );
    expect(info.email).toBe(email);
    await page.close();
  });
  it('a third-party client: login -> consent page (logo shown) -> allow -> code; remembered after', async () => {
    const issuer = new URL(issuerUrl);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options }),
    );
    const client: oauth.Client = { client_id: thirdPartyId };
    const start = async (extra: Record<string, string> = {}) => {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        client_id: thirdPartyId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'read',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ...extra,
      }).toString();
      return { url: url.toString(), verifier, state };
    };

    const page = await browser!.newPage();
    const first = await start();
    await page.goto(first.url).catch(rethrow('open authorize'));
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/password/i).fill(password);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/oauth/authorize'),
      page.getByRole('button', { name: /sign in/i }).click(),
    ]).catch(rethrow('sign in'));
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Allow Third-party e2e app to access your account?');
    // The logo really loads: the page CSP lets its origin in.
    const logoWidth = await page
      .getByRole('img', { name: /Third-party e2e app logo/ })
      .evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : -1));
    expect(logoWidth).toBe(1);
    await Promise.all([
      page.waitForURL((url) => url.toString().startsWith(redirectUri)),
      page.getByRole('button', { name: 'Allow' }).click(),
    ]).catch(rethrow('allow'));
    const params = oauth.validateAuthResponse(as, client, new URL(page.url()), first.state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(thirdPartySecret),
        params,
        redirectUri,
        first.verifier,
        options,
      ),
    );
    expect(tokens.scope).toBe('read');

    // Remembered: straight back with a code.
    const second = await start();
    await page.goto(second.url).catch(rethrow('authorize again'));
    await page.waitForURL((url) => url.toString().startsWith(redirectUri));
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();

    // prompt=consent asks again; Deny goes back with access_denied.
    const third = await start({ prompt: 'consent' });
    await page.goto(third.url).catch(rethrow('authorize with prompt=consent'));
    await Promise.all([
      page.waitForURL((url) => url.toString().startsWith(redirectUri)),
      page.getByRole('button', { name: 'Deny' }).click(),
    ]).catch(rethrow('deny'));
    const denied = new URL(page.url());
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(third.state);
    await page.close();
  });
});
