// The revocation feed: what downstream verifiers (packages/verify) need to refuse a revoked
// access token offline. An access token lives at most ACCESS_TOKEN_TTL, and verifiers accept it
// for CLOCK_SKEW past its `exp`, so a revocation matters downstream for that long and no longer:
// the feed lists what was revoked within that window, newest state only, and nothing older.
//
// Three kinds of entry, each as small as the revocation it stands for:
// - a session (`sid`): every access token of it is refused (logout, session revoke, refresh
//   token revocation or reuse);
// - a token (`jti`): that access token alone (RFC 7009 revocation of an access token, service
//   tokens included);
// - a user (`sub` revoked at T): every token of the user issued at or before T, but those of the
//   one session kept (a password change keeps the caller's). One entry for a user-wide sweep
//   (logout-all, password change or reset, disable, delete, admin), whatever the session count.

/** One revocation, in the feed's words. */
export type FeedEntry =
  | { kind: 'session'; sid: string }
  | { kind: 'token'; jti: string }
  | { kind: 'user'; sub: string; keepSid?: string | undefined };

export interface RecordedEntry {
  entry: FeedEntry;
  /** When it was recorded (ms since the epoch). */
  at: number;
}

/**
 * The feed's storage (src/store/revocation-feed.ts): one sorted set scored by revocation time,
 * trimmed on write, so a write is one request and a read is one range query, never a scan.
 */
export interface RevocationFeedStore {
  /** Records the entries at `at`, dropping whatever is older than `windowStart`. */
  record(entries: FeedEntry[], at: Date, windowStart: Date): Promise<void>;
  /** Entries recorded at or after `since`, oldest first. */
  read(since: Date): Promise<RecordedEntry[]>;
}

/** How long an entry matters downstream: ACCESS_TOKEN_TTL + CLOCK_SKEW, in seconds. */
export const feedWindowSeconds = (settings: { accessTokenTtl: number; clockSkew: number }) =>
  settings.accessTokenTtl + settings.clockSkew;

/** The published document (`/.well-known/revocations`). */
export interface RevocationFeedDocument {
  iss: string;
  /** When the document was built (unix seconds): verifiers age their copy from it. */
  generated_at: number;
  /** Revocations older than generated_at - window are left out: no token they name can verify. */
  window: number;
  /** Session ids: every access token carrying this `sid` is revoked. */
  sessions: string[];
  /** Token ids: the access token with this `jti` is revoked. */
  tokens: string[];
  /**
   * Users: every access token of `sub` with `iat` <= `revoked_at` is revoked, unless its `sid`
   * is `keep_sid`. `iat` has whole seconds, so a token issued in the same second just after the
   * sweep is refused too (the client refreshes); one issued just before is never let through.
   */
  users: { sub: string; revoked_at: number; keep_sid?: string }[];
}

export interface FeedSettings {
  issuer: string;
  accessTokenTtl: number;
  clockSkew: number;
}

/** Builds the document from one read of the store. */
export async function buildRevocationFeed(
  store: RevocationFeedStore,
  settings: FeedSettings,
  now: Date,
): Promise<RevocationFeedDocument> {
  const window = feedWindowSeconds(settings);
  const recorded = await store.read(new Date(now.getTime() - window * 1000));
  const sessions = new Set<string>();
  const tokens = new Set<string>();
  // Per user and kept session, the latest sweep covers every earlier one.
  const users = new Map<string, { sub: string; revoked_at: number; keep_sid?: string }>();
  for (const { entry, at } of recorded) {
    if (entry.kind === 'session') sessions.add(entry.sid);
    else if (entry.kind === 'token') tokens.add(entry.jti);
    else {
      const revokedAt = Math.floor(at / 1000);
      const key = `${entry.sub} ${entry.keepSid ?? ''}`;
      const prior = users.get(key);
      if (!prior || prior.revoked_at < revokedAt) {
        users.set(key, {
          sub: entry.sub,
          revoked_at: revokedAt,
          ...(entry.keepSid ? { keep_sid: entry.keepSid } : {}),
        });
      }
    }
  }
  return {
    iss: settings.issuer,
    generated_at: Math.floor(now.getTime() / 1000),
    window,
    sessions: [...sessions],
    tokens: [...tokens],
    users: [...users.values()],
  };
}

/** Records revocations as they happen; the stores' decorators (src/compose) call it. */
export interface RevocationRecorder {
  record(...entries: FeedEntry[]): Promise<void>;
}

export function revocationRecorder(
  store: RevocationFeedStore,
  settings: Omit<FeedSettings, 'issuer'>,
  clock: () => Date = () => new Date(),
): RevocationRecorder {
  return {
    async record(...entries) {
      if (entries.length === 0) return;
      const now = clock();
      const windowStart = new Date(now.getTime() - feedWindowSeconds(settings) * 1000);
      await store.record(entries, now, windowStart);
    },
  };
}
