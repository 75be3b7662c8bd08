// OpenID Connect RP-Initiated Logout 1.0 at /oauth/end-session, as a relying party and a
// browser use it: a matching id_token_hint signs out at once, anything else asks the user
// first; the return address must be registered; the browser session ends together with every
// client session granted from it, so neither a refresh token nor a code issued before the
// logout brings one back.
import { describe, expect, it } from 'vitest';
import { auditRowsOfUser } from './audit-fixtures.ts';
import {
  browserRequest,
  endSession,
  idTokenFor,
  POST_LOGOUT_URI,
  refreshAsClient,
  setCookies,
} from './logout-fixtures.ts';
import {
  authorize,
  basicAuth,
  codeFlowTokens,
  ISSUER,
  pkce,
  postForm,
  REDIRECT_URI,
  registerClient,
  signedInBrowser,
} from './oauth-fixtures.ts';
import { uniqueIssuer } from './helpers.ts';

const SSO = '__Host-ea_sso';
const FORM = '__Host-ea_form';

/** A client whose user signed in from a browser, with a post-logout URI registered. */
async function signedInApp() {
  const flow = await codeFlowTokens({ client: { postLogoutRedirectUris: [POST_LOGOUT_URI] } });
  const hint = await idTokenFor({
    clientId: flow.client.clientId,
    sub: flow.browser.user.user_id,
    sid: flow.browser.sid,
  });
  return { ...flow, hint };
}

/** Whether the browser is still signed in: the account page answers it, or sends it to log in. */
async function signedIn(cookie: string) {
  const { response } = await browserRequest('/account', cookie);
  return response.status === 200;
}

const errorPage = (body: string) => /<p[^>]*role="alert"[^>]*>([^<]*)<\/p>/.exec(body)?.[1];

describe('end-session with an id_token_hint of the signed-in user', () => {
  it('signs out without asking, ends the client session from that sign-in, and returns with state', async () => {
    const app = await signedInApp();
    const { response } = await endSession(
      {
        id_token_hint: app.hint,
        post_logout_redirect_uri: POST_LOGOUT_URI,
        state: 'af0ifjsldkj',
      },
      app.browser.cookie,
    );
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('Location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(POST_LOGOUT_URI);
    expect(location.searchParams.get('state')).toBe('af0ifjsldkj');
    expect(setCookies(response).get(SSO)).toBe('');
    expect(response.headers.get('Cache-Control')).toBe('no-store');

    expect(await signedIn(app.browser.cookie)).toBe(false);
    const refreshed = await refreshAsClient(
      app.client.clientId,
      app.secret,
      app.tokens.refresh_token,
    );
    expect(refreshed.status).toBe(400);
    expect((await refreshed.json<{ error: string }>()).error).toBe('invalid_grant');

    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'oidc_logout');
    expect(row?.sessionId).toBe(app.browser.sid);
    expect(row?.details).toEqual({
      client_id: app.client.clientId,
      sessions: 2,
      confirmed: false,
    });
  });

  it('shows a signed-out page when no return address is given', async () => {
    const app = await signedInApp();
    const { response, body } = await endSession({ id_token_hint: app.hint }, app.browser.cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get('Location')).toBeNull();
    expect(body).toContain('You are signed out');
    expect(await signedIn(app.browser.cookie)).toBe(false);
  });

  it('accepts the parameters as a POSTed form (§2: GET and POST)', async () => {
    const app = await signedInApp();
    const { response } = await browserRequest('/oauth/end-session', app.browser.cookie, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        id_token_hint: app.hint,
        client_id: app.client.clientId,
        post_logout_redirect_uri: POST_LOGOUT_URI,
        state: 's1',
        ui_locales: 'en',
        logout_hint: app.browser.user.email,
      }).toString(),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe(`${POST_LOGOUT_URI}?state=s1`);
    expect(await signedIn(app.browser.cookie)).toBe(false);
  });

  it('ends the sign-in the hint names even when the browser sends no cookie', async () => {
    const app = await signedInApp();
    const { response } = await endSession({
      id_token_hint: app.hint,
      post_logout_redirect_uri: POST_LOGOUT_URI,
    });
    expect(response.status).toBe(303);
    expect(await signedIn(app.browser.cookie)).toBe(false);
    const refreshed = await refreshAsClient(
      app.client.clientId,
      app.secret,
      app.tokens.refresh_token,
    );
    expect(refreshed.status).toBe(400);
  });

  it('leaves other sign-ins of the user alone', async () => {
    const app = await signedInApp();
    // A second client, signed in from a browser session of another user, is untouched.
    const other = await codeFlowTokens();
    await endSession({ id_token_hint: app.hint }, app.browser.cookie);
    expect(await signedIn(other.browser.cookie)).toBe(true);
    const refreshed = await refreshAsClient(
      other.client.clientId,
      other.secret,
      other.tokens.refresh_token,
    );
    expect(refreshed.status).toBe(200);
  });
});

