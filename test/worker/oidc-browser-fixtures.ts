// OIDC authorization tests (the hosted pages as a browser sees them): a browser with a cookie jar that signs in on the hosted pages (a
// real browser session, with its authentication time), authorize URLs with PKCE, the code
// exchange, and reads of what the stores hold (session records, browser sessions).
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { freshIp } from './abuse-fixtures.ts';
import { PASSWORD, registerUser } from './auth-fixtures.ts';
import { sendWithEnv } from './helpers.ts';
import {
  basicAuth,
  ISSUER,
  pkce,
  postForm,
  REDIRECT_URI,
  registerClient,
} from './oauth-fixtures.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { NewClient } from '../../src/oauth/clients.ts';
import { createStores } from '../../src/store/index.ts';
import { redisSessionStore } from '../../src/store/session-store.ts';
import { sessionKeys } from '../../src/store/session-redis-keys.ts';

export const SSO = '__Host-ea_sso';

/** A cookie jar and a client address of its own (so rate limits are per test). */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly ip = freshIp();

  async request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await sendWithEnv(
      path,
      {},
      {
        redirect: 'manual',
        ...init,
        headers: {
          'CF-Connecting-IP': this.ip,
          ...(cookie ? { Cookie: cookie } : {}),
          ...init.headers,
        },
      },
    );
    for (const line of response.headers.getAll('Set-Cookie')) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (/max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = response.headers.get('Location');
    return {
      response,
      body: await response.text(),
      location: location ? new URL(location, ISSUER) : undefined,
    };
  }

  get = (path: string) => this.request(path);

  post = (path: string, fields: Record<string, string>) =>
    this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { Origin: ISSUER },
    });

  /** The browser session this browser is signed into: user id and session id. */
  get sso(): { uid: string; sid: string } | undefined {
    const [uid, sid] = (this.cookies.get(SSO) ?? '').split('.');
    return uid && sid ? { uid, sid } : undefined;
  }
}

export const csrfOf = (html: string) => {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF field on the page');
  return token;
};

/** The sign-in page at `path` (with its return_to), filled in and posted. */
export async function signInAt(browser: Browser, path: string, email: string) {
  const page = await browser.get(path);
  expect(page.response.status, page.body).toBe(200);
  const returnTo = /name="return_to" value="([^"]*)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
  return browser.post('/login', {
    csrf: csrfOf(page.body),
    email,
    password: PASSWORD,
    return_to: returnTo ?? '/account',
  });
}

/** A new user, and a browser signed in as them on the hosted pages. */
export async function signedInUser() {
  const user = await registerUser();
  const browser = new Browser();
  const { response } = await signInAt(browser, '/login', user.email);
  expect(response.status).toBe(303);
  return { user, browser };
}

/** A third-party client (consent needed) allowed the identity scopes and `read`. */
export const thirdParty = (overrides: Partial<NewClient> = {}) =>
  registerClient({
    name: 'Photo Printer <Beta>',
    firstParty: false,
    scopes: ['openid', 'profile', 'email', 'read'],
    ...overrides,
  });

/** An /oauth/authorize path for `clientId` with PKCE S256 and a state. */
export async function authorizePath(clientId: string, params: Record<string, string> = {}) {
  const { verifier, challenge } = await pkce();
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid read',
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  return { path: `/oauth/authorize?${query}`, verifier };
}

/** Asserts a redirect to the client carrying `error` with state and iss; its description. */
export function expectRedirectError(location: URL | undefined, error: string, state = 'st-1') {
  expect(location?.origin + (location?.pathname ?? '')).toBe(REDIRECT_URI);
  expect(location?.searchParams.get('error')).toBe(error);
  expect(location?.searchParams.get('state')).toBe(state);
  expect(location?.searchParams.get('iss')).toBe(ISSUER);
  expect(location?.searchParams.get('code')).toBeNull();
  return location?.searchParams.get('error_description') ?? '';
}

/** The URL a self-refreshing continue page (src/http/pages/continue.tsx) goes to. */
export function continueTarget(html: string): URL {
  const href = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)?.[1];
  if (!href) throw new Error(`not a continue page: ${html.slice(0, 200)}`);
  return new URL(href.replace(/&amp;/g, '&'), ISSUER);
}

/** The code exchanged at /oauth/token. */
export async function exchange(
  client: { clientId: string },
  secret: string,
  code: string,
  verifier: string,
) {
  const response = await postForm(
    '/oauth/token',
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    { Authorization: basicAuth(client.clientId, secret) },
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<{ access_token: string; refresh_token: string; scope: string }>();
}

export const claimsOf = (jwt: string) =>
  JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<
    string,
    unknown
  > & { sub: string; sid: string };

const config = () => loadConfig(env);

/** A session record as the session store reads it (undefined: ended). */
export const sessionRecord = (uid: string, sid: string) =>
  redisSessionStore(createStores(config()).redis, config().redis.keyPrefix).read(uid, sid);

/** Moves a session's authentication time `seconds` into the past (an old sign-in). */
export async function ageAuthentication(uid: string, sid: string, seconds: number) {
  const record = await sessionRecord(uid, sid);
  if (!record?.auth) throw new Error('no session authentication to age');
  const key = sessionKeys(config().redis.keyPrefix).session(uid, sid);
  await createStores(config()).redis.hset(key, { auth: String(record.auth.time - seconds) });
}
