// Per-account exponential backoff: the attacker's view (refused without a password check, the
// wait doubles, every start of a wait audited) and the owner's (delayed, never locked out; a
// success resets the count). An unknown address backs off identically: no enumeration.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  recordLoginFailure,
  recordLoginSuccess,
  reserveAttempt,
} from '../../src/abuse/login-backoff.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createStores } from '../../src/store/index.ts';
import { redisLoginBackoffStore } from '../../src/store/login-backoff.ts';
import { freezeClock, freshIp, postWithEnv } from './abuse-fixtures.ts';
import { auditRowsOf, auditRowsOfUser } from './audit-fixtures.ts';
import { freshEmail, PASSWORD, registerUser } from './auth-fixtures.ts';

// A 2 s base and a 3 s cap; the clock stands still (freezeClock) and moves only when a test
// waits out a wait, so a slow machine changes nothing.
const backoffEnv = { LOGIN_BACKOFF_AFTER: '3', LOGIN_BACKOFF_BASE: '2s', LOGIN_BACKOFF_MAX: '3s' };
const retryAfterOf = (response: Response) => Number(response.headers.get('Retry-After'));
// The backoff's 429 and the rate limits' share the code rate_limited; the description tells them
// apart ("Too many failed attempts" / "Too many requests").
const descriptionOf = async (response: Response) => {
  const body = await response.json<{ error: string; error_description: string }>();
  expect(body.error).toBe('rate_limited');
  return body.error_description;
};
// Each attempt from a new address: the backoff is per account, whatever the address.
const attempt = (email: string, password: string) =>
  postWithEnv('/api/v1/auth/login', { email, password }, backoffEnv, {
    'CF-Connecting-IP': freshIp(),
  });

async function failTimes(email: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++)
    statuses.push((await attempt(email, 'wrong password')).response.status);
  return statuses;
}

describe('login backoff', () => {
  it("owner's view: earlier successes never crowd out the next correct passwords, even in parallel", async () => {
    const user = await registerUser();
    const roomy = { LOGIN_BACKOFF_AFTER: '5' };
    const login = () =>
      postWithEnv('/api/v1/auth/login', { email: user.email, password: PASSWORD }, roomy, {
        'CF-Connecting-IP': freshIp(),
      });
    for (let i = 0; i < 3; i++) expect((await login()).response.status).toBe(200);
    // Three devices at once, right password each: none is refused as an attempt in flight.
    const parallel = await Promise.all([login(), login(), login()]);
    expect(parallel.map((p) => p.response.status)).toEqual([200, 200, 200]);
  });

  it("attacker's view: after N failures attempts are refused unchecked, and the wait doubles", async () => {
    const clock = freezeClock();
    const user = await registerUser();
    expect(await failTimes(user.email, 3)).toEqual([401, 401, 401]);
    // The third failure started a 2 s wait; even the right password is refused, unchecked.
    const refused = await attempt(user.email, PASSWORD);
    expect(refused.response.status).toBe(429);
    expect(await descriptionOf(refused.response)).toBe('Too many failed attempts; retry in 2 s.');
    expect(retryAfterOf(refused.response)).toBe(2);
    expect(refused.response.headers.get('Server-Timing') ?? '').not.toMatch(/hash;/);
    const [throttled] = await auditRowsOfUser(user.user_id, 'login_throttled');
    expect(throttled?.details).toEqual({ failures: 3, retry_after: 2 });
    const [refusal] = await auditRowsOf(refused.requestId);
    expect(refusal).toMatchObject({ type: 'rate_limited', details: { limiter: 'login_backoff' } });
    // One moment before the wait ends, still refused; once it passes, a fourth failure doubles
    // it (4 s, capped by LOGIN_BACKOFF_MAX at 3 s).
    clock.advance(1_999);
    expect((await attempt(user.email, PASSWORD)).response.status).toBe(429);
    clock.advance(1);
    expect(await failTimes(user.email, 1)).toEqual([401]);
    const again = await attempt(user.email, 'wrong password');
    expect(again.response.status).toBe(429);
    expect(await descriptionOf(again.response)).toBe('Too many failed attempts; retry in 3 s.');
    expect(retryAfterOf(again.response)).toBe(3);
    const rows = await auditRowsOfUser(user.user_id, 'login_throttled', 2);
    expect(rows.map((r) => r.details)).toEqual([
      { failures: 3, retry_after: 2 },
      { failures: 4, retry_after: 3 },
    ]);
  });

  it("owner's view: delayed, not locked out; success resets the count", async () => {
    const clock = freezeClock();
    const user = await registerUser();
    await failTimes(user.email, 3);
    const refused = await attempt(user.email, PASSWORD);
    expect(refused.response.status).toBe(429);
    expect(await descriptionOf(refused.response)).toBe('Too many failed attempts; retry in 2 s.');
    clock.advance(2_000);
    expect((await attempt(user.email, PASSWORD)).response.status).toBe(200);
    // The count restarted (the reset, written after the response, is awaited by postWithEnv):
    // two typos and the right password go through with no wait.
    expect(await failTimes(user.email, 2)).toEqual([401, 401]);
    expect((await attempt(user.email, PASSWORD)).response.status).toBe(200);
  });

  it('an address with no account backs off exactly the same way', async () => {
    freezeClock();
    const email = freshEmail('nobody');
    expect(await failTimes(email, 3)).toEqual([401, 401, 401]);
    const refused = await attempt(email, PASSWORD);
    expect(refused.response.status).toBe(429);
    expect((await refused.response.json<{ error_description: string }>()).error_description).toBe(
      'Too many failed attempts; retry in 2 s.',
    );
    expect(retryAfterOf(refused.response)).toBe(2);
  });
});