describe('end-session without a matching hint asks first (§6: logout CSRF)', () => {
  it('shows a confirmation page and ends nothing, then signs out on the confirmed POST', async () => {
    const app = await signedInApp();
    const asked = await endSession(
      {
        client_id: app.client.clientId,
        post_logout_redirect_uri: POST_LOGOUT_URI,
        state: 'st',
      },
      app.browser.cookie,
    );
    expect(asked.response.status).toBe(200);
    expect(asked.body).toContain('Sign out?');
    expect(asked.body).toContain(app.client.name);
    expect(await signedIn(app.browser.cookie)).toBe(true);

    const csrf = /name="csrf" value="([^"]+)"/.exec(asked.body)?.[1] ?? '';
    const formCookie = setCookies(asked.response).get(FORM) ?? '';
    expect(csrf).not.toBe('');
    const cookie = `${app.browser.cookie}; ${FORM}=${formCookie}`;
    const hidden = Object.fromEntries(
      [...asked.body.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
        m[1],
        m[2]!.replace(/&amp;/g, '&'),
      ]),
    );
    expect(hidden).toMatchObject({
      client_id: app.client.clientId,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'st',
    });

    // Without the form token, or from another origin, nothing happens.
    const forged = await browserRequest('/oauth/end-session/confirm', cookie, {
      method: 'POST',
      headers: { Origin: ISSUER, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hidden, csrf: 'forged' }).toString(),
    });
    expect(forged.response.status).toBe(403);
    expect(await signedIn(app.browser.cookie)).toBe(true);
    const crossSite = await browserRequest('/oauth/end-session/confirm', cookie, {
      method: 'POST',
      headers: {
        Origin: 'https://evil.example',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(hidden).toString(),
    });
    expect(crossSite.response.status).toBe(403);
    expect(await signedIn(app.browser.cookie)).toBe(true);

    const confirmed = await browserRequest('/oauth/end-session/confirm', cookie, {
      method: 'POST',
      headers: { Origin: ISSUER, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(hidden).toString(),
    });
    expect(confirmed.response.status).toBe(200);
    // A page that refreshes to the application (a 303 would be held to form-action 'self').
    expect(confirmed.body).toContain(
      `content="0;url=${POST_LOGOUT_URI}?state=st"`.replace(/&/g, '&amp;'),
    );
    expect(setCookies(confirmed.response).get(SSO)).toBe('');
    expect(await signedIn(app.browser.cookie)).toBe(false);
    const refreshed = await refreshAsClient(
      app.client.clientId,
      app.secret,
      app.tokens.refresh_token,
    );
    expect(refreshed.status).toBe(400);
    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'oidc_logout');
    expect(row?.details).toMatchObject({ client_id: app.client.clientId, confirmed: true });
  });

  it('sends a POST without hint or cookie (a cross-site form: no Lax cookie) on as a GET', async () => {
    const app = await signedInApp();
    const { response } = await browserRequest('/oauth/end-session', undefined, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: app.client.clientId,
        post_logout_redirect_uri: POST_LOGOUT_URI,
        state: 'x y',
      }).toString(),
    });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('Location') ?? '', ISSUER);
    expect(location.pathname).toBe('/oauth/end-session');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      client_id: app.client.clientId,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'x y',
    });
    // The GET, with the browser's cookie, asks.
    const asked = await browserRequest(
      `${location.pathname}${location.search}`,
      app.browser.cookie,
    );
    expect(asked.response.status).toBe(200);
    expect(asked.body).toContain('Sign out?');
    expect(await signedIn(app.browser.cookie)).toBe(true);
  });

  it('asks when the hint is about another user than the signed-in one', async () => {
    const app = await signedInApp();
    const someoneElse = await signedInBrowser();
    const { response, body } = await endSession({ id_token_hint: app.hint }, someoneElse.cookie);
    expect(response.status).toBe(200);
    expect(body).toContain('Sign out?');
    expect(await signedIn(someoneElse.cookie)).toBe(true);
    expect(await signedIn(app.browser.cookie)).toBe(true);
  });

  it('checks the carried return address again when the confirmation comes back', async () => {
    const app = await signedInApp();
    const asked = await endSession({ client_id: app.client.clientId }, app.browser.cookie);
    const csrf = /name="csrf" value="([^"]+)"/.exec(asked.body)?.[1] ?? '';
    const cookie = `${app.browser.cookie}; ${FORM}=${setCookies(asked.response).get(FORM)}`;
    const { response, body } = await browserRequest('/oauth/end-session/confirm', cookie, {
      method: 'POST',
      headers: { Origin: ISSUER, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf,
        client_id: app.client.clientId,
        post_logout_redirect_uri: 'https://evil.example/',
      }).toString(),
    });
    expect(response.status).toBe(400);
    expect(body).toContain('Invalid return address');
    expect(await signedIn(app.browser.cookie)).toBe(true);
  });
});

