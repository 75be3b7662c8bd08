// Issue 13 item 3: a failed login must not tell, by its timing, whether the address has an
// account nor whether its password is an imported bcrypt hash. Two mechanisms, each tested here:
// - imported bcrypt hashes are stored wrapped in argon2id (src/auth/bcrypt-wrapped.ts) and
//   verify as bcrypt then argon2id, re-hashed to plain argon2id at the first login;
// - every failed login answers no earlier than LOGIN_FAILURE_MIN_MS after it began. The floor is
//   asserted as a lower bound, which holds by construction (a timer started when the login
//   began); the medians of 30 per path against `npm run dev` are bench/login-timing.ts's job.
import bcrypt from 'bcryptjs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parseWrappedBcrypt } from '../../src/auth/bcrypt-wrapped.ts';
import { verifyPassword, wrapLegacyHash } from '../../src/auth/passwords.ts';
import { users } from '../../src/store/schema.ts';
import { errorOf, freshIp, postWithEnv } from './abuse-fixtures.ts';
import { freshEmail, PASSWORD, registerUser } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';

const PARAMS = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

async function storedHash(email: string): Promise<string> {
  const [row] = await testDb()
    .select({ hash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email));
  return row?.hash ?? '';
}

async function importedUser(hash: string, extra: { disabledAt?: Date } = {}) {
  const email = freshEmail('imported');
  await testDb()
    .insert(users)
    .values({ email, passwordHash: hash, roles: ['viewer'], ...extra });
  return email;
}

describe('bcrypt hashes wrapped in argon2id', () => {
  it('verify as bcrypt then argon2id, for every prefix; a wrong password or a tampered part fails', async () => {
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const legacy = prefix + bcrypt.hashSync(PASSWORD, 4).slice(4);
      const wrapped = await wrapLegacyHash(legacy, PARAMS);
      expect(wrapped).toMatch(
        /^\$edge-bcrypt-argon2id\$2[aby]\$04\$[./A-Za-z0-9]{22}\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
      );
      // The bcrypt digest, which alone would let a thief run bcrypt only, is not stored.
      expect(wrapped).not.toContain(legacy.slice(29));
      expect(await verifyPassword(PASSWORD, wrapped, PARAMS)).toEqual({
        ok: true,
        needsRehash: true,
      });
      expect(await verifyPassword(`${PASSWORD}x`, wrapped, PARAMS)).toEqual({
        ok: false,
        needsRehash: false,
      });
      const parts = parseWrappedBcrypt(wrapped);
      const otherSalt = bcrypt.genSaltSync(4).slice(0, 29);
      const tampered = wrapped.replace(parts?.setting ?? '', otherSalt);
      expect((await verifyPassword(PASSWORD, tampered, PARAMS)).ok).toBe(false);
    }
  });

  it('log in, and the first login replaces the wrapped hash with plain argon2id', async () => {
    const email = await importedUser(await wrapLegacyHash(bcrypt.hashSync(PASSWORD, 4), PARAMS));
    const body = { email, password: PASSWORD };
    const first = await postWithEnv(
      '/api/v1/auth/login',
      body,
      {},
      { 'CF-Connecting-IP': freshIp() },
    );
    expect(first.response.status).toBe(200);
    // sendWithEnv waited for the work after the response: the re-hash is in.
    expect(await storedHash(email)).toMatch(/^\$argon2id\$v=19\$/);
    const again = await postWithEnv(
      '/api/v1/auth/login',
      body,
      {},
      { 'CF-Connecting-IP': freshIp() },
    );
    expect(again.response.status).toBe(200);
  });
});

describe('every failed login answers no earlier than LOGIN_FAILURE_MIN_MS', () => {
  const FLOOR_MS = 1000;

  async function timedLogin(email: string, password: string, floorMs: number) {
    const started = Date.now();
    const { response } = await postWithEnv(
      '/api/v1/auth/login',
      { email, password },
      { LOGIN_FAILURE_MIN_MS: String(floorMs) },
      { 'CF-Connecting-IP': freshIp() },
    );
    return {
      status: response.status,
      error: await errorOf(response),
      elapsed: Date.now() - started,
    };
  }

  it('unknown address, wrong argon2 password, wrong bare and wrapped bcrypt password, disabled: all wait for the floor', async () => {
    const argon2User = await registerUser();
    // Cost 8: slower than argon2id here, far below the floor.
    const bare = await importedUser(bcrypt.hashSync(PASSWORD, 8));
    const wrapped = await importedUser(await wrapLegacyHash(bcrypt.hashSync(PASSWORD, 8), PARAMS));
    const disabled = await importedUser(
      await wrapLegacyHash(bcrypt.hashSync(PASSWORD, 4), PARAMS),
      {
        disabledAt: new Date(),
      },
    );
    const attempts = {
      unknown: [freshEmail('nobody'), PASSWORD],
      argon2: [argon2User.email, 'not the password at all'],
      bcrypt: [bare, 'not the password at all'],
      wrapped: [wrapped, 'not the password at all'],
      disabled: [disabled, PASSWORD],
    } as const;
    // One at a time: concurrent logins share this isolate's CPU and would each take longer.
    const results = [];
    for (const [path, [email, password]] of Object.entries(attempts)) {
      results.push({ path, ...(await timedLogin(email, password, FLOOR_MS)) });
    }
    for (const { path, status, error, elapsed } of results) {
      const expected =
        path === 'disabled' ? [403, 'account_disabled'] : [401, 'invalid_credentials'];
      expect([path, status, error]).toEqual([path, ...expected]);
      expect(elapsed, path).toBeGreaterThanOrEqual(FLOOR_MS);
    }
  });

  it('a successful login does not wait for it', async () => {
    // A floor no login could reach by its own work: the answer comes long before it.
    const floorMs = 10_000;
    const user = await registerUser();
    const wrapped = await importedUser(await wrapLegacyHash(bcrypt.hashSync(PASSWORD, 4), PARAMS));
    for (const email of [user.email, wrapped]) {
      const started = Date.now();
      const { response } = await postWithEnv(
        '/api/v1/auth/login',
        { email, password: PASSWORD },
        { LOGIN_FAILURE_MIN_MS: String(floorMs) },
        { 'CF-Connecting-IP': freshIp() },
      );
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(floorMs);
    }
  });
});