// Issue 13, item 5: the attempt is reserved atomically BEFORE its password is checked, so
// parallel guesses cannot all read the same count. Controlled values, no sleeps: a 60 s wait
// (nothing here waits it out) and an email limit the burst cannot reach.
describe('login backoff under parallel attempts', () => {
  const burstEnv = {
    LOGIN_BACKOFF_AFTER: '5',
    LOGIN_BACKOFF_BASE: '60s',
    LOGIN_BACKOFF_MAX: '60s',
    RATE_LIMIT_LOGIN_EMAIL: '100/5m',
  };
  const after = Number(burstEnv.LOGIN_BACKOFF_AFTER);
  const burstAttempt = (email: string, password: string) =>
    postWithEnv('/api/v1/auth/login', { email, password }, burstEnv, {
      'CF-Connecting-IP': freshIp(),
    });
  const bodyOf = (response: Response) =>
    response.json<{ error: string; error_description: string }>();

  it('ten parallel wrong passwords: at most LOGIN_BACKOFF_AFTER are checked, the rest refused unchecked', async () => {
    const user = await registerUser();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => burstAttempt(user.email, 'wrong password')),
    );
    const checked = results.filter((r) => r.response.status === 401);
    const refused = results.filter((r) => r.response.status === 429);
    expect(checked.length + refused.length).toBe(10);
    expect(checked.length).toBeLessThanOrEqual(after);
    expect(checked.length).toBeGreaterThan(0);
    for (const { response } of checked) {
      expect((await bodyOf(response)).error).toBe('invalid_credentials');
      expect(response.headers.get('Server-Timing')).toMatch(/hash;/);
    }
    for (const { response, requestId } of refused) {
      const body = await bodyOf(response);
      expect(body.error).toBe('rate_limited');
      expect(body.error_description).toMatch(/Too many (failed|login) attempts/);
      expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0);
      // Refused before any password check: no hash was computed for it.
      expect(response.headers.get('Server-Timing') ?? '').not.toMatch(/hash;/);
      const [row] = await auditRowsOf(requestId);
      expect(row).toMatchObject({ type: 'rate_limited', details: { limiter: 'login_backoff' } });
      expect(['backing_off', 'attempts_in_flight']).toContain(
        (row?.details as { reason?: string }).reason,
      );
    }
    // The failures that were checked started the wait: even the right password waits now.
    const owner = await burstAttempt(user.email, PASSWORD);
    expect(owner.response.status).toBe(429);
    expect((await bodyOf(owner.response)).error_description).toMatch(/Too many failed attempts/);
  });

  it('a burst at an address with no account is cut the same way', async () => {
    const email = freshEmail('nobody');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => burstAttempt(email, 'wrong password')),
    );
    const statuses = results.map((r) => r.response.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(after);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10 - after);
  });

  it("the owner's success during a burst does not hand the burst a fresh budget", async () => {
    const user = await registerUser();
    const results = await Promise.all([
      burstAttempt(user.email, PASSWORD),
      ...Array.from({ length: 12 }, () => burstAttempt(user.email, 'wrong password')),
    ]);
    const wrongChecked = results.slice(1).filter((r) => r.response.status === 401).length;
    // The owner's attempt took one place at most; the success clears the failures before it but
    // never the places of guesses still in flight, so the guesses checked stay within budget
    // plus what the owner's reset gives back (at most one budget more, as in sequence).
    expect(wrongChecked).toBeLessThanOrEqual(2 * after);
    expect([200, 429]).toContain(results[0]!.response.status);
  });
});

