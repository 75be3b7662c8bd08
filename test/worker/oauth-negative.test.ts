// What the OAuth endpoints refuse, in RFC 6749's words: code reuse (and the revocation of what
// the first use produced), a wrong verifier or redirect URI, an expired code, PKCE plain,
// scope escalation, public clients asking for client credentials, bad client credentials.
import { env, exports } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashRefreshToken } from '../../src/auth/refresh-token.ts';
import { postJson } from './auth-fixtures.ts';
import { expectRefusal, roundTrips, send, sendWithEnv } from './helpers.ts';
import {
  authorize,
  basicAuth,
  ISSUER,
  pkce,
  postForm,
  REDIRECT_URI,
  registerClient,
  signedInBrowser,
} from './oauth-fixtures.ts';

const basic = basicAuth;

async function setup(scope = 'read', clientOverrides: Parameters<typeof registerClient>[0] = {}) {
  const { client, secret } = await registerClient(clientOverrides);
  const browser = await signedInBrowser();
  const { verifier, challenge } = await pkce();
  const { location } = await authorize(
    {
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope,
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    browser.cookie,
  );
  const code = location?.searchParams.get('code') ?? '';
  const exchange = (overrides: Record<string, string> = {}) =>
    postForm(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        ...overrides,
      },
      { Authorization: basic(client.clientId, secret!) },
    );
  return { client, secret: secret!, browser, code, verifier, exchange };
}

const errorOf = async (response: Response) => (await response.json<{ error: string }>()).error;
/** The whole refusal: its code, and the description that says which check refused. */
const refusalOf = (response: Response) =>
  response.json<{ error: string; error_description: string }>();
const grantRefused = (error_description: string) => ({ error: 'invalid_grant', error_description });
const USED = 'The authorization code was already used; its tokens are revoked.';
const REFRESH_REFUSED = 'The refresh token is invalid, expired or revoked.';

describe('token endpoint: authorization_code', () => {
  it('a second use of a code fails and revokes the tokens the first produced', async () => {
    const { exchange, client, secret } = await setup();
    const first = await exchange();
    expect(first.status).toBe(200);
    expect(first.headers.get('Cache-Control')).toBe('no-store');
    const tokens = await first.json<{ access_token: string; refresh_token: string }>();
    const second = await exchange();
    expect(second.status).toBe(400);
    expect(await refusalOf(second)).toEqual(grantRefused(USED));
    const introspected = await postForm(
      '/oauth/introspect',
      { token: tokens.access_token },
      { Authorization: basic(client.clientId, secret) },
    );
    expect(await introspected.json()).toEqual({ active: false });
    const refresh = await postForm(
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { Authorization: basic(client.clientId, secret) },
    );
    expect(await refusalOf(refresh)).toEqual(grantRefused(REFRESH_REFUSED));
  });

  it('a wrong verifier or redirect_uri spends the code without tokens', async () => {
    const wrongVerifier = await setup();
    const refused = await wrongVerifier.exchange({ code_verifier: (await pkce()).verifier });
    expect(refused.status).toBe(400);
    expect(await refusalOf(refused)).toEqual(
      grantRefused('code_verifier does not match the code challenge.'),
    );
    expect(await refusalOf(await wrongVerifier.exchange())).toEqual(grantRefused(USED));
    const wrongRedirect = await setup();
    const other = await wrongRedirect.exchange({ redirect_uri: 'https://app.example/other' });
    expect(await refusalOf(other)).toEqual(grantRefused('redirect_uri does not match.'));
  });

  it('an expired code is refused', async () => {
    const { code, exchange } = await setup();
    const { Redis } = await import('@upstash/redis/cloudflare');
    const redis = new Redis({
      url: String(env.UPSTASH_REDIS_REST_URL),
      token: String(env.UPSTASH_REDIS_REST_TOKEN),
    });
    // Sixty seconds of wall time is long; the code's key expires now instead (an expiry instant
    // already passed), with no waiting.
    await redis.pexpireat(`ea:ac:${await hashRefreshToken(code)}`, Date.now() - 1_000);
    const response = await exchange();
    expect(response.status).toBe(400);
    expect(await refusalOf(response)).toEqual(
      grantRefused('The authorization code is invalid or expired.'),
    );
  });

  it('an OAuth refresh token does not work at the first-party refresh endpoint', async () => {
    const { exchange } = await setup();
    const tokens = await (await exchange()).json<{ refresh_token: string }>();
    const { response } = await postJson('/api/v1/auth/refresh', {
      refresh_token: tokens.refresh_token,
    });
    await expectRefusal(response, 401, 'invalid_grant');
  });
});

