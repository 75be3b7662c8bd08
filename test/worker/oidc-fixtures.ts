// OpenID Connect test building blocks: a relying party nobody here wrote (oauth4webapi, panva)
// runs the code flow against the Worker as a browser signed in on the hosted pages would, and
// validates every response (ID token included) as a certified RP library does.
import { env, exports } from 'cloudflare:workers';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import type { NewClient } from '../../src/oauth/clients.ts';
import { hmacBase64Url } from '../../src/shared/hmac-keys.ts';
import { login, PASSWORD, postJson } from './auth-fixtures.ts';
import {
  authorizationServer,
  ISSUER,
  pkce,
  REDIRECT_URI,
  registerClient,
  viaWorker,
} from './oauth-fixtures.ts';

export const OIDC_SCOPES = ['read', 'write', 'openid', 'profile', 'email'];

/** A user with a display name (the `profile` scope's claim), signed in on the hosted pages. */
export async function oidcUser(name: string | null = 'Ada Lovelace') {
  const email = `oidc-${crypto.randomUUID().slice(0, 12)}@example.test`;
  const { response } = await postJson('/api/v1/auth/register', {
    email,
    password: PASSWORD,
    ...(name !== null ? { name } : {}),
  });
  expect(response.status).toBe(201);
  const { user_id: id } = await response.json<{ user_id: string }>();
  const tokens = await login(email);
  const { sid } = JSON.parse(atob(tokens.access_token.split('.')[1] ?? '')) as { sid: string };
  return { id, email, name, sid, tokens, cookie: await ssoCookie(id, sid) };
}

/** The hosted pages' sign-in cookie (src/http/browser/sso-cookie.ts) naming session `sid`. */
export async function ssoCookie(sub: string, sid: string): Promise<string> {
  const mac = await hmacBase64Url(
    loadConfig(env).keys.keks[0]!.raw,
    'edge-auth hosted-pages sign-in v2',
    `${sub}.${sid}`,
  );
  return `__Host-ea_sso=${sub}.${sid}.${mac}`;
}

export async function oidcClient(overrides: Partial<NewClient> = {}) {
  const { client, secret } = await registerClient({ scopes: OIDC_SCOPES, ...overrides });
  return {
    registered: client,
    client: { client_id: client.clientId } satisfies oauth.Client,
    auth: oauth.ClientSecretBasic(secret!),
    secret: secret!,
  };
}

export type OidcClient = Awaited<ReturnType<typeof oidcClient>>;

/**
 * GET /oauth/authorize as the signed-in browser, with any parameters (nonce included); the
 * callback URL it redirects to, and the PKCE verifier and state to finish with.
 */
export async function authorizeAs(
  cookie: string,
  clientId: string,
  params: Record<string, string>,
  send: (request: Request) => Promise<Response> = (r) => exports.default.fetch(r),
  issuer = ISSUER,
) {
  const { verifier, challenge } = await pkce();
  const state = oauth.generateRandomState();
  const url = new URL('/oauth/authorize', issuer);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  }).toString();
  const response = await send(
    new Request(url, { headers: { Cookie: cookie }, redirect: 'manual' }),
  );
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('Location') ?? '', issuer);
  expect(
    location.searchParams.get('error'),
    location.searchParams.get('error_description') ?? '',
  ).toBeNull();
  return { location, state, verifier };
}

/**
 * The whole code flow, as an RP does it: authorize (nonce + PKCE), validate the callback,
 * exchange the code, and validate the token response, the ID token included (signature
 * against the JWKS, iss, aud, exp, iat, nonce, auth_time when max_age was sent).
 */
export async function codeFlow(
  rp: OidcClient,
  cookie: string,
  options: { scope: string; nonce?: string | undefined; as?: oauth.AuthorizationServer },
) {
  const as = options.as ?? (await authorizationServer());
  const { location, state, verifier } = await authorizeAs(cookie, rp.registered.clientId, {
    scope: options.scope,
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
  });
  const params = oauth.validateAuthResponse(as, rp.client, location, state);
  const exchange = () =>
    oauth.authorizationCodeGrantRequest(
      as,
      rp.client,
      rp.auth,
      params,
      REDIRECT_URI,
      verifier,
      viaWorker,
    );
  const tokens = await oauth.processAuthorizationCodeResponse(as, rp.client, await exchange(), {
    expectedNonce: options.nonce ?? oauth.expectNoNonce,
    requireIdToken: options.scope.split(' ').includes('openid'),
  });
  return { as, tokens, code: params.get('code')!, replay: exchange };
}

/**
 * jose (panva) verifies the ID token's signature against the published JWKS, as an RP with
 * its own key cache would: iss, aud (the client alone), typ JWT, RS256, exp and iat.
 */
export async function verifyIdToken(idToken: string, clientId: string, issuer = ISSUER) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), {
    [customFetch]: (url, init) => exports.default.fetch(new Request(url, init)),
  });
  return jwtVerify(idToken, jwks, {
    issuer,
    audience: clientId,
    typ: 'JWT',
    algorithms: ['RS256'],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time'],
  });
}

/** The JWT's payload, decoded without verification (oauth4webapi or jose verified it). */
export const claimsOf = (jwt: string) =>
  JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
        c.charCodeAt(0),
      ),
    ),
  ) as Record<string, unknown>;

/** OIDC Core §3.1.3.6 at_hash, computed here independently of src/oauth/id-token.ts. */
export async function atHash(accessToken: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)),
  );
  const half = String.fromCharCode(...digest.slice(0, 16));
  return btoa(half).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Userinfo, every way RFC 6750 §2 allows a token to travel. */
export function userinfo(
  token: string,
  how: 'get' | 'post-header' | 'post-body',
  init: { query?: string; extraHeader?: boolean } = {},
) {
  const url = `${ISSUER}/oauth/userinfo${init.query ?? ''}`;
  if (how === 'get') {
    return exports.default.fetch(
      new Request(url, { headers: { Authorization: `Bearer ${token}` } }),
    );
  }
  if (how === 'post-header') {
    return exports.default.fetch(
      new Request(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } }),
    );
  }
  return exports.default.fetch(
    new Request(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(init.extraHeader ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: new URLSearchParams({ access_token: token }).toString(),
    }),
  );
}

export { ISSUER, REDIRECT_URI, viaWorker };
