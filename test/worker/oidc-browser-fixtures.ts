// OIDC authorization tests (the hosted pages as a browser sees them): a browser that signs in
// on the hosted pages (a real browser session, with its authentication time), authorize URLs with PKCE, the code
// exchange, and reads of what the stores hold (session records, browser sessions).
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { PASSWORD, registerUser } from './auth-fixtures.ts';
import { csrfOf, PageBrowser, SSO } from './page-browser.ts';
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

/**
 * The shared cookie jar (test/worker/page-browser.ts), reading each redirect as a URL: these
 * tests look into the client's callback (code, error, state, iss).
 */
export class Browser extends PageBrowser<URL | undefined> {
  constructor() {
    super({}, (raw, origin) => (raw ? new URL(raw, origin) : undefined));
  }
}

export { csrfOf, SSO };

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