describe('authorization endpoint', () => {
  it('never redirects to an unknown client or an unregistered redirect_uri', async () => {
    const { client } = await registerClient();
    const browser = await signedInBrowser();
    const { challenge } = await pkce();
    const base = {
      response_type: 'code',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const unknown = await authorize(
      { ...base, client_id: 'nobody', redirect_uri: REDIRECT_URI },
      browser.cookie,
    );
    expect(unknown.response.status).toBe(400);
    const unknownPage = await unknown.response.text();
    expect(unknownPage).toContain('The application that sent you here is not registered.');
    expect(unknown.location).toBeUndefined();
    expect(unknownPage).toContain('Unknown application');
    const unregistered = await authorize(
      { ...base, client_id: client.clientId, redirect_uri: 'https://evil.example/cb' },
      browser.cookie,
    );
    expect(unregistered.response.status).toBe(400);
    const unregisteredPage = await unregistered.response.text();
    expect(unregisteredPage).toContain(
      'The application asked to return to an address it has not registered.',
    );
    expect(unregistered.location).toBeUndefined();
    expect(unregisteredPage).toContain('Invalid redirect address');
  });

  it('redirects other errors with state and iss: plain PKCE, no PKCE, scope escalation, bad response_type', async () => {
    const { client } = await registerClient({ scopes: ['read'] });
    const browser = await signedInBrowser();
    const { challenge } = await pkce();
    const base = {
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state: 's-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const cases: [Record<string, string | undefined>, string][] = [
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      [{ scope: 'read admin' }, 'invalid_scope'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
    ];
    for (const [override, error] of cases) {
      const { response, location } = await authorize(
        { ...base, ...override } as typeof base,
        browser.cookie,
      );
      expect(response.status, error).toBe(303);
      expect(location?.origin + (location?.pathname ?? '')).toBe(REDIRECT_URI);
      expect(location?.searchParams.get('error')).toBe(error);
      expect(location?.searchParams.get('state')).toBe('s-1');
      expect(location?.searchParams.get('iss')).toBe(ISSUER);
    }
  });

  it('without a browser session it sends the user to the login page and back', async () => {
    const { client } = await registerClient();
    const { challenge } = await pkce();
    const { response, location } = await authorize({
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(response.status).toBe(303);
    expect(location?.pathname).toBe('/login');
    expect(location?.searchParams.get('return_to')).toMatch(/^\/oauth\/authorize\?/);
  });
});

describe('client authentication and grants', () => {
  it('wrong secret or unknown client: 401 invalid_client with a Basic challenge', async () => {
    const { client } = await registerClient();
    for (const auth of [basic(client.clientId, 'eacs_wrong'), basic('nobody', 'x')]) {
      const response = await postForm(
        '/oauth/token',
        { grant_type: 'client_credentials' },
        { Authorization: auth },
      );
      expect(response.status).toBe(401);
      // The same answer for a wrong secret and an unknown client: nothing says which exists.
      expect(await refusalOf(response)).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed.',
      });
      expect(response.headers.get('WWW-Authenticate')).toMatch(/^Basic /);
    }
  });

  it('a public client cannot use client credentials', async () => {
    const { client } = await registerClient({
      public: true,
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    const response = await postForm('/oauth/token', {
      grant_type: 'client_credentials',
      client_id: client.clientId,
    });
    expect(response.status).toBe(400);
    expect(await refusalOf(response)).toEqual({
      error: 'unauthorized_client',
      error_description: 'This client may not use client_credentials.',
    });
  });

  it('scope escalation is refused for client credentials and refresh', async () => {
    const { client, secret } = await registerClient({ scopes: ['read'] });
    const auth = { Authorization: basic(client.clientId, secret!) };
    const wide = await postForm(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'read write' },
      auth,
    );
    expect(await refusalOf(wide)).toEqual({
      error: 'invalid_scope',
      error_description: 'Not allowed for this client: write.',
    });
    const { exchange, client: c2, secret: s2 } = await setup('read');
    const tokens = await (await exchange()).json<{ refresh_token: string }>();
    const wider = await postForm(
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, scope: 'read write' },
      { Authorization: basic(c2.clientId, s2) },
    );
    expect(await refusalOf(wider)).toEqual({
      error: 'invalid_scope',
      error_description: 'The scope asked for is wider than the grant.',
    });
  });

  it('form bodies only, each parameter once; unknown grant types named', async () => {
    const { client, secret } = await registerClient();
    const auth = { Authorization: basic(client.clientId, secret!) };
    const json = await exports.default.fetch(
      new Request(new URL('/oauth/token', ISSUER), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...auth },
        body: '{"grant_type":"client_credentials"}',
      }),
    );
    expect(await refusalOf(json)).toEqual({
      error: 'invalid_request',
      error_description: 'The body must be application/x-www-form-urlencoded.',
    });
    const twice = await exports.default.fetch(
      new Request(new URL('/oauth/token', ISSUER), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...auth },
        body: 'grant_type=client_credentials&grant_type=client_credentials',
      }),
    );
    expect(await refusalOf(twice)).toEqual({
      error: 'invalid_request',
      error_description: '"grant_type" is given more than once.',
    });
    const password = await postForm('/oauth/token', { grant_type: 'password' }, auth);
    expect(await errorOf(password)).toBe('unsupported_grant_type');
  });

  it('revoking an unknown token answers 200; introspection needs client credentials', async () => {
    const { client, secret } = await registerClient();
    const revoked = await postForm(
      '/oauth/revoke',
      { token: 'not-a-token' },
      { Authorization: basic(client.clientId, secret!) },
    );
    expect(revoked.status).toBe(200);
    const anonymous = await postForm('/oauth/introspect', { token: 'x' });
    await expectRefusal(anonymous, 401, 'invalid_client', 'Client authentication is required.');
  });
});

