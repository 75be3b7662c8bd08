// Imported bcrypt users, re-hashing when the cost is raised, disabled accounts.
import bcrypt from 'bcryptjs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/store/schema.ts';
import { freshEmail, login, PASSWORD, postJson, registerUser } from './auth-fixtures.ts';
import { expectRefusal, sendWithEnv } from './helpers.ts';
import { testDb } from './db-fixtures.ts';

async function storedHash(email: string): Promise<string> {
  const [row] = await testDb()
    .select({ hash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email));
  return row?.hash ?? '';
}

/** The re-hash runs after the response (waitUntil); poll the row briefly. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('legacy bcrypt users (imported from the old service)', () => {
  it.each(['$2a$', '$2b$', '$2y$'])(
    'log in with a %s hash, which is then re-hashed to argon2id',
    async (prefix) => {
      const email = freshEmail('legacy');
      const legacy = prefix + bcrypt.hashSync(PASSWORD, 4).slice(4);
      await testDb()
        .insert(users)
        .values({ email, passwordHash: legacy, roles: ['viewer'] });
      await expect(login(email)).resolves.toMatchObject({ token_type: 'Bearer' });
      expect(await eventually(async () => (await storedHash(email)).startsWith('$argon2id$'))).toBe(
        true,
      );
      // And the new hash works.
      await expect(login(email)).resolves.toMatchObject({ token_type: 'Bearer' });
    },
  );

  it('a wrong password against a bcrypt hash is invalid_credentials and changes nothing', async () => {
    const email = freshEmail('legacy');
    const legacy = bcrypt.hashSync(PASSWORD, 4);
    await testDb()
      .insert(users)
      .values({ email, passwordHash: legacy, roles: ['viewer'] });
    const { response } = await postJson('/api/v1/auth/login', {
      email,
      password: 'wrong password here',
    });
    await expectRefusal(response, 401, 'invalid_credentials');
    expect(await storedHash(email)).toBe(legacy);
  });
});

describe('argon2 parameters raised in config', () => {
  it('re-hashes at the next successful login', async () => {
    const user = await registerUser();
    expect(await storedHash(user.email)).toContain('m=19456,t=2,p=1');
    const response = await sendWithEnv(
      '/api/v1/auth/login',
      { ARGON2_ITERATIONS: '3' },
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: PASSWORD }),
      },
    );
    expect(response.status).toBe(200);
    expect(await eventually(async () => (await storedHash(user.email)).includes('t=3'))).toBe(true);
  });
});

describe('disabled users', () => {
  it('cannot log in', async () => {
    const user = await registerUser();
    await testDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.user_id));
    const { response } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'account_disabled' });
  });
});
