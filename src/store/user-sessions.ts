// UserSessionStore over Upstash Redis: one script, one round trip, per operation.
import type { SessionInfo, UserSessionStore } from '../auth/user-sessions.ts';
import type { Redis } from './index.ts';
import {
  LIST_SESSIONS,
  REVOKE_OWN_SESSION,
  REVOKE_USER_SESSIONS,
  UPDATE_SESSION_CLAIMS,
} from './user-session-scripts.ts';

type UserSessionRedis = Pick<Redis, 'createScript'>;

export function redisUserSessionStore(redis: UserSessionRedis, prefix: string): UserSessionStore {
  const index = (uid: string) => `${prefix}user:${uid}:sessions`;
  const listScript = redis.createScript<(string | null)[]>(LIST_SESSIONS);
  const revokeOwnScript = redis.createScript<number>(REVOKE_OWN_SESSION);
  const revokeAllScript = redis.createScript<number>(REVOKE_USER_SESSIONS);
  const updateScript = redis.createScript<number>(UPDATE_SESSION_CLAIMS);

  return {
    async list(uid) {
      const flat = (await listScript.exec([index(uid)], [prefix])).map((v) => String(v ?? ''));
      const sessions: SessionInfo[] = [];
      for (let i = 0; i + 4 < flat.length; i += 5) {
        sessions.push({
          sid: flat[i]!,
          createdAt: new Date(Number(flat[i + 1])),
          lastUsedAt: new Date(Number(flat[i + 2])),
          ip: flat[i + 3]!,
          userAgent: flat[i + 4]!,
        });
      }
      return sessions;
    },
    async revokeOwn(uid, sid) {
      return Number(await revokeOwnScript.exec([], [prefix, uid, sid])) === 1;
    },
    async revokeAll(uid, keepSid) {
      return Number(await revokeAllScript.exec([index(uid)], [prefix, keepSid ?? '']));
    },
    async updateClaims(uid, roles, scope) {
      return Number(await updateScript.exec([index(uid)], [prefix, roles.join(','), scope]));
    },
  };
}
