// Issue 13 item 8: deleting an account, by the user (password re-entered) or by an admin, ends
// every session of that user at once: refresh reads no SQL, so without that sweep a deleted
// user's refresh token and session lived on until they expired. The audit trail outlives the row.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/store/schema.ts';
import { errorOf } from './abuse-fixtures.ts';
import { adminSession, auditRowsOfUser } from './audit-fixtures.ts';
import { bearer, login, newSession, PASSWORD, postJson, type TokenPair } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { send } from './helpers.ts';
import { registerClient } from './oauth-fixtures.ts';

const rowOf = async (id: string) =>
  (await testDb().select().from(users).where(eq(users.id, id)))[0];

/** What each credential of a session gets after the user is gone. */
async function expectSessionDead(tokens: TokenPair) {
  const me = await send('/api/v1/auth/me', { headers: bearer(tokens.access_token) });
  expect([me.response.status, await errorOf(me.response)]).toEqual([401, 'invalid_token']);
  const sessions = await send('/api/v1/auth/sessions', { headers: bearer(tokens.access_token) });
  expect(sessions.response.status).toBe(401);
  const refresh = await postJson('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token });
  expect([refresh.response.status, await errorOf(refresh.response)]).toEqual([
    401,
    'invalid_grant',
  ]);
  const { client, secret } = await registerClient();
  const introspection = await send('/oauth/introspect', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${btoa(`${client.clientId}:${secret}`)}`,
    },
    body: new URLSearchParams({ token: tokens.access_token }),
  });
  expect(await introspection.response.json()).toEqual({ active: false });
}

describe('self-service: POST /api/v1/auth/account/delete', () => {
  const remove = (tokens: TokenPair, password: string) =>
    postJson('/api/v1/auth/account/delete', { password }, bearer(tokens.access_token));

  it('a wrong password is refused with current_password_incorrect and changes nothing', async () => {
    const { user, tokens } = await newSession();
    const { response } = await remove(tokens, 'not my password at all');
    expect([response.status, await errorOf(response)]).toEqual([403, 'current_password_incorrect']);
    expect(await rowOf(user.user_id)).toBeDefined();
    const me = await send('/api/v1/auth/me', { headers: bearer(tokens.access_token) });
    expect(me.response.status).toBe(200);
  });

  it('the right password deletes the row and ends every session; the audit trail stays', async () => {
    const { user, tokens } = await newSession();
    const other = await login(user.email);
    const { response } = await remove(tokens, PASSWORD);
    expect(response.status).toBe(204);
    expect(await rowOf(user.user_id)).toBeUndefined();
    await expectSessionDead(tokens);
    await expectSessionDead(other);
    const [event] = await auditRowsOfUser(user.user_id, 'account_deleted');
    expect(event?.details).toEqual({ sessions_revoked: 2 });
    // Earlier events of the user are still there too.
    expect(await auditRowsOfUser(user.user_id, 'login_success', 2)).toHaveLength(2);
    // The address can be registered again, as a new account.
    const again = await postJson('/api/v1/auth/register', {
      email: user.email,
      password: PASSWORD,
    });
    expect(again.response.status).toBe(201);
  });

  it('needs an access token', async () => {
    const { response } = await postJson('/api/v1/auth/account/delete', { password: PASSWORD });
    expect([response.status, await errorOf(response)]).toEqual([401, 'invalid_token']);
  });
});

describe('admin: DELETE /api/v1/admin/users/{id}', () => {
  const remove = (id: string, token: string) =>
    send(`/api/v1/admin/users/${id}`, { method: 'DELETE', headers: bearer(token) });

  it('deletes, ends every session of the user at once, and is audited', async () => {
    const admin = await adminSession();
    const { user, tokens } = await newSession();
    const other = await login(user.email);
    const { response } = await remove(user.user_id, admin.tokens.access_token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: user.user_id, sessions_revoked: 2 });
    expect(await rowOf(user.user_id)).toBeUndefined();
    await expectSessionDead(tokens);
    await expectSessionDead(other);
    const [event] = await auditRowsOfUser(admin.user.user_id, 'admin_user_deleted');
    expect(event?.details).toEqual({
      target: user.user_id,
      sessions_revoked: 2,
      source: 'api',
    });
    const again = await remove(user.user_id, admin.tokens.access_token);
    expect([again.response.status, await errorOf(again.response)]).toEqual([404, 'not_found']);
  });

  it('needs the admin scope', async () => {
    const { user, tokens } = await newSession();
    const { response } = await remove(user.user_id, tokens.access_token);
    expect([response.status, await errorOf(response)]).toEqual([403, 'insufficient_scope']);
    expect(await rowOf(user.user_id)).toBeDefined();
  });
});
