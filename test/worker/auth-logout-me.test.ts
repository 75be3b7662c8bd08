import { describe, expect, inject, it } from 'vitest';
import { bearer, newSession, postJson } from './auth-fixtures.ts';
import { expectRefusal, roundTrips, send, sendWithEnv } from './helpers.ts';

const me = (access: string) => send('/api/v1/auth/me', { headers: bearer(access) });

describe('GET /api/v1/auth/me', () => {
  it('returns the user', async () => {
    const { user, tokens } = await newSession();
    const { response } = await me(tokens.access_token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: user.user_id,
      email: user.email,
      name: null,
      roles: ['viewer'],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('costs 1 Redis round trip and 1 SQL', async () => {
    const { tokens } = await newSession();
    await me(tokens.access_token);
    const { response, requestId } = await me(tokens.access_token);
    expect(response.status).toBe(200);
    expect(await roundTrips(requestId)).toMatchObject({
      sql: { roundTrips: 1 },
      redis: { roundTrips: 1 },
    });
  });

  it('concurrent requests in one isolate each count their own round trips', async () => {
    // The store clients are the isolate's (src/store/index.ts); each call finds its request
    // through the trace scope. Interleaved requests must not lend each other their calls.
    const sessions = await Promise.all(Array.from({ length: 8 }, () => newSession()));
    await Promise.all(sessions.map(({ tokens }) => me(tokens.access_token)));
    const sent = await Promise.all(sessions.map(({ tokens }) => me(tokens.access_token)));
    for (const { response, requestId } of sent) {
      expect(response.status).toBe(200);
      expect(await roundTrips(requestId)).toMatchObject({
        sql: { roundTrips: 1 },
        redis: { roundTrips: 1 },
      });
    }
  });

  it('without a token: 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const { response } = await send('/api/v1/auth/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="edge-auth"');
    expect(await response.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'An access token is required.',
    });
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('204; afterwards the access token and the refresh token are rejected', async () => {
    const { tokens } = await newSession();
    const out = await send('/api/v1/auth/logout', {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(out.response.status).toBe(204);
    const after = await me(tokens.access_token);
    expect(after.response.status).toBe(401);
    expect(after.response.headers.get('WWW-Authenticate')).toMatch(/error="invalid_token"/);
    const refreshed = await postJson('/api/v1/auth/refresh', {
      refresh_token: tokens.refresh_token,
    });
    await expectRefusal(refreshed.response, 401, 'invalid_grant');
  });

  it('accepts the refresh token in the body, and costs 1 Redis round trip in all', async () => {
    const { tokens } = await newSession();
    const { response, requestId } = await postJson(
      '/api/v1/auth/logout',
      { refresh_token: tokens.refresh_token },
      bearer(tokens.access_token),
    );
    expect(response.status).toBe(204);
    // The revocation check and the logout are one script, and the revocation feed's entry
    // (src/compose/revocation-feed.ts) rides in the same request: one round trip, two commands.
    expect(await roundTrips(requestId)).toMatchObject({
      sql: { roundTrips: 0 },
      redis: { roundTrips: 1, units: 2 },
    });
  });

  it('a second logout with the same token is 401', async () => {
    const { tokens } = await newSession();
    await send('/api/v1/auth/logout', { method: 'POST', headers: bearer(tokens.access_token) });
    const again = await send('/api/v1/auth/logout', {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(again.response.status).toBe(401);
    expect(await again.response.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'The session has already ended.',
    });
  });

  it('fails closed with 503 when Redis is unreachable', async () => {
    const { tokens } = await newSession();
    const response = await sendWithEnv(
      '/api/v1/auth/logout',
      { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' },
      { method: 'POST', headers: bearer(tokens.access_token) },
    );
    await expectRefusal(response, 503, 'temporarily_unavailable');
  });

  it('fails closed with 503, not 500, when the Redis endpoint answers something that is no Redis reply', async () => {
    // An HTTP endpoint that is up but is no Upstash (a proxy's error page, a 5xx): here the
    // stack's Neon endpoint, which answers a Redis command with a non-Redis error body.
    const { tokens } = await newSession();
    const response = await sendWithEnv(
      '/api/v1/auth/me',
      { UPSTASH_REDIS_REST_URL: `${inject('stack').url}/sql` },
      { headers: bearer(tokens.access_token) },
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