describe('refresh grant: nothing rotates before the request is valid (issue 13 item 6)', () => {
  it('a wider scope is invalid_scope and leaves the token usable; a narrower one is honoured', async () => {
    const { exchange, client, secret } = await setup('openid read', {
      scopes: ['openid', 'read', 'write'],
    });
    const tokens = await (await exchange()).json<{ refresh_token: string }>();
    // Strict rotation (no grace window): had the refused request rotated the token, the next
    // use would be reuse and end the session.
    const refresh = (fields: Record<string, string>) =>
      sendWithEnv(
        '/oauth/token',
        { REFRESH_REUSE_GRACE: '0' },
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Authorization: basic(client.clientId, secret),
          },
          body: new URLSearchParams({ grant_type: 'refresh_token', ...fields }).toString(),
        },
      );
    const wider = await refresh({ refresh_token: tokens.refresh_token, scope: 'read write' });
    expect(wider.status).toBe(400);
    expect(await refusalOf(wider)).toEqual({
      error: 'invalid_scope',
      error_description: 'The scope asked for is wider than the grant.',
    });
    // Untouched: the same token rotates once (a burnt token would be reuse, or invalid).
    const narrower = await refresh({ refresh_token: tokens.refresh_token, scope: 'openid' });
    expect(narrower.status).toBe(200);
    const next = await narrower.json<{
      access_token: string;
      refresh_token: string;
      scope: string;
    }>();
    // RFC 6749 §6: the new access token carries the narrower scope...
    expect(next.scope).toBe('openid');
    expect(decodeJwt(next.access_token).scope).toBe('openid');
    // ...and the session keeps its grant: a refresh without `scope` gets all of it back.
    const again = await refresh({ refresh_token: next.refresh_token });
    expect(again.status).toBe(200);
    const full = await again.json<{ access_token: string; scope: string }>();
    expect(full.scope).toBe('openid read');
    expect(decodeJwt(full.access_token).scope).toBe('openid read');
  });
});

describe('revoking a rotated refresh token (issue 13 item 7)', () => {
  it('revoking the token a rotation replaced ends the session: both tokens die', async () => {
    const { exchange, client, secret } = await setup();
    const auth = { Authorization: basic(client.clientId, secret) };
    const rt0 = (await (await exchange()).json<{ refresh_token: string }>()).refresh_token;
    const rotated = await postForm(
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: rt0 },
      auth,
    );
    expect(rotated.status).toBe(200);
    const { refresh_token: rt1, access_token: at1 } = await rotated.json<{
      refresh_token: string;
      access_token: string;
    }>();
    expect((await postForm('/oauth/revoke', { token: rt0 }, auth)).status).toBe(200);
    const introspect = async (token: string) =>
      (await postForm('/oauth/introspect', { token }, auth)).json<{ active: boolean }>();
    expect(await introspect(rt1)).toEqual({ active: false });
    expect(await introspect(at1)).toEqual({ active: false });
    for (const token of [rt0, rt1]) {
      const refused = await postForm(
        '/oauth/token',
        { grant_type: 'refresh_token', refresh_token: token },
        auth,
      );
      expect(refused.status).toBe(400);
      expect(await refusalOf(refused)).toEqual(grantRefused(REFRESH_REFUSED));
    }
  });

  it("another client's refresh token is refused and left alive", async () => {
    const { exchange } = await setup();
    const rt = (await (await exchange()).json<{ refresh_token: string }>()).refresh_token;
    const other = await registerClient();
    const otherAuth = { Authorization: basic(other.client.clientId, other.secret!) };
    const refused = await postForm('/oauth/revoke', { token: rt }, otherAuth);
    expect(refused.status).toBe(400);
    expect(await refusalOf(refused)).toEqual({
      error: 'unauthorized_client',
      error_description: 'The token was not issued to this client.',
    });
  });
});

describe('introspection cost', () => {
  it('answers for an access or refresh token after one Redis round trip', async () => {
    const { exchange, client, secret } = await setup();
    const tokens = await (await exchange()).json<{ access_token: string; refresh_token: string }>();
    let warmed = false;
    // Twice each: the first use of a Lua script on a fresh Redis costs one NOSCRIPT round trip.
    for (const token of [tokens.access_token, tokens.refresh_token, tokens.refresh_token]) {
      const { response, requestId } = await send('/oauth/introspect', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: basic(client.clientId, secret),
        },
        body: new URLSearchParams({ token }).toString(),
      });
      expect(await response.json()).toMatchObject({ active: true });
      // One SQL read authenticates the client; the token itself costs one Redis request.
      if (token === tokens.access_token || warmed) {
        expect(await roundTrips(requestId)).toMatchObject({ redis: { roundTrips: 1 } });
      }
      warmed = token === tokens.refresh_token;
    }
  });
});
