// The OIDC authorization request parameters at /oauth/authorize (OIDC Core 1.0 §3.1.2.1,
// §3.1.2.6): prompt, max_age, login_hint, id_token_hint, the unsupported request objects, and
// the voluntary parameters accepted and ignored. Through the real Worker, with a browser that
// signs in on the hosted pages; every refusal is checked for its code, state and iss.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { registerUser } from './auth-fixtures.ts';
import { uniqueIssuer } from './helpers.ts';
import { keysFor } from './keys-fixtures.ts';
import { ISSUER, REDIRECT_URI, registerClient } from './oauth-fixtures.ts';
import {
  ageAuthentication,
  authorizePath,
  Browser,
  claimsOf,
  continueTarget,
  exchange,
  expectRedirectError,
  sessionRecord,
  signedInUser,
  signInAt,
} from './oidc-browser-fixtures.ts';
import { signIdToken } from '../../src/oauth/id-token.ts';
import { loadConfig } from '../../src/config/index.ts';

const firstParty = () => registerClient({ scopes: ['openid', 'profile', 'email', 'read'] });

/** An ID token as this issuer (or `issuer`) signs them, for `subject`. */
async function idToken(subject: string, clientId: string, issuer = ISSUER) {
  const keys = issuer === ISSUER ? keysFor(loadConfig(env).issuer) : keysFor(issuer);
  return signIdToken(
    keys,
    {
      issuer,
      clientId,
      subject,
      auth: { time: Math.floor(Date.now() / 1000), methods: ['pwd'] },
      ttl: 300,
    },
    new Date(),
  );
}

describe('prompt=none', () => {
  it('with no browser session: login_required, redirected with state and iss, no page', async () => {
    const { client } = await firstParty();
    const { path } = await authorizePath(client.clientId, { prompt: 'none' });
    const { response, location } = await new Browser().get(path);
    expect(response.status).toBe(303);
    expect(expectRedirectError(location, 'login_required')).toBe('No user is signed in.');
  });

  it('with a browser session and a first-party client: a code, no page', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, { prompt: 'none' });
    const { response, location } = await browser.get(path);
    expect(response.status).toBe(303);
    expect(location?.searchParams.get('code')).toMatch(/^[\w-]{43}$/);
    expect(location?.searchParams.get('iss')).toBe(ISSUER);
  });

  it('combined with another value is invalid_request', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, { prompt: 'none login' });
    const { location } = await browser.get(path);
    expect(expectRedirectError(location, 'invalid_request')).toBe(
      'prompt=none cannot be combined with other values.',
    );
  });

  it('an unsupported prompt value is invalid_request', async () => {
    const { client } = await firstParty();
    const { path } = await authorizePath(client.clientId, { prompt: 'select_account' });
    const { location } = await new Browser().get(path);
    expect(expectRedirectError(location, 'invalid_request')).toBe(
      'Unsupported prompt value: select_account.',
    );
  });

  it('errors about the client stay on a page, prompt=none or not', async () => {
    const { path } = await authorizePath('no-such-client', { prompt: 'none' });
    const { response, body } = await new Browser().get(path);
    expect(response.status).toBe(400);
    expect(response.headers.get('Location')).toBeNull();
    expect(body).toContain('Unknown application');
  });
});

