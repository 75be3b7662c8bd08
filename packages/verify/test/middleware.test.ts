// The Hono middleware and the plain request helper: real requests through a Hono app, asserting
// status, the RFC 6750 challenge, the error code, and whether the handler ran.
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  authenticate,
  createVerifier,
  errorResponse,
  type Verifier,
  VerifyError,
} from '../src/index.ts';
import { requireRole, requireScope, verifyAuth, type VerifyAuthEnv } from '../src/hono.ts';
import { AUDIENCE, ISSUER, type TestIssuer, testIssuer } from './issuer.ts';

let issuer: TestIssuer;
let verifier: Verifier;
let ran: string[];

function app() {
  const api = new Hono<VerifyAuthEnv>();
  api.use('/api/*', verifyAuth({ verifier, realm: 'orders' }));
  api.get('/api/me', (c) => {
    ran.push('me');
    return c.json({ sub: c.var.auth.sub, roles: c.var.auth.roles });
  });
  api.post('/api/orders', requireScope('orders:write'), (c) => {
    ran.push('orders');
    return c.body(null, 201);
  });
  api.delete('/api/orders', requireRole('admin', 'support'), (c) => {
    ran.push('delete');
    return c.body(null, 204);
  });
  return api;
}

const call = (path: string, token?: string, method = 'GET') =>
  app().request(path, { method, headers: token ? { Authorization: `Bearer ${token}` } : {} });

beforeEach(async () => {
  issuer = await testIssuer();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    fetch: issuer.fetch,
    now: issuer.clock.now,
  });
  ran = [];
});

describe('verifyAuth()', () => {
  it('a valid token: the handler runs with typed claims', async () => {
    const response = await call('/api/me', await issuer.sign());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'user-1', roles: ['viewer'] });
    expect(ran).toEqual(['me']);
  });

  it('no token: 401 with a bare challenge, no error code (RFC 6750 §3.1)', async () => {
    const response = await call('/api/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="orders"');
    expect(await response.json()).toMatchObject({ error: 'token_missing' });
    expect(ran).toEqual([]);
  });

  it('a bad token: 401 invalid_token, the code in the body, never the token', async () => {
    const token = await issuer.sign({ aud: 'https://elsewhere.example' });
    const response = await call('/api/me', token);
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toMatch(
      /^Bearer realm="orders", error="invalid_token", error_description="The token's \\?"?aud/,
    );
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'claim_invalid' });
    expect(text).not.toContain(token);
    expect(ran).toEqual([]);
  });

  it('a revoked token: 401 token_revoked', async () => {
    const token = await issuer.sign({ sid: 'gone' });
    issuer.feed.sessions.push('gone');
    const response = await call('/api/me', token);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'token_revoked' });
  });

  it('the issuer unreachable on a cold verifier: 503, not 401, and no handler', async () => {
    issuer.down = true;
    const response = await call('/api/me', await issuer.sign());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'discovery_unavailable' });
    expect(ran).toEqual([]);
  });
});

describe('requireScope() and requireRole()', () => {
  it('403 insufficient_scope naming the scope; passes with it', async () => {
    const without = await call('/api/orders', await issuer.sign(), 'POST');
    expect(without.status).toBe(403);
    expect(without.headers.get('WWW-Authenticate')).toContain('error="insufficient_scope"');
    expect(without.headers.get('WWW-Authenticate')).toContain('scope="orders:write"');
    const withScope = await call(
      '/api/orders',
      await issuer.sign({ scope: 'orders:write' }),
      'POST',
    );
    expect(withScope.status).toBe(201);
    expect(ran).toEqual(['orders']);
  });

  it('403 insufficient_role; any one of the roles passes', async () => {
    const viewer = await call('/api/orders', await issuer.sign(), 'DELETE');
    expect(viewer.status).toBe(403);
    expect(await viewer.json()).toMatchObject({ error: 'insufficient_role' });
    const support = await call('/api/orders', await issuer.sign({ roles: ['support'] }), 'DELETE');
    expect(support.status).toBe(204);
  });

  it('factories refuse a missing option at creation', () => {
    expect(() => requireScope()).toThrow(/at least one scope/);
    expect(() => requireRole()).toThrow(/at least one role/);
    // @ts-expect-error: the verifier is required
    expect(() => verifyAuth({})).toThrow(/"verifier" is required/);
  });
});

describe('authenticate(): any fetch handler', () => {
  const handler = async (request: Request) => {
    try {
      const claims = await authenticate(verifier, request);
      return Response.json({ sub: claims.sub });
    } catch (error) {
      if (error instanceof VerifyError) return errorResponse(error);
      throw error;
    }
  };

  it('claims for a good token; the refusal for a bad scheme', async () => {
    const token = await issuer.sign();
    const ok = await handler(
      new Request('https://api.example/x', { headers: { Authorization: `bearer ${token}` } }),
    );
    expect(await ok.json()).toEqual({ sub: 'user-1' });
    const basic = await handler(
      new Request('https://api.example/x', { headers: { Authorization: `Basic ${token}` } }),
    );
    expect(basic.status).toBe(401);
    expect(await basic.json()).toMatchObject({ error: 'token_missing' });
  });
});