describe('end-session refusals are pages, never redirects', () => {
  it('refuses a post_logout_redirect_uri the client did not register', async () => {
    const app = await signedInApp();
    for (const uri of ['https://evil.example/signed-out', `${POST_LOGOUT_URI}/x`, REDIRECT_URI]) {
      const { response, body } = await endSession(
        { id_token_hint: app.hint, post_logout_redirect_uri: uri, state: 's' },
        app.browser.cookie,
      );
      expect(response.status).toBe(400);
      expect(response.headers.get('Location')).toBeNull();
      expect(body).toContain('Invalid return address');
      expect(errorPage(body)).toBe(
        'The application asked to return to an address it has not registered for sign-out.',
      );
    }
    expect(await signedIn(app.browser.cookie)).toBe(true);
  });

  it('refuses a post_logout_redirect_uri when no client is named', async () => {
    const app = await signedInApp();
    const { response, body } = await endSession(
      { post_logout_redirect_uri: POST_LOGOUT_URI },
      app.browser.cookie,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('Location')).toBeNull();
    expect(errorPage(body)).toBe(
      'post_logout_redirect_uri needs client_id or id_token_hint to name the application.',
    );
  });

  it('refuses an unknown client_id', async () => {
    const app = await signedInApp();
    const { response, body } = await endSession(
      { client_id: 'no-such-client', post_logout_redirect_uri: POST_LOGOUT_URI },
      app.browser.cookie,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('Location')).toBeNull();
    expect(body).toContain('Unknown application');
  });

  it('refuses a hint with a bad signature', async () => {
    const app = await signedInApp();
    const [header, payload, signature = ''] = app.hint.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const { response, body } = await endSession(
      {
        id_token_hint: `${header}.${payload}.${flipped}`,
        post_logout_redirect_uri: POST_LOGOUT_URI,
      },
      app.browser.cookie,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('Location')).toBeNull();
    expect(body).toContain('Invalid sign-out request');
    expect(errorPage(body)).toBe('The id_token_hint is not an ID token this provider issued.');
    expect(await signedIn(app.browser.cookie)).toBe(true);
  });

  it('refuses a hint from another issuer, even about the signed-in user', async () => {
    const app = await signedInApp();
    const foreign = await idTokenFor(
      { clientId: app.client.clientId, sub: app.browser.user.user_id, sid: app.browser.sid },
      uniqueIssuer('other-op'),
    );
    const { response, body } = await endSession(
      { id_token_hint: foreign, post_logout_redirect_uri: POST_LOGOUT_URI },
      app.browser.cookie,
    );
    expect(response.status).toBe(400);
    expect(errorPage(body)).toBe('The id_token_hint is not an ID token this provider issued.');
    expect(await signedIn(app.browser.cookie)).toBe(true);
  });

  it('refuses an access token as the hint', async () => {
    const app = await signedInApp();
    const { response, body } = await endSession(
      { id_token_hint: app.tokens.access_token },
      app.browser.cookie,
    );
    expect(response.status).toBe(400);
    expect(errorPage(body)).toBe('The id_token_hint is not an ID token this provider issued.');
  });

  it('refuses a client_id that is not the hint audience', async () => {
    const app = await signedInApp();
    const { client: other } = await registerClient({ postLogoutRedirectUris: [POST_LOGOUT_URI] });
    const { response, body } = await endSession(
      {
        id_token_hint: app.hint,
        client_id: other.clientId,
        post_logout_redirect_uri: POST_LOGOUT_URI,
      },
      app.browser.cookie,
    );
    expect(response.status).toBe(400);
    expect(errorPage(body)).toBe(
      'client_id is not the application the id_token_hint was issued to.',
    );
    expect(await signedIn(app.browser.cookie)).toBe(true);
  });
});

