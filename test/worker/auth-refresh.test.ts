import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearer, newSession, postJson, type TokenPair } from './auth-fixtures.ts';
import { expectRefusal, roundTrips, send, sendWithEnv } from './helpers.ts';

const refresh = (refresh_token: string) => postJson('/api/v1/auth/refresh', { refresh_token });
const me = (access: string) => send('/api/v1/auth/me', { headers: bearer(access) });

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: a new pair, claims taken from the session, no-store', async () => {
    const { user, tokens } = await newSession();
    const { response } = await refresh(tokens.refresh_token);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const next = await response.json<TokenPair>();
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.refresh_token).toMatch(/^eart_/);
    const before = decodeJwt(tokens.access_token);
    const after = decodeJwt(next.access_token);
    expect(after).toMatchObject({
      sub: user.user_id,
      sid: before.sid,
      email: user.email,
      roles: ['viewer'],
      scope: 'read',
    });
    expect(after.jti).not.toBe(before.jti);
    expect((await me(next.access_token)).response.status).toBe(200);
  });

  it('costs 1 Redis round trip and 0 SQL, with the per-session limit on or off', async () => {
    const { tokens } = await newSession();
    const warm = await (await refresh(tokens.refresh_token)).response.json<TokenPair>();
    const limited = await refresh(warm.refresh_token);
    expect(limited.response.status).toBe(200);
    // One request: the rotation script (which counts the limit) and the key-set version read.
    expect(await roundTrips(limited.requestId)).toMatchObject({
      sql: { roundTrips: 0, units: 0 },
      redis: { roundTrips: 1, units: 2 },
    });
    const next = await limited.response.json<TokenPair>();
    const requestId = `t-${crypto.randomUUID()}`;
    const unlimited = await sendWithEnv(
      '/api/v1/auth/refresh',
      { RATE_LIMIT_REFRESH_SESSION: 'off' },
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
        body: JSON.stringify({ refresh_token: next.refresh_token }),
      },
    );
    expect(unlimited.status).toBe(200);
    expect(await roundTrips(requestId)).toMatchObject({
      sql: { roundTrips: 0, units: 0 },
      redis: { roundTrips: 1, units: 2 },
    });
  });

  it('50 parallel refreshes of one token inside the grace window all get the same successor', async () => {
    const { tokens } = await newSession();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => refresh(tokens.refresh_token)),
    );
    const statuses = results.map((r) => r.response.status);
    expect(statuses).toEqual(Array(50).fill(200));
    const successors = new Set(
      await Promise.all(
        results.map(async (r) => (await r.response.json<TokenPair>()).refresh_token),
      ),
    );
    expect(successors.size).toBe(1);
    const [successor] = [...successors] as [string];
    // Exactly one live refresh token: the successor works, and the session is alive.
    const next = await refresh(successor);
    expect(next.response.status).toBe(200);
    const latest = await next.response.json<TokenPair>();
    expect((await me(latest.access_token)).response.status).toBe(200);
  });

  it('a rotated token presented after the grace window revokes the whole session', async () => {
    // A strict deployment (grace 0) makes "after the window" immediate, with no sleeping.
    const strict = { REFRESH_REUSE_GRACE: '0' };
    const { tokens } = await newSession();
    const post = (token: string) =>
      sendWithEnv('/api/v1/auth/refresh', strict, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: token }),
      });
    const first = await post(tokens.refresh_token);
    expect(first.status).toBe(200);
    const successor = await first.json<TokenPair>();

    const replay = await post(tokens.refresh_token);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'refresh_token_reused' });
    // The session is gone: its live refresh token and its access tokens die with it.
    await expectRefusal(await post(successor.refresh_token), 401, 'invalid_grant');
    await expectRefusal(
      (await me(successor.access_token)).response,
      401,
      'invalid_token',
      'The session has ended.',
    );
    await expectRefusal(
      (await me(tokens.access_token)).response,
      401,
      'invalid_token',
      'The session has ended.',
    );
  });

  it('after the grace window (default 10 s) a replay is reuse', async () => {
    const { tokens } = await newSession();
    const first = await refresh(tokens.refresh_token);
    expect(first.response.status).toBe(200);
    // Ten seconds of wall time in a test is long; age the rotation instead, through the same
    // Redis the worker uses, by rewriting the session's "rotated at" 11 s into the past.
    const { Redis } = await import('@upstash/redis/cloudflare');
    const redis = new Redis({
      url: String(env.UPSTASH_REDIS_REST_URL),
      token: String(env.UPSTASH_REDIS_REST_TOKEN),
      automaticDeserialization: false,
    });
    const { sub, sid } = decodeJwt(tokens.access_token);
    const sessionKey = `ea:u:{${String(sub)}}:sess:${String(sid)}`;
    const usedAt = Number(await redis.hget(sessionKey, 'at'));
    expect(usedAt).toBeGreaterThan(0);
    await redis.hset(sessionKey, { at: String(usedAt - 11_000) });
    const replay = await refresh(tokens.refresh_token);
    expect(replay.response.status).toBe(401);
    expect(await replay.response.json()).toMatchObject({ error: 'refresh_token_reused' });
  });

  it('rejects unknown and malformed tokens with 401 invalid_grant', async () => {
    // Well-formed but forged (no genuine session tag), then malformed.
    for (const token of ['eart_' + 'A'.repeat(87), 'garbage', 'x'.repeat(300)]) {
      const { response } = await refresh(token);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    }
  });

  it('fails closed with 503 when Redis is unreachable', async () => {
    const { tokens } = await newSession();
    const response = await sendWithEnv(
      '/api/v1/auth/refresh',
      { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9' },
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: tokens.refresh_token }),
      },
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    // Nothing was lost: the token still works once Redis is back.
    expect((await refresh(tokens.refresh_token)).response.status).toBe(200);
  });
});
