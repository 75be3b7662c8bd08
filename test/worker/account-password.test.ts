// Password reset (enumeration-safe request, single-use link even under concurrency, every
// session ended) and password change (current password re-checked, other sessions ended).
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/store/schema.ts';
import { errorOf, freshIp, postWithEnv } from './abuse-fixtures.ts';
import { auditRowsOf, auditRowsOfUser, auditRowsWhere } from './audit-fixtures.ts';
import {
  bearer,
  freshEmail,
  login,
  newSession,
  PASSWORD,
  postJson,
  registerUser,
} from './auth-fixtures.ts';
import { expectRefusal, send } from './helpers.ts';
import { mailTo, tokenMailedTo } from './mail-fixtures.ts';

const NEW_PASSWORD = 'an entirely different passphrase 77';
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  postWithEnv(`/api/v1/auth${path}`, body, {}, { 'CF-Connecting-IP': freshIp(), ...headers });
const me = (access: string) => send('/api/v1/auth/me', { headers: bearer(access) });

describe('password reset', () => {
  it('the request answers 202 with one body for any address; only an account gets mail', async () => {
    const user = await registerUser();
    const nobody = freshEmail('nobody');
    const [known, unknown] = await Promise.all([
      post('/password/reset', { email: user.email }),
      post('/password/reset', { email: nobody }),
    ]);
    expect([known.response.status, unknown.response.status]).toEqual([202, 202]);
    expect(await known.response.json()).toEqual(await unknown.response.json());
    // Neither path looks anything up before answering: no SQL on the request itself.
    expect(known.response.headers.get('Server-Timing')).toMatch(/db;dur=[\d.]+;desc="0 calls"/);
    expect(unknown.response.headers.get('Server-Timing')).toMatch(/db;dur=[\d.]+;desc="0 calls"/);
    expect((await mailTo(user.email, 'password_reset')).length).toBe(1);
    expect((await mailTo(nobody, undefined, 0)).length).toBe(0);
    const [row] = await auditRowsOfUser(user.user_id, 'password_reset_requested');
    expect(row?.details).toEqual({ account: true });
  });

  it('one inbox gets at most RATE_LIMIT_MAIL_RECIPIENT links, whoever asks; the answer stays 202', async () => {
    const user = await registerUser();
    const env = { RATE_LIMIT_MAIL_RECIPIENT: '1/1h' };
    const ask = () =>
      postWithEnv('/api/v1/auth/password/reset', { email: user.email }, env, {
        'CF-Connecting-IP': freshIp(),
      });
    expect((await ask()).response.status).toBe(202);
    const second = await ask();
    expect(second.response.status).toBe(202);
    const [refusal] = await auditRowsOf(`${second.requestId}`);
    expect(refusal).toMatchObject({ type: 'password_reset_requested' });
    const limited = await auditRowsWhere(
      and(eq(auditEvents.requestId, second.requestId), eq(auditEvents.type, 'rate_limited')),
    );
    expect(limited[0]?.details).toMatchObject({ limiter: 'mail_recipient' });
    expect((await mailTo(user.email, 'password_reset')).length).toBe(1);
  });

  it('confirm: a rejected password keeps the link; the reset ends every session', async () => {
    const { user, tokens } = await newSession();
    const second = await login(user.email);
    await post('/password/reset', { email: user.email });
    const token = await tokenMailedTo(user.email, 'password_reset');
    const weak = await post('/password/reset/confirm', { token, new_password: 'short' });
    expect(weak.response.status).toBe(400);
    expect(await errorOf(weak.response)).toBe('password_too_short');
    const done = await post('/password/reset/confirm', { token, new_password: NEW_PASSWORD });
    expect(done.response.status).toBe(204);
    await expectRefusal(
      (await me(tokens.access_token)).response,
      401,
      'invalid_token',
      'The session has ended.',
    );
    const refresh = await postJson('/api/v1/auth/refresh', { refresh_token: second.refresh_token });
    await expectRefusal(refresh.response, 401, 'invalid_grant');
    const old = await post('/login', { email: user.email, password: PASSWORD });
    await expectRefusal(old.response, 401, 'invalid_credentials');
    expect((await login(user.email, NEW_PASSWORD)).access_token).toBeTruthy();
    expect((await mailTo(user.email, 'password_changed')).length).toBe(1);
    const [row] = await auditRowsOfUser(user.user_id, 'password_reset');
    expect(row?.details).toEqual({ sessions_revoked: 2 });
    const again = await post('/password/reset/confirm', { token, new_password: NEW_PASSWORD });
    expect(again.response.status).toBe(400);
    expect(await errorOf(again.response)).toBe('invalid_one_time_token');
  });

  it('two confirms of one link at once: exactly one wins', async () => {
    const user = await registerUser();
    await post('/password/reset', { email: user.email });
    const token = await tokenMailedTo(user.email, 'password_reset');
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        post('/password/reset/confirm', { token, new_password: NEW_PASSWORD }),
      ),
    );
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses).toEqual([204, 400, 400, 400, 400]);
  });

  it('a disabled account gets no reset link', async () => {
    const { adminSession } = await import('./audit-fixtures.ts');
    const { tokens: adminTokens } = await adminSession();
    const user = await registerUser();
    await send(`/api/v1/admin/users/${user.user_id}/disable`, {
      method: 'POST',
      headers: bearer(adminTokens.access_token),
    });
    expect((await post('/password/reset', { email: user.email })).response.status).toBe(202);
    await auditRowsOfUser(user.user_id, 'password_reset_requested');
    expect((await mailTo(user.email, 'password_reset', 0)).length).toBe(0);
  });
});

describe('password change', () => {
  const change = (access: string, body: unknown) => post('/password/change', body, bearer(access));

  it('re-checks the current password, then ends the other sessions but not this one', async () => {
    const { user, tokens } = await newSession();
    const other = await login(user.email);
    const wrong = await change(tokens.access_token, {
      current_password: 'not it',
      new_password: NEW_PASSWORD,
    });
    expect(wrong.response.status).toBe(403);
    expect(await errorOf(wrong.response)).toBe('current_password_incorrect');
    const weak = await change(tokens.access_token, {
      current_password: PASSWORD,
      new_password: 'password',
    });
    await expectRefusal(weak.response, 400, 'password_too_common');
    const ok = await change(tokens.access_token, {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(ok.response.status).toBe(204);
    expect((await me(tokens.access_token)).response.status).toBe(200);
    await expectRefusal(
      (await me(other.access_token)).response,
      401,
      'invalid_token',
      'The session has ended.',
    );
    expect((await login(user.email, NEW_PASSWORD)).access_token).toBeTruthy();
    const [row] = await auditRowsOfUser(user.user_id, 'password_change');
    expect(row?.details).toEqual({ sessions_revoked: 1 });
  });

  it('needs a Bearer token', async () => {
    const { response } = await post('/password/change', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    await expectRefusal(response, 401, 'invalid_token', 'An access token is required.');
  });
});
