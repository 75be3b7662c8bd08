// Every revocation also goes to the revocation feed (src/auth/revocation-feed.ts), so offline
// verifiers downstream refuse the token within seconds. The feed is wired here, around the
// stores every revocation path already goes through, rather than at each call site: logout,
// session revoke (own and admin), logout-all, password change and reset, disable, delete, OAuth
// revocation (RFC 7009) and refresh-token reuse all reach it, and a new path through these
// stores cannot forget it.
//
// Order: where the caller has already proven the token or session is theirs (logout: a verified
// access token; an RFC 7009 access token: verified and its client checked; sessions ended by a
// code replay), the feed is written FIRST: in the same pipelined request as the session script
// and ahead of it (logout, revoke), or before the plain command (blacklist). A failed feed write
// answers 503. The opposite order could end a session the feed never hears of. Where only the store knows
// whether anything was revoked (a session id that may not be the caller's; a refresh token of
// another client; reuse, decided by the rotation script), the feed is written right after the
// store says so: a failure then answers 503 with the revocation done at the auth server and
// visible downstream only once the token expires, which the 503 tells the caller.
import type { RevocationRecorder } from '../auth/revocation-feed.ts';
import type { SessionStore } from '../auth/session-store.ts';
import type { EndedSession, UserSessionStore } from '../auth/user-session-sweeps.ts';
import type { RevocationCache } from '../oauth/revocations.ts';
import type { Redis } from '../store/index.ts';
import type { ScriptCommands } from '../store/tick-batch.ts';

/**
 * The request's Redis with its script commands going through the request's tick batch: a
 * session script and the feed's script issued together travel in one request, so logout and
 * session revoke still cost one round trip.
 */
export function scriptsBatched(
  redis: Redis,
  batched: ScriptCommands,
): Pick<Redis, 'pipeline' | 'set' | 'zrange' | 'evalsha' | 'eval'> {
  return {
    pipeline: () => redis.pipeline(),
    set: redis.set.bind(redis),
    zrange: redis.zrange.bind(redis),
    evalsha: batched.evalsha,
    eval: batched.eval,
  };
}

/**
 * `store` serves everything; `batched` (the same store over scriptsBatched) serves the
 * revocations written beside the feed, so the two scripts share a request.
 */
export function feedRecordingSessions(
  store: SessionStore,
  batched: SessionStore,
  feed: RevocationRecorder,
): SessionStore {
  return {
    ...store,
    async rotate(request) {
      const result = await store.rotate(request);
      // Reuse detected: the script has ended the session (RFC 6819 §5.2.2.3).
      if (result.value.kind === 'reused') {
        await feed.record({ kind: 'session', sid: result.value.sid });
      }
      return result;
    },
    async logout(token, until) {
      const [, ended] = await Promise.all([
        feed.record({ kind: 'session', sid: token.sid }),
        batched.logout(token, until),
      ]);
      return ended;
    },
    async revoke(uid, sids) {
      const [, count] = await Promise.all([
        feed.record(...sids.map((sid) => ({ kind: 'session' as const, sid }))),
        batched.revoke(uid, sids),
      ]);
      return count;
    },
    async revokeRefresh(uid, sid, refreshHash, clientId) {
      const outcome = await store.revokeRefresh(uid, sid, refreshHash, clientId);
      if (outcome === 'revoked') await feed.record({ kind: 'session', sid });
      return outcome;
    },
    async blacklist(token, until) {
      await feed.record({ kind: 'token', jti: token.jti });
      return store.blacklist(token, until);
    },
  };
}

export function feedRecordingUserSessions(
  store: UserSessionStore,
  feed: RevocationRecorder,
): UserSessionStore {
  return {
    ...store,
    async revokeOwn(uid, sid) {
      const ended = await store.revokeOwn(uid, sid);
      if (ended) await feed.record({ kind: 'session', sid });
      return ended;
    },
    async revokeAll(uid, options) {
      // After the sweep: the entry's time must not precede any token the sweep ended.
      const ended = await store.revokeAll(uid, options);
      await feed.record({ kind: 'user', sub: uid, keepSid: options?.keepSid });
      return ended;
    },
    // OIDC logout and a withdrawn consent end sessions too: their access tokens are listed.
    endClientSessions: (uid, clientId) => listed(store.endClientSessions(uid, clientId)),
    endBrowserSession: (uid, sid) => listed(store.endBrowserSession(uid, sid)),
  };

  async function listed(ending: Promise<EndedSession[]>): Promise<EndedSession[]> {
    const ended = await ending;
    if (ended.length > 0) {
      await feed.record(...ended.map(({ sid }) => ({ kind: 'session' as const, sid })));
    }
    return ended;
  }
}

/** Sessionless (client credentials) access tokens revoked through RFC 7009. */
export function feedRecordingRevocationCache(
  cache: RevocationCache,
  feed: RevocationRecorder,
): RevocationCache {
  return {
    ...cache,
    async add(jti, until) {
      await feed.record({ kind: 'token', jti });
      return cache.add(jti, until);
    },
  };
}
