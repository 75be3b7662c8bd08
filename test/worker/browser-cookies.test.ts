// Browser mode: the refresh token in an HttpOnly cookie, and the CSRF checks on every request
// that uses it.
import { describe, expect, it } from 'vitest';
import { bearer, freshEmail, PASSWORD, postJson, registerUser } from './auth-fixtures.ts';
import {
  cookieAttributes,
  cookieHeader,
  cookieLogin,
  cookiesSet,
  CSRF,
  REFRESH,
  type CookieSession,
} from './browser-fixtures.ts';
import { send, sendWithEnv } from './helpers.ts';

const ISSUER_ORIGIN = 'http://auth.test';

/** A refresh as the browser app sends it: cookies, X-CSRF-Token, its Origin, no body. */
function cookieRefresh(session: CookieSession, headers: Record<string, string> = {}) {
  return send('/api/v1/auth/refresh', {
    method: 'POST',
    headers: {
      Cookie: cookieHeader(session.cookies),
      'X-CSRF-Token': session.csrf_token,
      Origin: ISSUER_ORIGIN,
      ...headers,
    },
  });
}

async function expectCsrfFailure(response: Response) {
  expect(response.status).toBe(403);
  expect(await response.json()).toMatchObject({ error: 'csrf_failed' });
  expect(response.headers.getAll('Set-Cookie')).toEqual([]);
}

describe('login in cookie mode', () => {
  it('puts the refresh token in an HttpOnly cookie, never in the body', async () => {
    const user = await registerUser();
    const { response } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
      use_cookie: true,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = await response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(
      ['access_token', 'csrf_token', 'expires_in', 'refresh_expires_in', 'token_type'].sort(),
    );
    const cookies = cookiesSet(response);
    expect([...cookies.keys()].sort()).toEqual([CSRF, REFRESH]);
    expect(cookies.get(REFRESH)).toMatch(/^eart_/);
    expect(cookies.get(CSRF)).toBe(body.csrf_token);

    const maxAge = String(body.refresh_expires_in);
    expect(cookieAttributes(response, REFRESH)).toEqual({
      'max-age': maxAge,
      path: '/api/v1/auth',
      httponly: '',
      secure: '',
      samesite: 'Lax',
    });
    // Readable by this site's scripts (not HttpOnly); everything else alike.
    expect(cookieAttributes(response, CSRF)).toEqual({
      'max-age': maxAge,
      path: '/api/v1/auth',
      secure: '',
      samesite: 'Lax',
    });
  });

  it('is also chosen by the X-Token-Transport header', async () => {
    const user = await registerUser();
    const { response } = await postJson(
      '/api/v1/auth/login',
      { email: user.email, password: PASSWORD },
      { 'X-Token-Transport': 'cookie' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).not.toHaveProperty('refresh_token');
    expect(cookiesSet(response).has(REFRESH)).toBe(true);
  });

  it('uses SameSite=Strict when COOKIE_SAMESITE says so', async () => {
    const user = await registerUser();
    const response = await sendWithEnv(
      '/api/v1/auth/login',
      { COOKIE_SAMESITE: 'Strict' },
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: PASSWORD, use_cookie: true }),
      },
    );
    expect(response.status).toBe(200);
    expect(cookieAttributes(response, REFRESH).samesite).toBe('Strict');
    expect(cookieAttributes(response, CSRF).samesite).toBe('Strict');
  });

  it('without the flag answers the plain token pair and sets no cookie', async () => {
    const user = await registerUser(freshEmail());
    const { response } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(await response.json()).toHaveProperty('refresh_token');
    expect(response.headers.getAll('Set-Cookie')).toEqual([]);
  });
});

