// RevokedTokenLedger over Drizzle: the durable list of revoked sessionless access tokens.
// Read only when Redis has lost its data; purged hourly once the tokens cannot verify.
import { gt, inArray, lte } from 'drizzle-orm';
import { revokedAccessTokens } from './schema.ts';
import type { RevokedTokenLedger } from '../oauth/revocations.ts';
import type { Db } from './db.ts';
import { rowCountOf } from './row-count.ts';

export function drizzleRevokedTokenLedger(db: Db): RevokedTokenLedger {
  return {
    async record(jti, exp) {
      await db
        .insert(revokedAccessTokens)
        .values({ jti, expiresAt: exp })
        .onConflictDoNothing({ target: revokedAccessTokens.jti });
    },
    async unexpired(after) {
      const rows = await db
        .select({ jti: revokedAccessTokens.jti, exp: revokedAccessTokens.expiresAt })
        .from(revokedAccessTokens)
        .where(gt(revokedAccessTokens.expiresAt, after));
      return rows;
    },
  };
}

/**
 * Deletes up to `limit` rows whose token expired before `before` (its `exp` + CLOCK_SKEW has
 * passed: no verifier accepts it any more). For the hourly cron.
 */
export async function purgeExpiredRevocations(db: Db, before: Date, limit = 5000): Promise<number> {
  const expired = db
    .select({ jti: revokedAccessTokens.jti })
    .from(revokedAccessTokens)
    .where(lte(revokedAccessTokens.expiresAt, before))
    .limit(limit);
  const result = await db
    .delete(revokedAccessTokens)
    .where(inArray(revokedAccessTokens.jti, expired));
  return rowCountOf(result);
}
