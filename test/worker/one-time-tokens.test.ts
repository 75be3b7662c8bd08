// One-time tokens against the real database: stored hashed, good once, even under concurrency,
// and only for their kind, their lifetime and as the newest of their kind.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  hashOneTimeToken,
  type OneTimeTokenKind,
  oneTimeTokens,
} from '../../src/auth/one-time-tokens.ts';
import { oneTimeTokens as table, users } from '../../src/store/schema.ts';
import {
  drizzleOneTimeTokenStore,
  purgeExpiredOneTimeTokens,
} from '../../src/store/one-time-tokens.ts';
import { freshEmail } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';

const HOUR = 3600;
const tokens = () => oneTimeTokens(drizzleOneTimeTokenStore(testDb()));
const later = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000);

async function newUser(): Promise<string> {
  const [row] = await testDb()
    .insert(users)
    .values({ email: freshEmail('ott'), passwordHash: 'not-a-real-hash' })
    .returning({ id: users.id });
  if (!row) throw new Error('no user row');
  return row.id;
}

async function issued(kind: OneTimeTokenKind = 'verify_email', now = new Date()) {
  const userId = await newUser();
  const raw = await tokens().issue(userId, kind, 24 * HOUR, now);
  return { userId, raw, now };
}

describe('one-time tokens', () => {
  it('issues a random eaot_ token, stores only its SHA-256 and returns the user once', async () => {
    const { userId, raw, now } = await issued();
    expect(raw).toMatch(/^eaot_[A-Za-z0-9_-]{43}$/);

    const rows = await testDb().select().from(table).where(eq(table.userId, userId));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).toBe(await hashOneTimeToken(raw));
    expect(JSON.stringify(rows)).not.toContain(raw.slice(5));
    expect(rows[0]?.expiresAt.getTime()).toBe(later(now, 24 * HOUR).getTime());
    expect(rows[0]?.usedAt).toBeNull();

    expect(await tokens().consume(raw, 'verify_email', later(now, 60))).toEqual({ userId });
    expect(await tokens().consume(raw, 'verify_email', later(now, 61))).toBeUndefined();
  });

  it('of 10 concurrent uses exactly one succeeds', async () => {
    const { userId, raw, now } = await issued('password_reset');
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => tokens().consume(raw, 'password_reset', later(now, 1))),
    );
    expect(outcomes.filter(Boolean)).toEqual([{ userId }]);
  });

  it('fails once expired', async () => {
    const { raw, now } = await issued('password_reset');
    expect(await tokens().consume(raw, 'password_reset', later(now, 24 * HOUR))).toBeUndefined();
    // Not burnt by the failed attempt: still good for anyone holding it in time (clock skew).
    expect(await tokens().consume(raw, 'password_reset', later(now, 24 * HOUR - 1))).toBeDefined();
  });

  it('fails for another kind, without burning the token', async () => {
    const { userId, raw, now } = await issued('verify_email');
    expect(await tokens().consume(raw, 'password_reset', now)).toBeUndefined();
    expect(await tokens().consume(raw, 'verify_email', now)).toEqual({ userId });
  });

  it('re-issuing invalidates the older unused token of that kind only', async () => {
    const now = new Date();
    const userId = await newUser();
    const reset = await tokens().issue(userId, 'password_reset', HOUR, now);
    const first = await tokens().issue(userId, 'verify_email', 24 * HOUR, now);
    const second = await tokens().issue(userId, 'verify_email', 24 * HOUR, later(now, 5));

    expect(await tokens().consume(first, 'verify_email', later(now, 10))).toBeUndefined();
    expect(await tokens().consume(second, 'verify_email', later(now, 10))).toEqual({ userId });
    expect(await tokens().consume(reset, 'password_reset', later(now, 10))).toEqual({ userId });
  });

  it('refuses malformed and unknown tokens', async () => {
    const now = new Date();
    for (const raw of [
      '',
      'eaot_',
      'eaot_short',
      `eart_${'a'.repeat(43)}`,
      `eaot_${'a'.repeat(43)}`,
    ]) {
      expect(await tokens().consume(raw, 'verify_email', now)).toBeUndefined();
    }
  });

  it('go with their user', async () => {
    const { userId, raw, now } = await issued();
    await testDb().delete(users).where(eq(users.id, userId));
    expect(await tokens().consume(raw, 'verify_email', now)).toBeUndefined();
    expect(await testDb().select().from(table).where(eq(table.userId, userId))).toEqual([]);
  });

  it('the purge deletes expired tokens, used or not, and keeps live ones', async () => {
    // Far in the past, so the purge cannot touch tokens of tests running beside this one.
    const past = new Date('2001-02-03T04:05:06Z');
    const userId = await newUser();
    const used = await tokens().issue(userId, 'password_reset', HOUR, past);
    await tokens().consume(used, 'password_reset', past);
    await tokens().issue(userId, 'verify_email', HOUR, past);
    const other = await newUser();
    const live = await tokens().issue(other, 'verify_email', HOUR, new Date());

    expect(await purgeExpiredOneTimeTokens(testDb(), later(past, HOUR))).toBeGreaterThanOrEqual(2);
    expect(await testDb().select().from(table).where(eq(table.userId, userId))).toEqual([]);
    const left = await testDb().select().from(table).where(eq(table.userId, other));
    expect(left.map((row) => row.tokenHash)).toEqual([await hashOneTimeToken(live)]);
  });
});