describe('refresh through the cookie', () => {
  it('rotates the cookie and the CSRF token', async () => {
    const session = await cookieLogin();
    const { response } = await cookieRefresh(session);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = await response.json<Record<string, unknown>>();
    expect(body).not.toHaveProperty('refresh_token');
    const cookies = cookiesSet(response);
    expect(cookies.get(REFRESH)).toMatch(/^eart_/);
    expect(cookies.get(REFRESH)).not.toBe(session.cookies.get(REFRESH));
    expect(cookies.get(CSRF)).toBe(body.csrf_token);
    expect(body.csrf_token).not.toBe(session.csrf_token);
  });

  it('works without Origin when Sec-Fetch-Site says same-origin', async () => {
    const session = await cookieLogin();
    const { response } = await cookieRefresh(session, {
      Origin: '',
      'Sec-Fetch-Site': 'same-origin',
    });
    expect(response.status).toBe(200);
  });

  it('accepts an allowlisted app origin', async () => {
    const session = await cookieLogin();
    const response = await sendWithEnv(
      '/api/v1/auth/refresh',
      { ALLOWED_ORIGINS: 'https://app.example' },
      {
        method: 'POST',
        headers: {
          Cookie: cookieHeader(session.cookies),
          'X-CSRF-Token': session.csrf_token,
          Origin: 'https://app.example',
        },
      },
    );
    expect(response.status).toBe(200);
  });

  it('refuses a missing X-CSRF-Token', async () => {
    const session = await cookieLogin();
    await expectCsrfFailure((await cookieRefresh(session, { 'X-CSRF-Token': '' })).response);
  });

  it('refuses an X-CSRF-Token that differs from the CSRF cookie', async () => {
    const session = await cookieLogin();
    const other = await cookieLogin();
    const { response } = await cookieRefresh(session, { 'X-CSRF-Token': other.csrf_token });
    await expectCsrfFailure(response);
  });

  it('refuses a cookie and header pair that an attacker planted (not bound to the session)', async () => {
    const session = await cookieLogin();
    const planted = 'attacker-chosen-value';
    const cookies = new Map(session.cookies).set(CSRF, planted);
    const { response } = await cookieRefresh({ ...session, cookies }, { 'X-CSRF-Token': planted });
    await expectCsrfFailure(response);
  });

  it('refuses a cross-site Origin even with a valid token pair', async () => {
    const session = await cookieLogin();
    const { response } = await cookieRefresh(session, { Origin: 'https://evil.example' });
    await expectCsrfFailure(response);
  });

  it('refuses Sec-Fetch-Site cross-site when there is no Origin', async () => {
    const session = await cookieLogin();
    const { response } = await cookieRefresh(session, {
      Origin: '',
      'Sec-Fetch-Site': 'cross-site',
    });
    await expectCsrfFailure(response);
  });

  it('refuses a forged form post as CSRF, before looking at its content type', async () => {
    const session = await cookieLogin();
    const { response } = await send('/api/v1/auth/refresh', {
      method: 'POST',
      headers: {
        Cookie: cookieHeader(session.cookies),
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: 'https://evil.example',
      },
      body: 'use_cookie=true',
    });
    await expectCsrfFailure(response);
    // The session was not touched: the real app still refreshes.
    expect((await cookieRefresh(session)).response.status).toBe(200);
  });

  it('does not apply to a refresh token sent in the body (not CSRF-able)', async () => {
    const user = await registerUser();
    const { response: loginResponse } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    const { refresh_token } = await loginResponse.json<{ refresh_token: string }>();
    const { response } = await postJson(
      '/api/v1/auth/refresh',
      { refresh_token },
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('refresh_token');
  });

  it('asks for a token when there is neither a body nor a cookie', async () => {
    const { response } = await send('/api/v1/auth/refresh', { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description:
        'refresh_token is required (in the body, or as the refresh cookie in browser mode).',
    });
  });

  it('clears the cookies when the refresh token is reused (and the session is revoked)', async () => {
    const session = await cookieLogin();
    const first = await cookieRefresh(session);
    expect(first.response.status).toBe(200);
    // Replaying the old cookie after the grace window: reuse.
    const replay = await sendWithEnv(
      '/api/v1/auth/refresh',
      { REFRESH_REUSE_GRACE: '0' },
      {
        method: 'POST',
        headers: {
          Cookie: cookieHeader(session.cookies),
          'X-CSRF-Token': session.csrf_token,
          Origin: ISSUER_ORIGIN,
        },
      },
    );
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'refresh_token_reused' });
    const cleared = replay.headers.getAll('Set-Cookie');
    expect(cleared).toHaveLength(2);
    for (const line of cleared) expect(line).toMatch(/^__Secure-ea_(refresh|csrf)=; Max-Age=0;/);
  });
});

describe('logout in cookie mode', () => {
  it('ends the session and clears both cookies', async () => {
    const session = await cookieLogin();
    const { response } = await send('/api/v1/auth/logout', {
      method: 'POST',
      headers: {
        ...bearer(session.access_token),
        Cookie: cookieHeader(session.cookies),
        'X-CSRF-Token': session.csrf_token,
        Origin: ISSUER_ORIGIN,
      },
    });
    expect(response.status).toBe(204);
    const cleared = cookiesSet(response);
    expect(cleared.get(REFRESH)).toBe('');
    expect(cleared.get(CSRF)).toBe('');
    expect(cookieAttributes(response, REFRESH)).toMatchObject({
      'max-age': '0',
      path: '/api/v1/auth',
    });
    // The refresh token died with the session on the server, not only in the browser.
    const { response: after } = await cookieRefresh(session);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a logout that carries the cookie without the CSRF header', async () => {
    const session = await cookieLogin();
    const { response } = await send('/api/v1/auth/logout', {
      method: 'POST',
      headers: { ...bearer(session.access_token), Cookie: cookieHeader(session.cookies) },
    });
    await expectCsrfFailure(response);
  });

  it('needs no CSRF token for a Bearer-only logout', async () => {
    const session = await cookieLogin();
    const { response } = await send('/api/v1/auth/logout', {
      method: 'POST',
      headers: { ...bearer(session.access_token), Origin: 'https://elsewhere.example' },
    });
    expect(response.status).toBe(204);
  });
});
