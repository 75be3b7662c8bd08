// Outside in: two relying-party libraries nobody here wrote complete the OpenID Connect code
// flow with `openid profile email` against a real `wrangler dev`, and verify the ID token:
// panva's openid-client (Node), and Python Authlib (test/node/oidc_rp_authlib.py). The user
// agent is fetch, following the authorize redirect to the hosted login form and submitting it
// (CSRF field and cookies as a browser would), until it is sent to the client's redirect URI.
// The client is first-party, so no consent page comes between. Authlib missing skips the
// Python half, with a message, unless EDGE_AUTH_REQUIRE_BROWSER=1 (as in .ci/run).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openToolDb } from '../../dev/db-client.ts';
import { workerVarsFor } from '../../dev/worker-vars.ts';
import { startWranglerDev, type WranglerDev } from '../../dev/wrangler-dev.ts';
import { drizzleOAuthClientStore } from '../../src/store/oauth-clients.ts';
import { freePort } from './isolates-harness.ts';
import { ownKeyPrefix, ROOMY_LIMITS } from './worker-test-vars.ts';

const required = process.env.EDGE_AUTH_REQUIRE_BROWSER === '1';
// Debian's python3-authlib lives in the system interpreter; a pyenv or venv `python3` first on
// PATH may lack it.
const python = ['python3', '/usr/bin/python3'].find(
  (exe) => spawnSync(exe, ['-c', 'import authlib, requests'], { stdio: 'ignore' }).status === 0,
);
if (!python && !required) {
  console.warn(
    'Authlib RP test skipped: no python3 with authlib and requests (apt-get install python3-authlib python3-requests)',
  );
}

const SCOPE = 'openid profile email';

/** A cookie jar and manual redirects: enough of a browser for the hosted login form. */
class UserAgent {
  private readonly jar = new Map<string, string>();

  async get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  async send(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) {
      headers.set('Cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      this.jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return response;
  }

  /**
   * Opens the authorization URL, signs in on the hosted login page it lands on, and follows
   * redirects until one leaves for `redirectUri`: the callback URL, code and state in it.
   */
  async signInThrough(
    authorizationUrl: string,
    redirectUri: string,
    email: string,
    password: string,
  ) {
    let url = authorizationUrl;
    for (let hop = 0; hop < 8; hop++) {
      if (url.startsWith(redirectUri)) return new URL(url);
      const response = await this.get(url);
      if (response.status === 303 || response.status === 302) {
        url = new URL(response.headers.get('Location')!, url).toString();
        continue;
      }
      const html = await response.text();
      expect(response.status, html.slice(0, 300)).toBe(200);
      expect(new URL(url).pathname).toBe('/login');
      const field = (name: string) =>
        new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ??
        new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html)?.[1];
      const form = new URLSearchParams({
        email,
        password,
        csrf: decodeHtml(field('csrf') ?? ''),
        return_to: decodeHtml(field('return_to') ?? ''),
      });
      const posted = await this.send(new URL('/login', url).toString(), {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: new URL(url).origin,
        },
        body: form.toString(),
      });
      // Signed in: a 303 onwards, or (so the new cookie is in place before the next
      // request) a page that moves on by <meta http-equiv="refresh">, as a browser follows.
      if (posted.status === 303) {
        url = new URL(posted.headers.get('Location')!, url).toString();
        continue;
      }
      const page = await posted.text();
      expect(posted.status, page.slice(0, 300)).toBe(200);
      const refresh = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(page)?.[1];
      expect(refresh, page.slice(0, 300)).toBeDefined();
      url = new URL(decodeHtml(refresh!), url).toString();
    }
    throw new Error('the user agent never reached the redirect URI');
  }
}

const decodeHtml = (text: string) =>
  text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

