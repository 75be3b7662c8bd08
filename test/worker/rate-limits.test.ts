// Sliding-window limits (@upstash/ratelimit) on login, register and refresh: they trip with
// 429 rate_limited + Retry-After + RateLimit-*, reset when the window passes, are audited, and
// behave as documented when Redis fails (login closed, the rest open).
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/store/schema.ts';
import { errorOf, freezeClock, freshIp, postWithEnv } from './abuse-fixtures.ts';
import { auditRowsOf, auditRowsWhere } from './audit-fixtures.ts';
import { expectRefusal } from './helpers.ts';
import {
  freshEmail,
  login,
  newSession,
  PASSWORD,
  registerUser,
  type TokenPair,
} from './auth-fixtures.ts';

const loginAs = (
  email: string,
  ip: string,
  overrides: Record<string, string>,
  password = PASSWORD,
) => postWithEnv('/api/v1/auth/login', { email, password }, overrides, { 'CF-Connecting-IP': ip });

describe('login limits', () => {
  it('per address: the request over the limit gets 429 with Retry-After and RateLimit-*, audited', async () => {
    const ip = freshIp();
    const env = { RATE_LIMIT_LOGIN_IP: '3/1m' };
    const user = await registerUser();
    // All four inside one window: across a window boundary the sliding window weighs the
    // previous window's count down (3 × just under 1 rounds to 2) and lets the fourth through.
    const clock = freezeClock();
    clock.advance(60_000 - (Date.now() % 60_000) + 1_000);
    const first = await loginAs(user.email, ip, env);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('RateLimit-Limit')).toBe('3');
    expect(first.response.headers.get('RateLimit-Remaining')).toBe('2');
    for (const email of [freshEmail(), freshEmail()]) {
      await expectRefusal((await loginAs(email, ip, env)).response, 401, 'invalid_credentials');
    }
    const over = await loginAs(user.email, ip, env);
    expect(over.response.status).toBe(429);
    expect(over.response.headers.get('Cache-Control')).toBe('no-store');
    expect(over.response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    const retryAfter = Number(over.response.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.response.headers.get('RateLimit-Limit')).toBe('3');
    expect(over.response.headers.get('RateLimit-Remaining')).toBe('0');
    expect(Number(over.response.headers.get('RateLimit-Reset'))).toBe(retryAfter);
    expect(await over.response.json()).toEqual({
      error: 'rate_limited',
      error_description: `Too many requests; retry in ${retryAfter} s.`,
    });
    const [row] = await auditRowsOf(over.requestId);
    expect(row).toMatchObject({
      type: 'rate_limited',
      ip,
      details: { limiter: 'login_ip', retry_after: retryAfter },
    });
    // Another address is not affected.
    expect((await loginAs(user.email, freshIp(), env)).response.status).toBe(200);
  });

  it('per normalised email, across addresses', async () => {
    const env = { RATE_LIMIT_LOGIN_EMAIL: '2/1m' };
    const user = await registerUser();
    const variants = [user.email, ` ${user.email.toUpperCase()} `];
    for (const email of variants) {
      const { response } = await loginAs(email, freshIp(), env, 'wrong password');
      await expectRefusal(response, 401, 'invalid_credentials');
    }
    const over = await loginAs(user.email, freshIp(), env);
    await expectRefusal(
      over.response,
      429,
      'rate_limited',
      /^Too many requests; retry in \d+ s\.$/,
    );
    const [row] = await auditRowsOf(over.requestId);
    expect(row?.details).toMatchObject({ limiter: 'login_email' });
  });

  it('resets once the window has passed', async () => {
    const ip = freshIp();
    const env = { RATE_LIMIT_LOGIN_IP: '2/2s' };
    const user = await registerUser();
    const statusNow = async () => (await loginAs(user.email, ip, env)).response.status;
    // @upstash/ratelimit's sliding window weighs the previous window by how much of the current
    // one is left: on a frozen clock set to the start of a window, the count is exact.
    const clock = freezeClock();
    clock.advance(2_000 - (Date.now() % 2_000));
    expect([await statusNow(), await statusNow()]).toEqual([200, 200]);
    const over = await loginAs(user.email, ip, env);
    expect(over.response.status).toBe(429);
    expect(await over.response.json()).toEqual({
      error: 'rate_limited',
      error_description: 'Too many requests; retry in 2 s.',
    });
    clock.advance(1_999);
    expect(await statusNow()).toBe(429);
    // A whole window later the old window's two requests weigh floor(2 * 1/2000) = 0.
    clock.advance(2_000);
    expect(await statusNow()).toBe(200);
  });

  it('fails closed: with Redis unreachable login is refused before any password check', async () => {
    const user = await registerUser();
    const down = { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9', STORE_TIMEOUT: '1s' };
    const { response } = await loginAs(user.email, freshIp(), down);
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toBe('temporarily_unavailable');
    expect(response.headers.get('Server-Timing') ?? '').not.toMatch(/hash;/);
  });
});

describe('register limit', () => {
  it('per address: over the limit is 429; another address still registers', async () => {
    const ip = freshIp();
    const env = { RATE_LIMIT_REGISTER_IP: '2/1m' };
    const register = (address: string) =>
      postWithEnv('/api/v1/auth/register', { email: freshEmail(), password: PASSWORD }, env, {
        'CF-Connecting-IP': address,
      });
    const first = await register(ip);
    expect(first.response.status).toBe(201);
    expect(first.response.headers.get('RateLimit-Remaining')).toBe('1');
    expect((await register(ip)).response.status).toBe(201);
    const over = await register(ip);
    await expectRefusal(
      over.response,
      429,
      'rate_limited',
      /^Too many requests; retry in \d+ s\.$/,
    );
    expect(over.response.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect((await register(freshIp())).response.status).toBe(201);
  });

  it('IPv6 clients count by their /64', async () => {
    const env = { RATE_LIMIT_REGISTER_IP: '1/1m' };
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    const register = (address: string) =>
      postWithEnv('/api/v1/auth/register', { email: freshEmail(), password: PASSWORD }, env, {
        'CF-Connecting-IP': address,
      });
    expect((await register(`${prefix}::1`)).response.status).toBe(201);
    const sameNetwork = await register(`${prefix}:ffff:0:0:2`);
    await expectRefusal(
      sameNetwork.response,
      429,
      'rate_limited',
      /^Too many requests; retry in \d+ s\.$/,
    );
  });

  it('fails open: with Redis unreachable registration still works (and warns)', async () => {
    const down = { UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9', STORE_TIMEOUT: '1s' };
    const { response } = await postWithEnv(
      '/api/v1/auth/register',
      { email: freshEmail(), password: PASSWORD },
      down,
      { 'CF-Connecting-IP': freshIp() },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('RateLimit-Limit')).toBeNull();
  });
});

describe('refresh limit (per session)', () => {
  const refresh = (token: string, env: Record<string, string>) =>
    postWithEnv('/api/v1/auth/refresh', { refresh_token: token }, env);

  it('trips per session without rotating the refused token; other sessions are unaffected', async () => {
    const env = { RATE_LIMIT_REFRESH_SESSION: '2/1m' };
    const { user, tokens } = await newSession();
    let current = tokens.refresh_token;
    for (let i = 0; i < 2; i++) {
      const { response } = await refresh(current, env);
      expect(response.status).toBe(200);
      current = (await response.json<TokenPair>()).refresh_token;
    }
    const over = await refresh(current, env);
    await expectRefusal(
      over.response,
      429,
      'rate_limited',
      /^Too many refreshes; retry in \d+ s\.$/,
    );
    const [row] = await auditRowsOf(over.requestId);
    expect(row?.details).toMatchObject({ limiter: 'refresh_session' });
    // The refused request did not rotate: the same token still works once the limit allows.
    expect((await refresh(current, { RATE_LIMIT_REFRESH_SESSION: 'off' })).response.status).toBe(
      200,
    );
    const other = await login(user.email);
    expect((await refresh(other.refresh_token, env)).response.status).toBe(200);
  });

  it("a forged token naming a real session cannot spend that session's budget", async () => {
    const env = { RATE_LIMIT_REFRESH_SESSION: '1/1m' };
    const { tokens } = await newSession();
    const random = (n: number) =>
      Array.from(
        crypto.getRandomValues(new Uint8Array(n)),
        (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b % 64],
      ).join('');
    const forged = tokens.refresh_token.slice(0, 5 + 22) + random(22) + random(43);
    for (let i = 0; i < 3; i++) {
      const { response } = await refresh(forged, env);
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toBe('invalid_grant');
    }
    expect((await refresh(tokens.refresh_token, env)).response.status).toBe(200);
    const limited = await auditRowsWhere(eq(auditEvents.type, 'rate_limited'), 0);
    expect(
      limited.every((r) => r.details.limiter !== 'refresh_session' || r.sessionId === null),
    ).toBe(true);
  });
});
