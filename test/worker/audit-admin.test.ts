// GET /api/v1/admin/audit: the admin scope (RFC 6750 challenges for the others), filters, and
// keyset pagination; the read itself is audited.
import { describe, expect, it } from 'vitest';
import { adminSession, auditRowsOf, auditRowsOfUser } from './audit-fixtures.ts';
import { auditEvents } from '../../src/store/schema.ts';
import { bearer, newSession, postJson, registerUser } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { send } from './helpers.ts';

interface AuditEvent {
  id: string;
  at: string;
  type: string;
  user_id: string | null;
  session_id: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}
interface AuditPage {
  events: AuditEvent[];
  next_cursor: string | null;
}

const read = (token: string, query: Record<string, string> = {}) =>
  send(`/api/v1/admin/audit?${new URLSearchParams(query)}`, { headers: bearer(token) });

/** A user with `failures` failed logins and one success, all audited. */
async function userWithHistory(failures: number) {
  const user = await registerUser();
  for (let i = 0; i < failures; i++) {
    await postJson('/api/v1/auth/login', { email: user.email, password: `wrong-${i}` });
  }
  await postJson('/api/v1/auth/login', { email: user.email, password: user.password });
  await auditRowsOfUser(user.user_id, 'login_failure', failures);
  await auditRowsOfUser(user.user_id, 'login_success');
  return user;
}

describe('GET /api/v1/admin/audit: who may read', () => {
  it('401 without a token, with a bare RFC 6750 challenge', async () => {
    const { response } = await send('/api/v1/admin/audit');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'An access token is required.',
    });
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="edge-auth"');
  });

  it('403 insufficient_scope for a viewer, naming the scope in the challenge', async () => {
    const { tokens } = await newSession();
    const { response } = await read(tokens.access_token);
    expect(response.status).toBe(403);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
    const challenge = response.headers.get('WWW-Authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer realm="edge-auth", error="insufficient_scope"/);
    expect(challenge).toContain('scope="admin"');
  });

  it('200 for an admin; the read is itself audited as admin_audit_read', async () => {
    const { user, tokens } = await adminSession();
    const { response, requestId } = await read(tokens.access_token, {
      user_id: user.user_id,
      limit: '5',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const page = await response.json<AuditPage>();
    // Its own register and login_success, newest first.
    expect(page.events.map((e) => e.type)).toEqual(['login_success', 'register']);
    expect(page.next_cursor).toBeNull();
    const [row] = await auditRowsOf(requestId);
    expect(row).toMatchObject({
      type: 'admin_audit_read',
      userId: user.user_id,
      details: { filters: { user_id: user.user_id }, returned: 2 },
    });
  });

  it('a revoked admin token is refused (requireScope runs the full requireAuth)', async () => {
    const { tokens } = await adminSession();
    await send('/api/v1/auth/logout', { method: 'POST', headers: bearer(tokens.access_token) });
    const { response } = await read(tokens.access_token);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'The token has been revoked.',
    });
  });
});

describe('GET /api/v1/admin/audit: filters and pagination', () => {
  it('filters by user and type, and by since', async () => {
    const { tokens } = await adminSession();
    const user = await userWithHistory(3);
    const failures = await read(tokens.access_token, {
      user_id: user.user_id,
      type: 'login_failure',
    });
    const page = await failures.response.json<AuditPage>();
    expect(page.events).toHaveLength(3);
    for (const event of page.events) {
      expect(event).toMatchObject({
        type: 'login_failure',
        user_id: user.user_id,
        details: { reason: 'bad_password' },
      });
    }

    const newest = page.events[0]!.at;
    const since = await read(tokens.access_token, { user_id: user.user_id, since: newest });
    const recent = await since.response.json<AuditPage>();
    expect(recent.events.map((e) => e.type)).toEqual(['login_success', 'login_failure']);
    expect(recent.events.every((e) => e.at >= newest)).toBe(true);
  });

  it('pages with an opaque cursor, newest first, no row repeated or skipped', async () => {
    const { tokens } = await adminSession();
    const user = await userWithHistory(4);
    // register + 4 failures + 1 success = 6 events, in pages of 4 and 2.
    const all: AuditEvent[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const query: Record<string, string> = { user_id: user.user_id, limit: '4' };
      if (cursor) query.cursor = cursor;
      const { response } = await read(tokens.access_token, query);
      expect(response.status).toBe(200);
      const page: AuditPage = await response.json<AuditPage>();
      sizes.push(page.events.length);
      all.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([4, 2]);
    expect(all.map((e) => e.type)).toEqual([
      'login_success',
      'login_failure',
      'login_failure',
      'login_failure',
      'login_failure',
      'register',
    ]);
    expect(new Set(all.map((e) => e.id)).size).toBe(6);
    const order = all.map((e) => [e.at, BigInt(e.id)] as const);
    for (let i = 1; i < order.length; i++) {
      const [prevAt, prevId] = order[i - 1]!;
      const [at, id] = order[i]!;
      expect(at < prevAt || (at === prevAt && id < prevId)).toBe(true);
    }
  });

  it('rejects a forged cursor, a bad limit and a bad user id with 400', async () => {
    const { tokens } = await adminSession();
    const bad: Record<string, string>[] = [
      { cursor: 'not-a-cursor' },
      { cursor: btoa('["x", 1]') },
      { limit: '0' },
      { limit: '201' },
      { user_id: 'nope' },
      { since: 'yesterday' },
      { type: "login'; drop table audit_events; --" },
    ];
    for (const query of bad) {
      const { response } = await read(tokens.access_token, query);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('defaults to 50 events per page and allows up to 200', async () => {
    const { tokens } = await adminSession();
    const type = `admin_probe_${crypto.randomUUID().slice(0, 8)}`;
    const rows = Array.from({ length: 55 }, (_, i) => ({ type, details: { action: `n${i}` } }));
    await testDb().insert(auditEvents).values(rows);
    const first = await (await read(tokens.access_token, { type })).response.json<AuditPage>();
    expect(first.events).toHaveLength(50);
    expect(first.next_cursor).toEqual(expect.any(String));
    const { response } = await read(tokens.access_token, { type, limit: '200' });
    const whole = await response.json<AuditPage>();
    expect(whole.events).toHaveLength(55);
    expect(whole.next_cursor).toBeNull();
  });
});