describe('prompt=login', () => {
  it('shows the sign-in page to a signed-in browser; the code carries the fresh sign-in', async () => {
    const { client, secret } = await firstParty();
    const { user, browser } = await signedInUser();
    const before = browser.sso!;
    await ageAuthentication(before.uid, before.sid, 600);
    const { path, verifier } = await authorizePath(client.clientId, { prompt: 'login' });

    const first = await browser.get(path);
    expect(first.response.status).toBe(303);
    expect(first.location?.pathname).toBe('/login');
    const returnTo = first.location!.searchParams.get('return_to')!;
    expect(returnTo).toMatch(/^\/oauth\/authorize\?.*ea_reauth=/);

    // The sign-in page shows its form though the browser is signed in.
    const page = await browser.get(`/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain('Test app asks you to sign in again to continue.');
    // Prefilled with the signed-in user's address.
    expect(page.body).toContain(`value="${user.email}"`);

    const signedIn = await signInAt(
      browser,
      `/login?return_to=${encodeURIComponent(returnTo)}`,
      user.email,
    );
    expect(signedIn.response.status).toBe(200);
    const after = browser.sso!;
    expect(after.sid).not.toBe(before.sid);
    // The replaced browser session is ended.
    expect(await sessionRecord(before.uid, before.sid)).toBeUndefined();

    // Back at authorize: no second round to the sign-in page.
    const back = await browser.get(
      `${continueTarget(signedIn.body).pathname}${continueTarget(signedIn.body).search}`,
    );
    expect(back.response.status).toBe(303);
    const code = back.location?.searchParams.get('code');
    expect(code, String(back.location)).toBeTruthy();

    const tokens = await exchange(client, secret!, code!, verifier);
    const { sub, sid } = claimsOf(tokens.access_token);
    const record = await sessionRecord(sub, sid);
    const fresh = (await sessionRecord(after.uid, after.sid))!.auth!;
    expect(record?.auth?.ssoSid).toBe(after.sid);
    expect(record?.auth?.time).toBe(fresh.time);
    expect(record!.auth!.time).toBeGreaterThan(Math.floor(Date.now() / 1000) - 60);
  });

  it('with no browser session: one sign-in, then the code', async () => {
    const { client } = await firstParty();
    const user = await registerUser();
    const browser = new Browser();
    const { path } = await authorizePath(client.clientId, { prompt: 'login' });
    const first = await browser.get(path);
    const login = `${first.location!.pathname}${first.location!.search}`;
    const signedIn = await signInAt(browser, login, user.email);
    const target = continueTarget(signedIn.body);
    const back = await browser.get(`${target.pathname}${target.search}`);
    expect(back.location?.searchParams.get('code')).toBeTruthy();
  });

  it('a forged re-authentication marker is ignored: sign in again', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, {
      prompt: 'login',
      ea_reauth: `${Math.floor(Date.now() / 1000) - 5}.-.forged`,
    });
    const { location } = await browser.get(path);
    expect(location?.pathname).toBe('/login');
  });
});

describe('max_age', () => {
  it('0: always signs in again', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, { max_age: '0' });
    const { location } = await browser.get(path);
    expect(location?.pathname).toBe('/login');
  });

  it('a sign-in older than max_age: signs in again; prompt=none: login_required', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    await ageAuthentication(browser.sso!.uid, browser.sso!.sid, 120);
    const { path } = await authorizePath(client.clientId, { max_age: '60' });
    expect((await browser.get(path)).location?.pathname).toBe('/login');
    const none = await authorizePath(client.clientId, { max_age: '60', prompt: 'none' });
    expect(expectRedirectError((await browser.get(none.path)).location, 'login_required')).toBe(
      'The user signed in longer ago than max_age allows.',
    );
  });

  it('a sign-in within max_age: a code at once', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    await ageAuthentication(browser.sso!.uid, browser.sso!.sid, 120);
    const { path } = await authorizePath(client.clientId, { max_age: '3600' });
    expect((await browser.get(path)).location?.searchParams.get('code')).toBeTruthy();
  });

  it('not a non-negative integer: invalid_request', async () => {
    const { client } = await firstParty();
    const { path } = await authorizePath(client.clientId, { max_age: '-1' });
    expect(expectRedirectError((await new Browser().get(path)).location, 'invalid_request')).toBe(
      'max_age must be a non-negative integer (seconds).',
    );
  });
});

describe('login_hint', () => {
  it('prefills the sign-in page, escaped', async () => {
    const { client } = await firstParty();
    const hint = `o'brien&co+${crypto.randomUUID().slice(0, 6)}@example.test`;
    const { path } = await authorizePath(client.clientId, { login_hint: hint });
    const browser = new Browser();
    const { location } = await browser.get(path);
    const page = await browser.get(`${location!.pathname}${location!.search}`);
    expect(page.body).toContain(`value="${hint.replace(/&/g, '&amp;').replace(/'/g, '&#39;')}"`);
    // The page names the application (its registered name).
    expect(page.body).toContain('Sign in to continue to Test app.');
  });

  it("the sign-in page shows the application's logo, its origin alone let into img-src", async () => {
    const logo = 'https://cdn.photo-printer.example/logo.png';
    const { client } = await registerClient({
      name: 'Photo Printer',
      scopes: ['openid', 'read'],
      logoUri: logo,
    });
    const { path } = await authorizePath(client.clientId);
    const browser = new Browser();
    const { location } = await browser.get(path);
    const page = await browser.get(`${location!.pathname}${location!.search}`);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain(`<img src="${logo}" alt="Photo Printer logo"`);
    const imgSrc = /img-src ([^;]*)/.exec(
      page.response.headers.get('Content-Security-Policy')!,
    )?.[1];
    expect(imgSrc?.split(' ')).toEqual(["'self'", 'data:', 'https://cdn.photo-printer.example']);
    // A wrong password shows the page again, still naming the application, with its logo.
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const returnTo = /name="return_to" value="([^"]*)"/
      .exec(page.body)?.[1]
      ?.replace(/&amp;/g, '&');
    const refused = await browser.post('/login', {
      csrf,
      email: 'nobody@example.test',
      password: 'not the password',
      return_to: returnTo ?? '',
    });
    expect(refused.response.status).toBe(401);
    expect(refused.body).toContain('Sign in to continue to Photo Printer.');
    expect(refused.body).toContain(`<img src="${logo}"`);
    // Any other sign-in page keeps the plain CSP.
    const plain = await new Browser().get('/login');
    expect(plain.response.headers.get('Content-Security-Policy')).not.toContain('photo-printer');
  });

  it('a hint that is not an email address is not shown', async () => {
    const { client } = await firstParty();
    const { path } = await authorizePath(client.clientId, { login_hint: '"><b>x</b>' });
    const browser = new Browser();
    const { location } = await browser.get(path);
    const page = await browser.get(`${location!.pathname}${location!.search}`);
    expect(page.response.status).toBe(200);
    expect(page.body).not.toContain('<b>x</b>');
    expect(page.body).toMatch(/<input id="field-email"(?![^>]*value=)[^>]*>/);
  });
});

