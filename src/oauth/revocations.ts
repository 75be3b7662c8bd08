// Revocations of access tokens that no session backs (client credentials: RFC 6749 §4.4).
// A session-bound token dies with its session, so losing Redis only logs its user out; a
// sessionless token has nothing but its blacklist entry, and a Redis that lost its data would
// bring every revoked one back to life until `exp`. So each such revocation is written twice:
// to SQL (durable, never on a request's path while Redis is intact) and to Redis (read by
// introspection). A sentinel key, written with the blacklist and never expiring, is read in
// the same pipelined request as the blacklist entry: when it is missing, Redis has lost its
// data (or was never initialised), and the unexpired revocations are replayed from SQL
// before any answer. Nothing is answered unchecked.

/** The durable copy: one row per revoked sessionless token (src/store/revoked-tokens.ts). */
export interface RevokedTokenLedger {
  /** Idempotent. */
  record(jti: string, exp: Date): Promise<void>;
  /** Revocations of tokens that expire after `after`. */
  unexpired(after: Date): Promise<{ jti: string; exp: Date }[]>;
}

/** The fast copy in Redis (src/store/revocation-cache.ts); every call is one round trip. */
export interface RevocationCache {
  /** Whether `jti` is blacklisted, and whether the sentinel says the data is intact. */
  check(jti: string): Promise<{ revoked: boolean; intact: boolean }>;
  /** Blacklists `jti` until `until` (unix seconds). */
  add(jti: string, until: number): Promise<void>;
  /** Writes every entry, then the sentinel, in one transaction. */
  restore(entries: { jti: string; until: number }[], now: Date): Promise<void>;
}

export interface RevocationDeps {
  ledger: RevokedTokenLedger;
  cache: RevocationCache;
  /** Seconds past `exp` that verification still accepts a token (CLOCK_SKEW). */
  clockSkew: number;
  /** Told how many revocations were replayed into a Redis that had lost them. */
  restored(count: number): void;
}

/** Until a token can no longer verify: `exp` plus the leeway verification grants. */
const until = (deps: RevocationDeps, exp: number) => exp + deps.clockSkew;

/** Revokes a sessionless access token: SQL first, so Redis never holds one SQL lacks. */
export async function revokeSessionless(
  deps: RevocationDeps,
  jti: string,
  exp: number,
): Promise<void> {
  await deps.ledger.record(jti, new Date(exp * 1000));
  await deps.cache.add(jti, until(deps, exp));
}

/**
 * Whether a sessionless access token is revoked: one Redis round trip while Redis is intact;
 * after a data loss, one SQL read and one Redis transaction more (once, for every token).
 */
export async function isSessionlessRevoked(
  deps: RevocationDeps,
  jti: string,
  now: Date,
): Promise<boolean> {
  const { revoked, intact } = await deps.cache.check(jti);
  if (intact) return revoked;
  const after = new Date(now.getTime() - deps.clockSkew * 1000);
  const rows = await deps.ledger.unexpired(after);
  await deps.cache.restore(
    rows.map((row) => ({ jti: row.jti, until: until(deps, Math.floor(row.exp.getTime() / 1000)) })),
    now,
  );
  deps.restored(rows.length);
  return revoked || rows.some((row) => row.jti === jti);
}
