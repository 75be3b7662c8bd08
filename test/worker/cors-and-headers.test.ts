// CORS for allowlisted browser apps only, and security headers on every response.
import { describe, expect, it } from 'vitest';
import { freshEmail, PASSWORD, registerUser } from './auth-fixtures.ts';
import { expectRefusal, send, sendWithEnv } from './helpers.ts';

const APP = 'https://app.example';
const withApp = { ALLOWED_ORIGINS: `${APP},https://admin.example` };

const preflight = (origin: string, headers = 'content-type,x-csrf-token') =>
  sendWithEnv('/api/v1/auth/refresh', withApp, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': headers,
    },
  });

const corsHeaderNames = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('CORS', () => {
  it('answers a preflight from an allowlisted origin with credentials and a max-age', async () => {
    const response = await preflight(APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(APP);
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    expect(response.headers.get('Access-Control-Allow-Methods')?.split(',')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'DELETE']),
    );
    const allowed = response.headers.get('Access-Control-Allow-Headers')!.toLowerCase().split(',');
    expect(allowed).toEqual(
      expect.arrayContaining([
        'content-type',
        'authorization',
        'x-csrf-token',
        'x-token-transport',
      ]),
    );
    expect(response.headers.get('Access-Control-Max-Age')).toBe('600');
    expect(response.headers.get('Vary')).toMatch(/Origin/);
  });

  it('takes the max-age from CORS_MAX_AGE', async () => {
    const response = await sendWithEnv(
      '/api/v1/auth/login',
      { ...withApp, CORS_MAX_AGE: '2h' },
      {
        method: 'OPTIONS',
        headers: { Origin: APP, 'Access-Control-Request-Method': 'POST' },
      },
    );
    expect(response.headers.get('Access-Control-Max-Age')).toBe('7200');
  });

  it('gives a preflight from any other origin no CORS header at all', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil.test', 'null']) {
      const response = await preflight(origin);
      expect(corsHeaderNames(response), origin).toEqual([]);
      expect(response.headers.get('Vary')).toMatch(/Origin/);
    }
  });

  it('grants the allowlisted origin on the actual request and exposes the useful headers', async () => {
    const user = await registerUser();
    const response = await sendWithEnv('/api/v1/auth/login', withApp, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: APP },
      body: JSON.stringify({ email: user.email, password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(APP);
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    expect(response.headers.get('Access-Control-Expose-Headers')?.split(',')).toEqual(
      expect.arrayContaining(['X-Request-Id', 'Retry-After', 'RateLimit-Remaining']),
    );
    expect(response.headers.get('Vary')).toMatch(/Origin/);
  });

  it('grants nothing to a non-allowlisted origin, on success and on error', async () => {
    const ok = await sendWithEnv('/health', withApp, {
      headers: { Origin: 'https://evil.example' },
    });
    expect(ok.status).toBe(200);
    expect(corsHeaderNames(ok)).toEqual([]);
    expect(ok.headers.get('Vary')).toMatch(/Origin/);
    const failed = await sendWithEnv('/api/v1/auth/me', withApp, {
      headers: { Origin: 'https://evil.example' },
    });
    await expectRefusal(failed, 401, 'invalid_token', 'An access token is required.');
    expect(corsHeaderNames(failed)).toEqual([]);
  });

  it('keeps the JWKS public: any origin, no credentials', async () => {
    const response = await sendWithEnv('/.well-known/jwks.json', withApp, {
      headers: { Origin: 'https://anyone.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(response.headers.has('Access-Control-Allow-Credentials')).toBe(false);
    expect(response.headers.get('Cross-Origin-Resource-Policy')).toBe('cross-origin');
  });
});

function expectSecurityHeaders(response: Response, hstsMaxAge = 31_536_000) {
  expect(response.headers.get('Strict-Transport-Security')).toBe(
    `max-age=${hstsMaxAge}; includeSubDomains`,
  );
  expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
  expect(response.headers.get('X-Frame-Options')).toBe('DENY');
  expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
  expect(response.headers.has('X-Powered-By')).toBe(false);
}

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

describe('security headers', () => {
  it('are on successes', async () => {
    const { response } = await send('/health');
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    expect(response.headers.get('Content-Security-Policy')).toBe(API_CSP);
  });

  it('are on errors: 404, 401, 400 and a broken configuration', async () => {
    const notFound = (await send('/nope')).response;
    await expectRefusal(notFound, 404, 'not_found');
    expectSecurityHeaders(notFound);
    const unauthorized = (await send('/api/v1/auth/me')).response;
    await expectRefusal(unauthorized, 401, 'invalid_token', 'An access token is required.');
    expectSecurityHeaders(unauthorized);
    const invalid = (
      await send('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'not-an-email', password: 'x' }),
      })
    ).response;
    await expectRefusal(invalid, 400, 'invalid_request', /email/);
    expectSecurityHeaders(invalid);
    const misconfigured = await sendWithEnv('/health', { ACCESS_TOKEN_TTL: 'forever' });
    expect(misconfigured.status).toBe(500);
    expectSecurityHeaders(misconfigured);
  });

  it('are on the cached JWKS and its 304', async () => {
    const first = (await send('/.well-known/jwks.json')).response;
    expectSecurityHeaders(first);
    const etag = first.headers.get('ETag')!;
    const notModified = (
      await send('/.well-known/jwks.json', { headers: { 'If-None-Match': etag } })
    ).response;
    expect(notModified.status).toBe(304);
    expectSecurityHeaders(notModified);
  });

  it('take HSTS max-age from HSTS_MAX_AGE', async () => {
    const response = await sendWithEnv('/health', { HSTS_MAX_AGE: '1d' });
    expectSecurityHeaders(response, 86_400);
  });

  it('give the docs page a nonce-based CSP that its scripts carry', async () => {
    const { response } = await send('/docs');
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    const csp = response.headers.get('Content-Security-Policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('mark every token response no-store', async () => {
    const email = freshEmail();
    await registerUser(email);
    const response = await sendWithEnv('/api/v1/auth/login', withApp, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expectSecurityHeaders(response);
  });
});
