// Every auth event leaves one audit row (user, session, ip, user agent, request id) and never a
// secret; the write happens after the response, off the request's round-trip budget.
import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { AuditTrail } from '../../src/audit/trail.ts';
import { users } from '../../src/store/schema.ts';
import { auditRowsOf, secretsIn } from './audit-fixtures.ts';
import {
  bearer,
  freshEmail,
  newSession,
  PASSWORD,
  registerUser,
  type TokenPair,
} from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { roundTrips, send, sendWithEnv } from './helpers.ts';

const IP = '203.0.113.7';
const UA = 'audit-test/1.0 (+https://example.test)';

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return send(path, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'CF-Connecting-IP': IP,
      'User-Agent': UA,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const origin = (requestId: string) => ({ ip: IP, userAgent: UA, requestId });

describe('audit rows for auth events', () => {
  it('register: the new user, no session, the client and the request id', async () => {
    const email = freshEmail('audit');
    const { response, requestId } = await post('/api/v1/auth/register', {
      email,
      password: PASSWORD,
    });
    expect(response.status).toBe(201);
    const { user_id } = await response.json<{ user_id: string }>();
    const [row] = await auditRowsOf(requestId);
    expect(row).toMatchObject({
      type: 'register',
      userId: user_id,
      sessionId: null,
      ...origin(requestId),
      details: {},
    });
    const [stored] = await testDb().select().from(users).where(eq(users.id, user_id));
    expect(secretsIn(row!, [PASSWORD, email, stored!.passwordHash])).toEqual([]);
  });

  it('login_success: the user and the new session; no password, token or hash in the row', async () => {
    const user = await registerUser();
    const { response, requestId } = await post('/api/v1/auth/login', {
      email: user.email,
      password: user.password,
    });
    expect(response.status).toBe(200);
    const tokens = await response.json<TokenPair>();
    const rows = await auditRowsOf(requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'login_success',
      userId: user.user_id,
      sessionId: decodeJwt(tokens.access_token).sid,
      ...origin(requestId),
    });
    const [stored] = await testDb().select().from(users).where(eq(users.id, user.user_id));
    const secrets = [user.password, tokens.access_token, tokens.refresh_token];
    expect(secretsIn(rows[0]!, [...secrets, stored!.passwordHash])).toEqual([]);
  });

  it('login_failure: unknown_user, bad_password and disabled, all without the password', async () => {
    const unknown = await post('/api/v1/auth/login', {
      email: freshEmail('nobody'),
      password: 'guess-unknown-1',
    });
    const user = await registerUser();
    const bad = await post('/api/v1/auth/login', { email: user.email, password: 'guess-bad-2' });
    const disabledUser = await registerUser();
    await testDb()
      .update(users)
      .set({ disabledAt: new Date() })
      .where(eq(users.id, disabledUser.user_id));
    const disabled = await post('/api/v1/auth/login', {
      email: disabledUser.email,
      password: disabledUser.password,
    });
    expect([unknown, bad, disabled].map((s) => s.response.status)).toEqual([401, 401, 403]);

    const [u] = await auditRowsOf(unknown.requestId);
    expect(u).toMatchObject({
      type: 'login_failure',
      userId: null,
      details: { reason: 'unknown_user' },
    });
    const [b] = await auditRowsOf(bad.requestId);
    expect(b).toMatchObject({
      type: 'login_failure',
      userId: user.user_id,
      sessionId: null,
      ...origin(bad.requestId),
      details: { reason: 'bad_password' },
    });
    const [d] = await auditRowsOf(disabled.requestId);
    expect(d).toMatchObject({
      type: 'login_failure',
      userId: disabledUser.user_id,
      details: { reason: 'disabled' },
    });
    for (const row of [u!, b!, d!]) {
      expect(secretsIn(row, ['guess-unknown-1', 'guess-bad-2', disabledUser.password])).toEqual([]);
    }
  });

  it('a routine refresh writes no row; logout writes the user and the session', async () => {
    const { user, tokens } = await newSession();
    const sid = decodeJwt(tokens.access_token).sid;
    const refreshed = await post('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token });
    expect(refreshed.response.status).toBe(200);
    const next = await refreshed.response.json<TokenPair>();

    const out = await post('/api/v1/auth/logout', {}, bearer(next.access_token));
    expect(out.response.status).toBe(204);
    const [l] = await auditRowsOf(out.requestId);
    expect(l).toMatchObject({
      type: 'logout',
      userId: user.user_id,
      sessionId: sid,
      ...origin(out.requestId),
    });
    // The logout's row is in, written after the refresh's response: the refresh wrote none, and
    // opened no audit write at all.
    expect(await auditRowsOf(refreshed.requestId, 0)).toEqual([]);
    expect((await roundTrips(`${refreshed.requestId}:audit`)).sql.roundTrips).toBe(0);
  });

  it('refresh_reuse_detected is always audited, with the revoked session', async () => {
    const { user, tokens } = await newSession();
    const strict = { REFRESH_REUSE_GRACE: '0' };
    const refresh = (requestId: string) =>
      sendWithEnv('/api/v1/auth/refresh', strict, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Request-Id': requestId,
          'CF-Connecting-IP': IP,
          'User-Agent': UA,
        },
        body: JSON.stringify({ refresh_token: tokens.refresh_token }),
      });
    expect((await refresh(`t-${crypto.randomUUID()}`)).status).toBe(200);
    const replayId = `t-${crypto.randomUUID()}`;
    const replay = await refresh(replayId);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'refresh_token_reused' });
    // sendWithEnv awaited the execution context: the row is already there.
    const rows = await auditRowsOf(replayId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'refresh_reuse_detected',
      userId: user.user_id,
      sessionId: decodeJwt(tokens.access_token).sid,
      ...origin(replayId),
    });
  });
});