describe('the reservation script, at controlled instants', () => {
  const settings = { after: 3, baseSeconds: 60, maxSeconds: 60 };
  const pendingTtlMs = 10_000;
  const T = 1_800_000_000_000;
  const setup = async () => {
    const backoff = redisLoginBackoffStore(createStores(loadConfig(env)));
    const key = `${loadConfig(env).redis.keyPrefix}lb:test-${crypto.randomUUID()}`;
    await backoff.ready();
    const reserve = (now: number) => reserveAttempt(backoff, key, settings, { now, pendingTtlMs });
    return { backoff, key, reserve };
  };

  it('counts attempts in flight; a success frees only its own place', async () => {
    const { backoff, key, reserve } = await setup();
    const first = await reserve(T);
    const others = [await reserve(T), await reserve(T)];
    expect([first, ...others].map((r) => [r.admitted, r.pending])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
    ]);
    expect(await reserve(T)).toMatchObject({ admitted: false, pending: 3, blockedUntil: 0 });
    await recordLoginSuccess(backoff, key, first.attemptId);
    // The two guesses still in flight keep their places: one place is free, not three.
    expect(await reserve(T + 1)).toMatchObject({ admitted: true, pending: 3 });
    expect(await reserve(T + 1)).toMatchObject({ admitted: false });
  });

  it('failures confirm reservations and start the wait; a crashed reservation expires', async () => {
    const { backoff, key, reserve } = await setup();
    const attempts = [await reserve(T), await reserve(T), await reserve(T)];
    await recordLoginFailure(backoff, key, attempts[0]!.attemptId, settings, T + 1);
    await recordLoginFailure(backoff, key, attempts[1]!.attemptId, settings, T + 2);
    // The third attempt crashed: its reservation holds the last place until it expires.
    expect(await reserve(T + 3)).toMatchObject({ admitted: false, failures: 2, pending: 1 });
    const later = await reserve(T + pendingTtlMs + 1);
    expect(later).toMatchObject({ admitted: true, failures: 2, pending: 1 });
    const third = await recordLoginFailure(
      backoff,
      key,
      later.attemptId,
      settings,
      T + pendingTtlMs + 2,
    );
    expect(third).toEqual({ failures: 3, blockedUntil: T + pendingTtlMs + 2 + 60_000 });
    expect(await reserve(T + pendingTtlMs + 3)).toMatchObject({ admitted: false, failures: 3 });
  });
});
