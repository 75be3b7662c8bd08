// The admin users API: scope admin on every route, each action audited, roles reaching live
// sessions at their next refresh without SQL, and disabling ending access at once.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { adminSession, auditRowsOfUser } from './audit-fixtures.ts';
import {
  bearer,
  freshEmail,
  login,
  newSession,
  PASSWORD,
  postJson,
  type TokenPair,
} from './auth-fixtures.ts';
import { expectRefusal, roundTrips, send } from './helpers.ts';

const call = (method: string, path: string, token: string, body?: unknown) =>
  send(`/api/v1/admin${path}`, {
    method,
    headers: { ...bearer(token), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

interface AdminUser {
  id: string;
  email: string;
  roles: string[];
  email_verified_at: string | null;
  disabled_at: string | null;
}

describe('admin users API: authorisation', () => {
  it('non-admins get 403 insufficient_scope on every route; no token gets 401', async () => {
    const { tokens } = await newSession();
    const id = crypto.randomUUID();
    const routes: [string, string, unknown?][] = [
      ['GET', '/users'],
      ['GET', `/users/${id}`],
      ['POST', '/users', { email: freshEmail(), password: PASSWORD }],
      ['PUT', `/users/${id}/roles`, { roles: ['admin'] }],
      ['POST', `/users/${id}/disable`],
      ['POST', `/users/${id}/enable`],
      ['POST', `/users/${id}/revoke-sessions`],
      ['GET', '/audit'],
    ];
    for (const [method, path, body] of routes) {
      const { response } = await call(method, path, tokens.access_token, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json(), `${method} ${path}`).toMatchObject({
        error: 'insufficient_scope',
      });
      const anonymous = await send(`/api/v1/admin${path}`, { method });
      expect(anonymous.response.status, `${method} ${path} without a token`).toBe(401);
      await expectRefusal(anonymous.response, 401, 'invalid_token', 'An access token is required.');
    }
  });
});

describe('admin users API', () => {
  it('creates a user (verified, roles checked), refuses duplicates and unknown roles, audits', async () => {
    const { user: admin, tokens } = await adminSession();
    const email = freshEmail('made');
    const created = await call('POST', '/users', tokens.access_token, {
      email,
      password: PASSWORD,
      roles: ['developer'],
    });
    expect(created.response.status).toBe(201);
    const body = await created.response.json<AdminUser>();
    expect(body).toMatchObject({ email, roles: ['developer'], disabled_at: null });
    expect(body.email_verified_at).not.toBeNull();
    expect(decodeJwt((await login(email)).access_token)).toMatchObject({ scope: 'read write' });
    const again = await call('POST', '/users', tokens.access_token, { email, password: PASSWORD });
    await expectRefusal(again.response, 409, 'email_already_registered');
    const badRole = await call('POST', '/users', tokens.access_token, {
      email: freshEmail(),
      password: PASSWORD,
      roles: ['superuser'],
    });
    expect(badRole.response.status).toBe(400);
    expect(await badRole.response.json()).toMatchObject({
      error: 'invalid_request',
      error_description:
        'Unknown role(s): superuser. Roles: admin, developer, researcher, evaluator, viewer.',
    });
    const [row] = await auditRowsOfUser(admin.user_id, 'admin_user_created');
    expect(row?.details).toEqual({ target: body.id, roles: ['developer'], source: 'api' });
  });

  it('lists and searches by email with a cursor; reads one; 404 for unknown', async () => {
    const { tokens } = await adminSession();
    const marker = `mk${crypto.randomUUID().slice(0, 8)}`;
    const emails = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const email = `${marker}-${n}@example.test`;
        await postJson('/api/v1/auth/register', { email, password: PASSWORD });
        return email;
      }),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?query=${marker.toUpperCase()}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const { response } = await call('GET', `/users${query}`, tokens.access_token);
      expect(response.status).toBe(200);
      const page = await response.json<{ users: AdminUser[]; next_cursor: string | null }>();
      seen.push(...page.users.map((u) => u.email));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(emails);
    const bad = await call('GET', '/users?cursor=%%%', tokens.access_token);
    expect(bad.response.status).toBe(400);
    const missing = await call('GET', `/users/${crypto.randomUUID()}`, tokens.access_token);
    expect(missing.response.status).toBe(404);
    expect(await missing.response.json()).toMatchObject({ error: 'not_found' });
    expect((await call('GET', '/users/not-a-uuid', tokens.access_token)).response.status).toBe(400);
  });

  it('new roles reach live sessions at their next refresh, with no SQL read', async () => {
    const { tokens: adminTokens } = await adminSession();
    const { user, tokens } = await newSession();
    const set = await call('PUT', `/users/${user.user_id}/roles`, adminTokens.access_token, {
      roles: ['developer', 'evaluator'],
    });
    expect(set.response.status).toBe(200);
    expect((await set.response.json<AdminUser>()).roles).toEqual(['developer', 'evaluator']);
    const refreshed = await postJson('/api/v1/auth/refresh', {
      refresh_token: tokens.refresh_token,
    });
    expect(refreshed.response.status).toBe(200);
    const claims = decodeJwt((await refreshed.response.json<TokenPair>()).access_token);
    expect(claims).toMatchObject({ roles: ['developer', 'evaluator'], scope: 'read write' });
    expect((await roundTrips(refreshed.requestId)).sql.roundTrips).toBe(0);
    const [row] = await auditRowsOfUser(
      decodeJwt(adminTokens.access_token).sub ?? '',
      'admin_roles_set',
    );
    expect(row?.details).toMatchObject({
      target: user.user_id,
      roles: ['developer', 'evaluator'],
      previous: ['viewer'],
      sessions_updated: 1,
    });
  });

  it("disabling refuses the user's existing access tokens at once; enabling lets them back in", async () => {
    const { tokens: adminTokens } = await adminSession();
    const { user, tokens } = await newSession();
    const second = await login(user.email);
    const me = () => send('/api/v1/auth/me', { headers: bearer(tokens.access_token) });
    expect((await me()).response.status).toBe(200);
    const disabled = await call('POST', `/users/${user.user_id}/disable`, adminTokens.access_token);
    expect(disabled.response.status).toBe(200);
    expect((await disabled.response.json<AdminUser>()).disabled_at).not.toBeNull();
    await expectRefusal((await me()).response, 401, 'invalid_token', 'The session has ended.');
    const refresh = await postJson('/api/v1/auth/refresh', { refresh_token: second.refresh_token });
    await expectRefusal(refresh.response, 401, 'invalid_grant');
    const relogin = await postJson('/api/v1/auth/login', { email: user.email, password: PASSWORD });
    expect(relogin.response.status).toBe(403);
    expect(await relogin.response.json()).toMatchObject({ error: 'account_disabled' });
    const [row] = await auditRowsOfUser(
      decodeJwt(adminTokens.access_token).sub ?? '',
      'admin_user_disabled',
    );
    expect(row?.details).toEqual({ target: user.user_id, sessions_revoked: 2 });
    const enabled = await call('POST', `/users/${user.user_id}/enable`, adminTokens.access_token);
    expect((await enabled.response.json<AdminUser>()).disabled_at).toBeNull();
    expect((await login(user.email)).access_token).toBeTruthy();
  });

  it('revokes every session of a user', async () => {
    const { tokens: adminTokens } = await adminSession();
    const { user, tokens } = await newSession();
    const { response } = await call(
      'POST',
      `/users/${user.user_id}/revoke-sessions`,
      adminTokens.access_token,
    );
    expect(await response.json()).toEqual({ revoked: 1 });
    const me = await send('/api/v1/auth/me', { headers: bearer(tokens.access_token) });
    await expectRefusal(me.response, 401, 'invalid_token', 'The session has ended.');
    const unknown = await call(
      'POST',
      `/users/${crypto.randomUUID()}/revoke-sessions`,
      adminTokens.access_token,
    );
    await expectRefusal(unknown.response, 404, 'not_found');
  });
});
