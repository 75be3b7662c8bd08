// Userinfo and the discovery document, modelled on the OpenID Foundation's Basic OP modules
// oidcc-userinfo-get, oidcc-userinfo-post-header, oidcc-userinfo-post-body and the Config OP
// modules oidcc-discovery-endpoint-verification and oidcc-server-rotate-keys: what discovery
// says is checked against what the endpoints do.
import { env, exports } from 'cloudflare:workers';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { rotateInEmergency } from '../../src/auth/keys/emergency.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createStores } from '../../src/store/index.ts';
import { redisKeySetVersionCounter } from '../../src/store/key-set-version.ts';
import { PASSWORD } from './auth-fixtures.ts';
import { roundTrips, send, sendWithEnv, uniqueIssuer } from './helpers.ts';
import { keysFor } from './keys-fixtures.ts';
import { authorizationServer, basicAuth, REDIRECT_URI } from './oauth-fixtures.ts';
import {
  authorizeAs,
  claimsOf,
  codeFlow,
  ISSUER,
  oidcClient,
  oidcUser,
  ssoCookie,
  userinfo,
  viaWorker,
} from './oidc-fixtures.ts';

describe('userinfo (OIDF oidcc-userinfo-get / -post-header / -post-body)', () => {
  it('answers GET, POST with the header and POST with the form body alike', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid email profile' });
    const expected = {
      sub: user.id,
      name: 'Ada Lovelace',
      email: user.email,
      email_verified: false,
    };
    for (const how of ['get', 'post-header', 'post-body'] as const) {
      const response = await userinfo(tokens.access_token, how);
      expect(response.status, how).toBe(200);
      expect(response.headers.get('Cache-Control'), how).toMatch(/no-store/);
      expect(await response.json(), how).toEqual(expected);
    }
    // And an RP library reads it, checking sub against the ID token's (§5.3.2).
    const as = await authorizationServer();
    const info = await oauth.processUserInfoResponse(
      as,
      rp.client,
      claimsOf(tokens.id_token!).sub as string,
      await oauth.userInfoRequest(as, rp.client, tokens.access_token, viaWorker),
    );
    expect(info).toEqual(expected);
  });

  it('without the openid scope: 403 insufficient_scope naming the scope (RFC 6750 §3.1)', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'read email' });
    for (const how of ['get', 'post-body'] as const) {
      const response = await userinfo(tokens.access_token, how);
      expect(response.status, how).toBe(403);
      expect(await response.json(), how).toEqual({
        error: 'insufficient_scope',
        error_description: 'This resource needs the scope "openid".',
      });
      expect(response.headers.get('WWW-Authenticate'), how).toBe(
        // The challenge's description drops the quotes (RFC 6750 §3: no %x22 in it).
        'Bearer realm="edge-auth", error="insufficient_scope", error_description="This resource needs the scope openid.", scope="openid"',
      );
    }
  });

  it('a token sent two ways, or in the URL, is invalid_request (RFC 6750 §2)', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, { scope: 'openid' });
    const both = await userinfo(tokens.access_token, 'post-body', { extraHeader: true });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'The access token was sent more than one way (RFC 6750 §2).',
    });
    expect(both.headers.get('WWW-Authenticate')).toMatch(/^Bearer .*error="invalid_request"/);
    const headerAndUrl = await userinfo(tokens.access_token, 'get', {
      query: `?access_token=${tokens.access_token}`,
    });
    expect(headerAndUrl.status).toBe(400);
    expect(await headerAndUrl.json()).toMatchObject({ error: 'invalid_request' });
    const inUrl = await exports.default.fetch(
      new Request(`${ISSUER}/oauth/userinfo?access_token=${tokens.access_token}`),
    );
    expect(inUrl.status).toBe(400);
    expect(await inUrl.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/not in the URL/),
    });
  });

  it('one Redis round trip; the user row only when the scope releases a claim it holds', async () => {
    const user = await oidcUser();
    const rp = await oidcClient();
    const measured = async (scope: string) => {
      const { tokens } = await codeFlow(rp, user.cookie, { scope });
      const { response, requestId } = await send('/oauth/userinfo', {
        headers: { Authorization: `Bearer ${tokens.access_token}` },
      });
      expect(response.status).toBe(200);
      return roundTrips(requestId);
    };
    const bare = await measured('openid');
    expect(bare.redis.roundTrips).toBe(1);
    expect(bare.sql.roundTrips).toBe(0);
    const profiled = await measured('openid profile');
    expect(profiled.redis.roundTrips).toBe(1);
    expect(profiled.sql.roundTrips).toBe(1);
  });

  it('no token at all: 401 with a bare challenge; a dead one: invalid_token', async () => {
    const response = await userinfo('', 'post-body');
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="edge-auth"');
    const forged = await userinfo('not.a.token', 'post-body');
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: 'invalid_token' });
  });
});

interface Discovery {
  [field: string]: unknown;
  claims_supported: string[];
  scopes_supported: string[];
}