describe('nothing outlives the signed-out browser session', () => {
  it('refuses a code issued before the logout and exchanged after it (invalid_grant)', async () => {
    const app = await signedInApp();
    const { verifier, challenge } = await pkce();
    const { location } = await authorize(
      {
        client_id: app.client.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'read',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
      app.browser.cookie,
    );
    const code = location?.searchParams.get('code') ?? '';
    expect(code).not.toBe('');

    const { response } = await endSession({ id_token_hint: app.hint }, app.browser.cookie);
    expect(response.status).toBe(200);

    const exchanged = await postForm(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      },
      { Authorization: basicAuth(app.client.clientId, app.secret) },
    );
    expect(exchanged.status).toBe(400);
    expect(await exchanged.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The user signed out after this code was issued.',
    });
  });

  it('the account page sign-out ends the client sessions granted from it too', async () => {
    const app = await signedInApp();
    const page = await browserRequest('/account', app.browser.cookie);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = `${app.browser.cookie}; ${FORM}=${setCookies(page.response).get(FORM)}`;
    const { response } = await browserRequest('/logout', cookie, {
      method: 'POST',
      headers: { Origin: ISSUER, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(response.status).toBe(303);
    expect(await signedIn(app.browser.cookie)).toBe(false);
    const refreshed = await refreshAsClient(
      app.client.clientId,
      app.secret,
      app.tokens.refresh_token,
    );
    expect(refreshed.status).toBe(400);
    expect((await refreshed.json<{ error: string }>()).error).toBe('invalid_grant');
  });
});

describe('end-session in the OpenAPI document', () => {
  it('documents GET and POST with the RP-Initiated Logout parameters', async () => {
    const { body } = await browserRequest('/openapi.json', undefined);
    const doc = JSON.parse(body) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    const path = doc.paths['/oauth/end-session'] ?? {};
    expect(Object.keys(path).sort()).toEqual(['get', 'post']);
    expect(path.get?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state']),
    );
  });
});
