// Many logins at once in ONE isolate (a test file is one isolate): the isolate spends most of
// its time hashing, one argon2id after another, each a synchronous stretch of wasm during which
// no reply is read. The limiters' replies come back from Redis at once, but their verdicts are
// read between other logins' hashes. A busy isolate must not turn into refused logins (no 503),
// and the limit must still hold exactly.
import { describe, expect, it } from 'vitest';
import { freezeClock, freshIp, postWithEnv } from './abuse-fixtures.ts';
import { freshEmail } from './auth-fixtures.ts';

// Hashes five times the default cost, so the hashing queued in the isolate takes well over
// RATE_LIMIT_TIMEOUT (its smallest value, 1 s) on any machine: before the fix, some of these
// logins got 503 "login rate limiter timed out" (the 50 in every run here, the 20 in about
// half). The backoff is out of the way
// (every attempt here is a wrong password for one account); the per-address limit is the one
// counted. STORE_TIMEOUT is roomy: it is the network's deadline, and the network answers at once.
const busyEnv = {
  ARGON2_ITERATIONS: '10',
  RATE_LIMIT_TIMEOUT: '1s',
  STORE_TIMEOUT: '20s',
  LOGIN_BACKOFF_AFTER: '100',
  RATE_LIMIT_LOGIN_EMAIL: '1000/1m',
};

describe('concurrent logins in a busy isolate', () => {
  it.each([
    { concurrent: 20, limit: 18 },
    { concurrent: 50, limit: 25 },
  ])(
    '$concurrent at once: none refused for want of the limiter, exactly $limit checked',
    async ({ concurrent, limit }) => {
      const env = { ...busyEnv, RATE_LIMIT_LOGIN_IP: `${limit}/1m` };
      const email = freshEmail('busy');
      const registered = await postWithEnv(
        '/api/v1/auth/register',
        { email, password: 'a long and unusual passphrase 42' },
        env,
      );
      expect(registered.response.status).toBe(201);
      // The window stands still: the burst cannot straddle two windows however long it takes.
      freezeClock();
      const ip = freshIp();
      const results = await Promise.all(
        Array.from({ length: concurrent }, () =>
          postWithEnv('/api/v1/auth/login', { email, password: 'wrong password' }, env, {
            'CF-Connecting-IP': ip,
          }),
        ),
      );
      const tally: Record<string, number> = {};
      for (const { response } of results) {
        const key = `${response.status} ${(await response.json<{ error: string }>()).error}`;
        tally[key] = (tally[key] ?? 0) + 1;
      }
      // No 503 temporarily_unavailable: each attempt was checked or refused by the limit.
      expect(tally).toEqual({
        '401 invalid_credentials': limit,
        '429 rate_limited': concurrent - limit,
      });
    },
  );
});