describe('discovery tells the truth (OIDF oidcc-discovery-endpoint-verification)', () => {
  it('lists the OpenID Provider fields, each matching what the endpoints do', async () => {
    const response = await sendWithEnv('/.well-known/openid-configuration', {});
    expect(response.status).toBe(200);
    const doc = await response.json<Discovery>();
    expect(doc).toMatchObject({
      issuer: ISSUER,
      userinfo_endpoint: `${ISSUER}/oauth/userinfo`,
      end_session_endpoint: `${ISSUER}/oauth/end-session`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      acr_values_supported: ['1'],
      claim_types_supported: ['normal'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      prompt_values_supported: ['none', 'login', 'consent'],
      frontchannel_logout_supported: false,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
    expect(doc.claims_supported.sort()).toEqual(
      [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'acr',
        'amr',
        'sid',
        'at_hash',
        'name',
        'email',
        'email_verified',
      ].sort(),
    );
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));

    // Every claim an ID token or userinfo actually carries is listed; the ID token's alg and
    // acr are the advertised ones; `public` subjects: two clients see the same sub.
    const user = await oidcUser();
    const rp = await oidcClient();
    const other = await oidcClient();
    const { tokens } = await codeFlow(rp, user.cookie, {
      scope: 'openid profile email',
      nonce: 'n',
    });
    const idClaims = claimsOf(tokens.id_token!);
    const info = await (await userinfo(tokens.access_token, 'get')).json<object>();
    for (const claim of [...Object.keys(idClaims), ...Object.keys(info)]) {
      expect(doc.claims_supported, claim).toContain(claim);
    }
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    expect(doc.acr_values_supported).toContain(idClaims.acr);
    const second = await codeFlow(other, user.cookie, { scope: 'openid' });
    expect(claimsOf(second.tokens.id_token!).sub).toBe(idClaims.sub);
  });

  it('the RFC 8414 document is the same', async () => {
    const oidc = await (await sendWithEnv('/.well-known/openid-configuration', {})).json();
    const rfc8414 = await (await sendWithEnv('/.well-known/oauth-authorization-server', {})).json();
    expect(rfc8414).toEqual(oidc);
  });
});

describe('the OpenAPI document', () => {
  it('documents the id_token of the token response and userinfo by GET and POST (form body)', async () => {
    type Schema = { properties?: Record<string, unknown> };
    type Operation = {
      requestBody?: { content: Record<string, unknown> };
      responses: Record<string, unknown>;
    };
    const doc = await (
      await sendWithEnv('/openapi.json', {})
    ).json<{
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    }>();
    expect(doc.components.schemas.OAuthTokenResponse?.properties).toHaveProperty('id_token');
    expect(Object.keys(doc.components.schemas.UserInfo?.properties ?? {}).sort()).toEqual([
      'email',
      'email_verified',
      'name',
      'sub',
    ]);
    const post = doc.paths['/oauth/userinfo']?.post;
    expect(Object.keys(post?.requestBody?.content ?? {})).toEqual([
      'application/x-www-form-urlencoded',
    ]);
    for (const method of ['get', 'post']) {
      expect(Object.keys(doc.paths['/oauth/userinfo']?.[method]?.responses ?? {}), method).toEqual(
        expect.arrayContaining(['200', '400', '401', '403']),
      );
    }
  });
});

describe('key rotation (OIDF oidcc-server-rotate-keys)', () => {
  it('a rotated key appears as a new use:sig key, and new ID tokens carry its kid', async () => {
    const issuer = uniqueIssuer('oidc-rotate');
    const overrides = {
      ISSUER: issuer,
      REDIS_KEY_PREFIX: `ea:${crypto.randomUUID().slice(0, 8)}:`,
      KEY_CACHE_TTL: '3600',
    };
    const config = loadConfig({ ...env, ...overrides });
    const call = (path: string, init?: RequestInit) => sendWithEnv(path, overrides, init);
    const email = `rotate-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const json = (path: string, body: unknown) =>
      call(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await json('/api/v1/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const login = await (
      await json('/api/v1/auth/login', { email, password: PASSWORD })
    ).json<{ access_token: string }>();
    const { sub, sid } = claimsOf(login.access_token) as { sub: string; sid: string };
    const cookie = await ssoCookie(sub, sid);
    const rp = await oidcClient();

    const idToken = async () => {
      const { location, verifier } = await authorizeAs(
        cookie,
        rp.registered.clientId,
        { scope: 'openid' },
        (request) =>
          call(new URL(request.url).pathname + new URL(request.url).search, {
            headers: request.headers,
            redirect: 'manual',
          }),
        issuer,
      );
      const response = await call('/oauth/token', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: basicAuth(rp.registered.clientId, rp.secret),
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
        }).toString(),
      });
      expect(response.status).toBe(200);
      return (await response.json<{ id_token: string }>()).id_token;
    };
    const jwks = async () =>
      (
        await (
          await call('/.well-known/jwks.json')
        ).json<{ keys: { kid: string; use: string }[] }>()
      ).keys;
    const verify = (token: string) =>
      jwtVerify(
        token,
        createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), {
          [customFetch]: (url) => call(new URL(url).pathname),
        }),
        { issuer, audience: rp.registered.clientId, typ: 'JWT' },
      );

    const before = await idToken();
    const oldKid = decodeProtectedHeader(before).kid;
    await verify(before);

    const { kid: newKid, revoked } = await rotateInEmergency(
      keysFor(issuer, overrides),
      redisKeySetVersionCounter(createStores(config).redis, config.redis.keyPrefix),
      new Date(),
    );
    expect(revoked).toBe(oldKid);
    expect(newKid).not.toBe(oldKid);

    const after = await idToken();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    const published = await jwks();
    expect(published).toContainEqual(expect.objectContaining({ kid: newKid, use: 'sig' }));
    const { payload } = await verify(after);
    expect(payload.sub).toBe(sub);
  });
});