describe('the audit write is off the critical path', () => {
  it('login stays 1 SQL + 2 Redis; its audit INSERT is one more SQL round trip, counted apart', async () => {
    const user = await registerUser();
    const { response, requestId } = await post('/api/v1/auth/login', {
      email: user.email,
      password: user.password,
    });
    expect(response.status).toBe(200);
    await auditRowsOf(requestId);
    expect(await roundTrips(requestId)).toMatchObject({
      sql: { roundTrips: 1 },
      redis: { roundTrips: 2 },
    });
    expect(await roundTrips(`${requestId}:audit`)).toMatchObject({
      sql: { roundTrips: 1, units: 1 },
      redis: { roundTrips: 0 },
    });
  });

  it('a failing write is logged, never thrown, and the log lines still carry the events', async () => {
    const trail = new AuditTrail({ ip: IP, userAgent: UA, requestId: 'r-1' });
    trail.record({ type: 'login_failure', details: { reason: 'unknown_user' } });
    trail.record({ type: 'logout', userId: crypto.randomUUID(), sessionId: 's-1' });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const sink = { append: vi.fn((_rows: unknown[]) => Promise.reject(new Error('db down'))) };
      await expect(trail.flush(sink)).resolves.toBeUndefined();
      expect(sink.append).toHaveBeenCalledTimes(1);
      expect(sink.append.mock.calls[0]?.[0]).toHaveLength(2);
      const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(lines).toMatchObject([
        { level: 'info', msg: 'audit', type: 'login_failure', ip: IP, request_id: 'r-1' },
        { level: 'info', msg: 'audit', type: 'logout', session_id: 's-1', user_agent: UA },
      ]);
      expect(JSON.parse(String(error.mock.calls[0]?.[0]))).toMatchObject({
        level: 'error',
        msg: 'audit write failed',
        types: ['login_failure', 'logout'],
      });
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it('drops a secret-named detail even past the types', async () => {
    const trail = new AuditTrail({ ip: null, userAgent: null, requestId: null });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const sneaky = { reason: 'bad_password', password: 'hunter2', refresh_token: 'x' };
    trail.record({ type: 'login_failure', details: sneaky as { reason: 'bad_password' } });
    const rows: unknown[] = [];
    await trail.flush({ append: async (written) => void rows.push(...written) });
    const logged = JSON.stringify(log.mock.calls);
    log.mockRestore();
    error.mockRestore();
    expect(rows).toMatchObject([{ details: { reason: 'bad_password' } }]);
    expect(JSON.stringify(rows)).not.toMatch(/hunter2|refresh_token|"password"/);
    expect(logged).not.toMatch(/hunter2/);
  });
});