describe('id_token_hint', () => {
  it('our ID token for the signed-in user: a code', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const hint = await idToken(browser.sso!.uid, client.clientId);
    const { path } = await authorizePath(client.clientId, { id_token_hint: hint, prompt: 'none' });
    expect((await browser.get(path)).location?.searchParams.get('code')).toBeTruthy();
  });

  it('for another user: login_required with prompt=none, else the sign-in page', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const other = await registerUser();
    const hint = await idToken(other.user_id, client.clientId);
    const none = await authorizePath(client.clientId, { id_token_hint: hint, prompt: 'none' });
    expect(expectRedirectError((await browser.get(none.path)).location, 'login_required')).toBe(
      'The signed-in user is not the one id_token_hint names.',
    );
    const { path } = await authorizePath(client.clientId, { id_token_hint: hint });
    expect((await browser.get(path)).location?.pathname).toBe('/login');
  });

  it('with a bad signature: invalid_request', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const hint = await idToken(browser.sso!.uid, client.clientId);
    const [header, payload, signature] = hint.split('.');
    const flipped = `${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    const { path } = await authorizePath(client.clientId, {
      id_token_hint: `${header}.${payload}.${flipped}`,
    });
    expect(expectRedirectError((await browser.get(path)).location, 'invalid_request')).toBe(
      'id_token_hint is not an ID token of this issuer.',
    );
  });

  it('from another issuer: invalid_request', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const hint = await idToken(browser.sso!.uid, client.clientId, uniqueIssuer('other-op'));
    const { path } = await authorizePath(client.clientId, { id_token_hint: hint });
    expect(expectRedirectError((await browser.get(path)).location, 'invalid_request')).toBe(
      'id_token_hint is not an ID token of this issuer.',
    );
  });
});

describe('parameters not supported, and parameters ignored', () => {
  it.each([
    ['request', 'request_not_supported'],
    ['request_uri', 'request_uri_not_supported'],
    ['registration', 'registration_not_supported'],
  ])('%s is answered %s, with state and iss', async (param, error) => {
    const { client } = await firstParty();
    const { path } = await authorizePath(client.clientId, {
      [param]: param === 'request_uri' ? 'https://rp.example/req.jwt' : 'eyJhbGciOiJub25lIn0.e30.',
    });
    const { location } = await new Browser().get(path);
    expectRedirectError(location, error);
  });

  it('claims, ui_locales, acr_values and display are accepted and ignored', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, {
      claims: JSON.stringify({ id_token: { email: { essential: true } } }),
      ui_locales: 'fr-CA fr en',
      acr_values: 'urn:mace:incommon:iap:silver',
      display: 'popup',
      nonce: 'n-0S6_WzA2Mj',
    });
    const { location } = await browser.get(path);
    expect(location?.origin + location!.pathname).toBe(REDIRECT_URI);
    expect(location?.searchParams.get('code')).toBeTruthy();
  });

  // OIDF oidcc-claims-locales, oidcc-ensure-request-with-unknown-parameter-succeeds and
  // oidcc-ensure-other-scope-order-succeeds: none of these may fail the request.
  it('claims_locales, an unknown parameter and another scope order still give a code', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, {
      scope: 'email openid',
      claims_locales: 'de en',
      extra_parameter_from_the_future: 'anything',
    });
    const { location } = await browser.get(path);
    expect(location?.searchParams.get('code')).toMatch(/^[\w-]{43}$/);
  });

  // OIDF oidcc-response-type-missing: an error at the redirect URI, never a code.
  it('no response_type: invalid_request, redirected with state and iss', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId);
    const withoutType = new URL(path, ISSUER);
    withoutType.searchParams.delete('response_type');
    const { location } = await browser.get(`${withoutType.pathname}${withoutType.search}`);
    expect(expectRedirectError(location, 'invalid_request')).toBe('response_type is required.');
  });
});

describe('the authorization request by POST (OIDC Core §3.1.2.1: GET and POST)', () => {
  const post = (browser: Browser, body: string) =>
    browser.request('/oauth/authorize', {
      method: 'POST',
      body,
      // The client's own page auto-submits the form: a cross-site POST, as it should be.
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: 'https://app.example',
      },
    });

  it('is answered as the GET: signed in, a code with state and iss', async () => {
    const { client } = await firstParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, { nonce: 'n-post' });
    const { response, location } = await post(browser, path.slice(path.indexOf('?') + 1));
    expect(response.status).toBe(303);
    expect(location?.origin + (location?.pathname ?? '')).toBe(REDIRECT_URI);
    expect(location?.searchParams.get('code')).toMatch(/^[\w-]{43}$/);
    expect(location?.searchParams.get('state')).toBe('st-1');
    expect(location?.searchParams.get('iss')).toBe(ISSUER);
  });

  it('signed out: to the sign-in page, whose way back is the same request as a GET', async () => {
    const { client } = await firstParty();
    const { path } = await authorizePath(client.clientId);
    const { response, location } = await post(new Browser(), path.slice(path.indexOf('?') + 1));
    expect(response.status).toBe(303);
    expect(location?.pathname).toBe('/login');
    const back = new URL(location?.searchParams.get('return_to') ?? '', ISSUER);
    expect(back.pathname).toBe('/oauth/authorize');
    expect(back.searchParams.get('client_id')).toBe(client.clientId);
    expect(back.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('a parameter sent twice is refused on a page, before any redirect', async () => {
    const { client } = await firstParty();
    const { response, body } = await post(
      new Browser(),
      `client_id=${client.clientId}&client_id=${client.clientId}&response_type=code`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(response.headers.get('Location')).toBeNull();
    expect(body).toMatch(/more than once|once/i);
  });
});
