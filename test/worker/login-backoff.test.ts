// Per-account exponential backoff: the attacker's view (refused without a password check, the
// wait doubles, every start of a wait audited) and the owner's (delayed, never locked out; a
// success resets the count). An unknown address backs off identically: no enumeration.
import { describe, expect, it } from 'vitest';
import { errorOf, freshIp, postWithEnv, sleep } from './abuse-fixtures.ts';
import { auditRowsOf, auditRowsOfUser } from './audit-fixtures.ts';
import { freshEmail, PASSWORD, registerUser } from './auth-fixtures.ts';

// 2 s base, so a slow machine still sends the next attempt inside the first wait.
const env = { LOGIN_BACKOFF_AFTER: '3', LOGIN_BACKOFF_BASE: '2s', LOGIN_BACKOFF_MAX: '3s' };
const retryAfterOf = (response: Response) => Number(response.headers.get('Retry-After'));
// Each attempt from a new address: the backoff is per account, whatever the address.
const attempt = (email: string, password: string) =>
  postWithEnv('/api/v1/auth/login', { email, password }, env, { 'CF-Connecting-IP': freshIp() });

async function failTimes(email: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++)
    statuses.push((await attempt(email, 'wrong password')).response.status);
  return statuses;
}

describe('login backoff', () => {
  it("attacker's view: after N failures attempts are refused unchecked, and the wait doubles", async () => {
    const user = await registerUser();
    expect(await failTimes(user.email, 3)).toEqual([401, 401, 401]);
    // The third failure started a 2 s wait; even the right password is refused, unchecked.
    const refused = await attempt(user.email, PASSWORD);
    expect(refused.response.status).toBe(429);
    expect(await errorOf(refused.response)).toBe('rate_limited');
    expect(retryAfterOf(refused.response)).toBeGreaterThanOrEqual(1);
    expect(retryAfterOf(refused.response)).toBeLessThanOrEqual(2);
    expect(refused.response.headers.get('Server-Timing') ?? '').not.toMatch(/hash;/);
    const [throttled] = await auditRowsOfUser(user.user_id, 'login_throttled');
    expect(throttled?.details).toEqual({ failures: 3, retry_after: 2 });
    const [refusal] = await auditRowsOf(refused.requestId);
    expect(refusal).toMatchObject({ type: 'rate_limited', details: { limiter: 'login_backoff' } });
    // Once the wait passes, a fourth failure doubles it (capped by LOGIN_BACKOFF_MAX).
    await sleep(2100);
    expect(await failTimes(user.email, 1)).toEqual([401]);
    const again = await attempt(user.email, 'wrong password');
    expect(again.response.status).toBe(429);
    expect(retryAfterOf(again.response)).toBeGreaterThan(2);
    expect(retryAfterOf(again.response)).toBeLessThanOrEqual(3);
    const rows = await auditRowsOfUser(user.user_id, 'login_throttled', 2);
    expect(rows.map((r) => r.details)).toEqual([
      { failures: 3, retry_after: 2 },
      { failures: 4, retry_after: 3 },
    ]);
  });

  it("owner's view: delayed, not locked out; success resets the count", async () => {
    const user = await registerUser();
    await failTimes(user.email, 3);
    expect((await attempt(user.email, PASSWORD)).response.status).toBe(429);
    await sleep(2100);
    expect((await attempt(user.email, PASSWORD)).response.status).toBe(200);
    // The count restarted: two typos and the right password go through with no wait.
    await sleep(200); // the reset is written after the response
    expect(await failTimes(user.email, 2)).toEqual([401, 401]);
    expect((await attempt(user.email, PASSWORD)).response.status).toBe(200);
  });

  it('an address with no account backs off exactly the same way', async () => {
    const email = freshEmail('nobody');
    expect(await failTimes(email, 3)).toEqual([401, 401, 401]);
    const refused = await attempt(email, PASSWORD);
    expect(refused.response.status).toBe(429);
    expect(retryAfterOf(refused.response)).toBeLessThanOrEqual(2);
  });
});
