// A user's own sessions: list (two Redis round trips), revoke one, logout-all, and the cap.
import { describe, expect, it } from 'vitest';
import { bearer, login, postJson, registerUser } from './auth-fixtures.ts';
import { expectRefusal, roundTrips, send, sendWithEnv } from './helpers.ts';

interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  ip: string;
  user_agent: string;
  current: boolean;
}

async function listSessions(accessToken: string) {
  const sent = await send('/api/v1/auth/sessions', { headers: bearer(accessToken) });
  return { ...sent, body: await sent.response.json<{ sessions: SessionView[] }>() };
}

const sidOf = (accessToken: string) =>
  (
    JSON.parse(atob(accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      sid: string;
    }
  ).sid;

describe('GET /api/v1/auth/sessions', () => {
  it("lists the caller's live sessions, newest use first, marking the current one", async () => {
    const user = await registerUser();
    const first = await login(user.email);
    const { response: second } = await postJson(
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
      { 'User-Agent': 'second-browser/1.0', 'CF-Connecting-IP': '198.51.100.7' },
    );
    const secondTokens = await second.json<{ access_token: string }>();
    const { response, body, requestId } = await listSessions(first.access_token);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(body.sessions).toHaveLength(2);
    const [newest, oldest] = body.sessions;
    expect(newest).toMatchObject({
      id: sidOf(secondTokens.access_token),
      ip: '198.51.100.7',
      user_agent: 'second-browser/1.0',
      current: false,
    });
    expect(oldest).toMatchObject({ id: sidOf(first.access_token), current: true });
    expect(Date.parse(oldest!.created_at)).toBeLessThanOrEqual(Date.parse(newest!.created_at));
    // requireAuth's check plus the list: the index, then one pipeline over the sessions it
    // names, however many there are (cluster-safe reads: no script derives key names).
    const warm = await listSessions(first.access_token);
    expect(warm.body.sessions).toHaveLength(2);
    expect((await roundTrips(warm.requestId)).redis.roundTrips).toBe(3);
    expect((await roundTrips(requestId)).redis.roundTrips).toBe(3);
  });

  it('does not show other users their sessions', async () => {
    const a = await registerUser();
    const b = await registerUser();
    const tokensA = await login(a.email);
    await login(b.email);
    const { body } = await listSessions(tokensA.access_token);
    expect(body.sessions.map((s) => s.id)).toEqual([sidOf(tokensA.access_token)]);
  });
});

describe('DELETE /api/v1/auth/sessions/{id}', () => {
  it('revokes one session: its tokens stop working, the others live on', async () => {
    const user = await registerUser();
    const keep = await login(user.email);
    const drop = await login(user.email);
    const { response } = await send(`/api/v1/auth/sessions/${sidOf(drop.access_token)}`, {
      method: 'DELETE',
      headers: bearer(keep.access_token),
    });
    expect(response.status).toBe(204);
    const me = await send('/api/v1/auth/me', { headers: bearer(drop.access_token) });
    await expectRefusal(me.response, 401, 'invalid_token', 'The session has ended.');
    const refresh = await postJson('/api/v1/auth/refresh', { refresh_token: drop.refresh_token });
    await expectRefusal(refresh.response, 401, 'invalid_grant');
    expect(
      (await send('/api/v1/auth/me', { headers: bearer(keep.access_token) })).response.status,
    ).toBe(200);
  });

  it("answers 404 for another user's session and leaves it alone", async () => {
    const a = await registerUser();
    const b = await registerUser();
    const tokensA = await login(a.email);
    const tokensB = await login(b.email);
    const { response } = await send(`/api/v1/auth/sessions/${sidOf(tokensB.access_token)}`, {
      method: 'DELETE',
      headers: bearer(tokensA.access_token),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
    expect(
      (await send('/api/v1/auth/me', { headers: bearer(tokensB.access_token) })).response.status,
    ).toBe(200);
  });

  it('needs a token', async () => {
    const { response } = await send('/api/v1/auth/sessions/abc', { method: 'DELETE' });
    await expectRefusal(response, 401, 'invalid_token', 'An access token is required.');
  });
});

describe('POST /api/v1/auth/logout-all', () => {
  it('ends every session, the current one included', async () => {
    const user = await registerUser();
    const sessions = [await login(user.email), await login(user.email), await login(user.email)];
    const { response } = await send('/api/v1/auth/logout-all', {
      method: 'POST',
      headers: bearer(sessions[0]!.access_token),
    });
    expect(response.status).toBe(204);
    for (const tokens of sessions) {
      const me = await send('/api/v1/auth/me', { headers: bearer(tokens.access_token) });
      await expectRefusal(me.response, 401, 'invalid_token', 'The session has ended.');
      const refresh = await postJson('/api/v1/auth/refresh', {
        refresh_token: tokens.refresh_token,
      });
      await expectRefusal(refresh.response, 401, 'invalid_grant');
    }
  });
});

describe('the concurrent-session cap', () => {
  it('evicts the least recently used session beyond SESSION_CAP', async () => {
    const user = await registerUser();
    const loginWithCap = async () => {
      const response = await sendWithEnv(
        '/api/v1/auth/login',
        { SESSION_CAP: '2' },
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: user.email, password: user.password }),
        },
      );
      expect(response.status).toBe(200);
      return response.json<{ access_token: string; refresh_token: string }>();
    };
    const oldest = await loginWithCap();
    const middle = await loginWithCap();
    // Using the oldest makes `middle` the least recently used.
    const used = await postJson('/api/v1/auth/refresh', { refresh_token: oldest.refresh_token });
    expect(used.response.status).toBe(200);
    const renewed = await used.response.json<{ access_token: string }>();
    await loginWithCap();
    const evicted = await send('/api/v1/auth/me', { headers: bearer(middle.access_token) });
    await expectRefusal(evicted.response, 401, 'invalid_token', 'The session has ended.');
    expect(
      (await send('/api/v1/auth/me', { headers: bearer(renewed.access_token) })).response.status,
    ).toBe(200);
    const { body } = await listSessions(renewed.access_token);
    expect(body.sessions).toHaveLength(2);
  });
});
