// requireRole on a route of its own: built on requireAuth (a revoked token is refused as such),
// then one of the listed roles must be in the token's `roles` claim.
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/context.ts';
import { renderError } from '../../src/http/error-response.ts';
import { requestContext } from '../../src/http/request-context.ts';
import { requireRole } from '../../src/http/require-scope.ts';
import { adminSession } from './audit-fixtures.ts';
import { bearer, newSession } from './auth-fixtures.ts';
import { expectRefusal, send } from './helpers.ts';

const app = new Hono<AppEnv>()
  .use(requestContext())
  .get('/evaluation', requireRole('evaluator', 'admin'), (c) => c.text(`hello ${c.var.auth.sub}`))
  .onError(renderError);

const get = (token?: string) =>
  app.request('/evaluation', { headers: token ? bearer(token) : {} }, env);

describe('requireRole', () => {
  it('lets a token holding one of the roles through', async () => {
    const { user, tokens } = await adminSession();
    const response = await get(tokens.access_token);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`hello ${user.user_id}`);
  });

  it('refuses other roles with 403 insufficient_scope, and no token with 401', async () => {
    const { tokens } = await newSession(); // viewer
    const response = await get(tokens.access_token);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
    expect((await get()).status).toBe(401);
  });

  it('refuses a logged-out token even when its roles match', async () => {
    const { tokens } = await adminSession();
    await send('/api/v1/auth/logout', { method: 'POST', headers: bearer(tokens.access_token) });
    await expectRefusal(
      await get(tokens.access_token),
      401,
      'invalid_token',
      'The token has been revoked.',
    );
  });
});
