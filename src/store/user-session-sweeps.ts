// UserSessionStore over Upstash Redis. A user-wide change reads the user's index, then runs one
// atomic script declaring every session key listed (cluster safety: see
// src/store/user-session-sweep-scripts.ts); if a session appeared in between, it starts over.
import {
  type EndedSession,
  EPOCH_TTL_SECONDS,
  type SessionInfo,
  type UserSessionStore,
} from '../auth/user-session-sweeps.ts';
import { StoreUnavailableError } from '../shared/errors.ts';
import type { Redis } from './index.ts';
import { luaScript, runScript } from './lua-script.ts';
import { sessionKeys } from './session-redis-keys.ts';
import {
  END_LINKED_SESSIONS,
  REVOKE_OWN_SESSION,
  REVOKE_USER_SESSIONS,
  UPDATE_SESSION_CLAIMS,
} from './user-session-sweep-scripts.ts';

type UserSessionRedis = Pick<Redis, 'pipeline' | 'evalsha' | 'eval' | 'zrange'>;

const revokeOwnScript = luaScript(REVOKE_OWN_SESSION);
const revokeAllScript = luaScript(REVOKE_USER_SESSIONS);
const updateScript = luaScript(UPDATE_SESSION_CLAIMS);
const endLinkedScript = luaScript(END_LINKED_SESSIONS);

/** Logins racing a sweep are rare; each one only costs the sweep another read. */
const SWEEP_ATTEMPTS = 5;
const EPOCH_TTL_MS = String(EPOCH_TTL_SECONDS * 1000);

/**
 * Told of the client sessions revokeAll ended (back-channel logout, wired in compose).
 * endClientSessions and endBrowserSession return theirs to the caller instead, who tells.
 */
export interface SweepObserver {
  sessionsEnded(uid: string, ended: EndedSession[]): void;
}

export function redisUserSessionStore(
  redis: UserSessionRedis,
  prefix: string,
  observer?: SweepObserver,
): UserSessionStore {
  const key = sessionKeys(prefix);

  /** Runs a sweep script over the sessions the index lists, again if the index moved. */
  async function sweep(
    uid: string,
    script: ReturnType<typeof luaScript>,
    args: string[],
  ): Promise<string[]> {
    for (let attempt = 0; attempt < SWEEP_ATTEMPTS; attempt++) {
      const sids = (await redis.zrange(key.index(uid), 0, -1)).map(String);
      const [reply] = await runScript<unknown[]>(
        redis,
        script,
        [key.index(uid), key.epoch(uid), ...sids.map((sid) => key.session(uid, sid))],
        [...args, ...sids],
      );
      const [kind, ...rest] = reply.map((v) => (v === null || v === undefined ? '' : String(v)));
      if (kind === 'ok') return rest;
    }
    throw new StoreUnavailableError('redis', new Error('session index kept changing'));
  }

  /** {sid, cid, sso} triples of a script's reply. */
  function endedOf(rest: string[]): EndedSession[] {
    const ended: EndedSession[] = [];
    for (let i = 0; i + 2 < rest.length; i += 3) {
      ended.push({
        sid: rest[i]!,
        clientId: rest[i + 1] || undefined,
        ssoSid: rest[i + 2] || undefined,
      });
    }
    return ended;
  }

  async function endLinked(uid: string, mode: 'client' | 'browser', target: string) {
    return endedOf(await sweep(uid, endLinkedScript, [mode, target]));
  }

  return {
    async list(uid) {
      // Read-only, so two plain reads: the index, then each listed session.
      const sids = (await redis.zrange(key.index(uid), 0, -1, { rev: true })).map(String);
      if (sids.length === 0) return [];
      let pipeline = redis.pipeline();
      for (const sid of sids) {
        pipeline = pipeline.hmget(key.session(uid, sid), 'created', 'last', 'ip', 'ua');
      }
      const rows = await pipeline.exec<((string | null)[] | null)[]>();
      const sessions: SessionInfo[] = [];
      sids.forEach((sid, i) => {
        const [created, last, ip, ua] = rows[i] ?? [];
        if (!created) return; // expired: the next login prunes its index entry
        sessions.push({
          sid,
          createdAt: new Date(Number(created)),
          lastUsedAt: new Date(Number(last ?? created)),
          ip: ip ?? '',
          userAgent: ua ?? '',
        });
      });
      return sessions;
    },
    async revokeOwn(uid, sid) {
      const [ended] = await runScript<number>(
        redis,
        revokeOwnScript,
        [key.session(uid, sid), key.index(uid)],
        [sid],
      );
      return Number(ended) === 1;
    },
    async revokeAll(uid, options = {}) {
      const epoch = options.epoch === undefined ? '' : String(options.epoch);
      const [count, ...clients] = await sweep(uid, revokeAllScript, [
        epoch,
        EPOCH_TTL_MS,
        options.keepSid ?? '',
      ]);
      // Logout-all, a password change or reset, a disable, a deletion: the clients that held
      // a session hear of it like after an end-session (OIDC Back-Channel Logout).
      const ended = endedOf(clients);
      if (ended.length > 0) observer?.sessionsEnded(uid, ended);
      return Number(count);
    },
    async updateClaims(uid, roles, scope, epoch) {
      const [count] = await sweep(uid, updateScript, [
        String(epoch),
        EPOCH_TTL_MS,
        roles.join(','),
        scope,
      ]);
      return Number(count);
    },
    endClientSessions: (uid, clientId) => endLinked(uid, 'client', clientId),
    endBrowserSession: (uid, sid) => endLinked(uid, 'browser', sid),
  };
}
