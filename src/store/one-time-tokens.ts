// OneTimeTokenStore over Drizzle (neon-http). Consuming is ONE statement,
//
//   UPDATE one_time_tokens SET used_at = $now
//   WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $now
//   RETURNING user_id
//
// and Postgres re-checks the WHERE clause on the latest row version once a concurrent UPDATE of
// the same row commits (READ COMMITTED), so when two uses race, the second sees used_at set and
// returns no row. Issuing is one transaction (on neon-http one batch: one round trip).
import { and, eq, gt, inArray, isNull, lte } from 'drizzle-orm';
import type { OneTimeTokenStore } from '../auth/one-time-tokens.ts';
import { oneTimeTokens } from './schema.ts';
import { atomically } from './atomically.ts';
import type { Db } from './db.ts';
import { rowCountOf } from './row-count.ts';

export function drizzleOneTimeTokenStore(db: Db): OneTimeTokenStore {
  return {
    async replace({ tokenHash, userId, kind, expiresAt, now, newEmail }) {
      await atomically(db, (q) => [
        // Superseded tokens go rather than being marked used: used_at means "was consumed".
        q
          .delete(oneTimeTokens)
          .where(
            and(
              eq(oneTimeTokens.userId, userId),
              eq(oneTimeTokens.kind, kind),
              isNull(oneTimeTokens.usedAt),
            ),
          ),
        q.insert(oneTimeTokens).values({
          tokenHash,
          userId,
          kind,
          createdAt: now,
          expiresAt,
          newEmail: newEmail ?? null,
        }),
      ]);
    },
    async consume(tokenHash, kind, now) {
      const [row] = await db
        .update(oneTimeTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(oneTimeTokens.tokenHash, tokenHash),
            eq(oneTimeTokens.kind, kind),
            isNull(oneTimeTokens.usedAt),
            gt(oneTimeTokens.expiresAt, now),
          ),
        )
        .returning({ userId: oneTimeTokens.userId, newEmail: oneTimeTokens.newEmail });
      if (!row) return undefined;
      return row.newEmail === null ? { userId: row.userId } : row;
    },
  };
}

/**
 * Deletes up to `limit` tokens that expired before `now` (used or not: either way they are
 * dead). For the hourly cron; tokens are few, so one bounded statement per run is plenty.
 */
export async function purgeExpiredOneTimeTokens(db: Db, now: Date, limit = 5000): Promise<number> {
  const expired = db
    .select({ id: oneTimeTokens.id })
    .from(oneTimeTokens)
    .where(lte(oneTimeTokens.expiresAt, now))
    .limit(limit);
  const result = await db.delete(oneTimeTokens).where(inArray(oneTimeTokens.id, expired));
  return rowCountOf(result);
}