describe('relying-party libraries complete the OIDC code flow against wrangler dev', () => {
  const stack = inject('stack');
  const email = `rp-${randomUUID()}@example.com`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const name = 'Grace Hopper';
  const redirectUri = 'http://127.0.0.1:9/callback';
  let worker: WranglerDev | undefined;
  let issuer = '';
  let clientId = '';
  let clientSecret = '';

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    worker = await startWranglerDev({
      port,
      quiet: process.env.E2E_VERBOSE !== '1',
      vars: {
        ...workerVarsFor(stack, issuer, {
          KEY_ENCRYPTION_KEY: `rp:${randomBytes(32).toString('base64url')}`,
        }),
        ...ROOMY_LIMITS,
        REDIS_KEY_PREFIX: ownKeyPrefix('oidc-rp'),
      },
    });
    const tool = openToolDb({ STACK_URL: stack.url });
    const created = await drizzleOAuthClientStore(tool.db).create({
      name: 'RP interop app',
      public: false,
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email'],
      redirectUris: [redirectUri],
      firstParty: true,
    });
    clientId = created.client.clientId;
    clientSecret = created.secret ?? '';
    const registered = await fetch(`${issuer}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password, name }),
    });
    expect(registered.status, await registered.text()).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
  }, 30_000);

  it("panva's openid-client: discovery, code + PKCE + nonce, ID token, refresh, userinfo", async () => {
    const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    const callback = await new UserAgent().signInThrough(
      authorizationUrl.toString(),
      redirectUri,
      email,
      password,
    );

    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: issuer, aud: clientId, nonce, name, email });
    expect(claims.email_verified).toBe(false);
    expect(claims.auth_time).toEqual(expect.any(Number));

    // The signature, against the published key set, as a verifier with its own cache does.
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, {
      issuer,
      audience: clientId,
      typ: 'JWT',
      algorithms: ['RS256'],
    });
    expect(payload.sub).toBe(claims.sub);
    expect(decodeProtectedHeader(tokens.id_token!).kid).toEqual(expect.any(String));

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const again = refreshed.claims()!;
    expect(again).toMatchObject({ sub: claims.sub, aud: clientId, auth_time: claims.auth_time });
    expect(again).not.toHaveProperty('nonce');

    const info = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
    expect(info).toEqual({ sub: claims.sub, name, email, email_verified: false });
  });

  it.skipIf(!python && !required)(
    'Python Authlib: authorization URL with nonce + PKCE, token exchange, ID token checked against the JWKS',
    async () => {
      if (!python) throw new Error('EDGE_AUTH_REQUIRE_BROWSER=1 but no python3 with authlib');
      const child = spawn(
        python,
        [
          resolve(import.meta.dirname, 'oidc_rp_authlib.py'),
          issuer,
          clientId,
          clientSecret,
          redirectUri,
          SCOPE,
        ],
        // Authlib refuses plain http unless told it is a development setup.
        { env: { ...process.env, AUTHLIB_INSECURE_TRANSPORT: '1' }, stdio: 'pipe' },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () => {
        const { value, done } = await lines.next();
        if (done) throw new Error(`the Authlib script ended early: ${stderr}`);
        return JSON.parse(value as string) as Record<string, unknown>;
      };

      const first = await next();
      expect(first, stderr).toHaveProperty('authorization_url');
      const authorizationUrl = new URL(first.authorization_url as string);
      expect(authorizationUrl.searchParams.get('nonce')).toEqual(expect.any(String));
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      const callback = await new UserAgent().signInThrough(
        authorizationUrl.toString(),
        redirectUri,
        email,
        password,
      );
      child.stdin.write(`${callback.toString()}\n`);

      const result = await next();
      expect(result, stderr).not.toHaveProperty('error');
      expect(result.claims).toMatchObject({
        iss: issuer,
        aud: clientId,
        nonce: authorizationUrl.searchParams.get('nonce'),
        name,
        email,
        email_verified: false,
      });
      expect(result.userinfo).toEqual({
        sub: (result.claims as { sub: string }).sub,
        name,
        email,
        email_verified: false,
      });
      await new Promise((done) => child.once('close', done));
      expect(child.exitCode, stderr).toBe(0);
    },
    60_000,
  );
});
