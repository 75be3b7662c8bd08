// SessionStore over Upstash Redis. Scripts run EVALSHA first and fall back to EVAL on NOSCRIPT
// (the client's createScript), so a warm Redis costs one round trip per call.
import type { Rotation, SessionStore } from '../auth/sessions.ts';
import type { Redis } from './index.ts';
import { CREATE_SESSION, LOGOUT, REVOKE_SESSIONS, ROTATE_REFRESH } from './session-scripts.ts';

/** The subset of the client this adapter uses (upstash/ratelimit-js narrows the same way). */
type SessionRedis = Pick<Redis, 'createScript' | 'pipeline'>;

const ms = (seconds: number) => String(Math.round(seconds * 1000));

export function redisSessionStore(redis: SessionRedis, prefix: string): SessionStore {
  const key = {
    session: (sid: string) => `${prefix}sess:${sid}`,
    refresh: (hash: string) => `${prefix}rt:${hash}`,
    index: (uid: string) => `${prefix}user:${uid}:sessions`,
    blacklist: (jti: string) => `${prefix}bl:${jti}`,
  };
  const createScript = redis.createScript<string[]>(CREATE_SESSION);
  const rotateScript = redis.createScript<string[]>(ROTATE_REFRESH);
  const logoutScript = redis.createScript<number>(LOGOUT);
  const revokeScript = redis.createScript<number>(REVOKE_SESSIONS);

  return {
    async create(session, refreshHash, ttlSeconds, cap) {
      const now = session.createdAt.getTime();
      const ttl = Math.min(ttlSeconds * 1000, session.absoluteExpiry.getTime() - now);
      const fields = {
        uid: session.uid,
        email: session.email,
        roles: session.roles.join(','),
        scope: session.scope,
        created: String(now),
        last: String(now),
        ip: session.ip,
        ua: session.userAgent,
        abs: String(session.absoluteExpiry.getTime()),
      };
      return createScript.exec(
        [key.session(session.sid), key.refresh(refreshHash), key.index(session.uid)],
        [
          prefix,
          session.sid,
          refreshHash,
          String(ttl),
          String(session.absoluteExpiry.getTime() - now),
          String(cap),
          ...Object.entries(fields).flat(),
        ],
      );
    },

    async rotate(oldHash, newHash, now, graceSeconds, ttlSeconds): Promise<Rotation> {
      const reply = await rotateScript.exec(
        [key.refresh(oldHash), key.refresh(newHash)],
        [prefix, String(now.getTime()), ms(graceSeconds), ms(ttlSeconds), newHash, oldHash],
      );
      const [kind, ...rest] = reply.map((v) => (v === null ? '' : String(v)));
      if (kind === 'ok') {
        const [uid = '', email = '', roles = '', scope = '', sid = '', ttl = '0'] = rest;
        return {
          kind: 'rotated',
          session: { uid, email, roles: roles ? roles.split(',') : [], scope, sid },
          refreshTtlSeconds: Math.max(0, Math.floor(Number(ttl) / 1000)),
        };
      }
      if (kind === 'reused') return { kind: 'reused', uid: rest[0] ?? '', sid: rest[1] ?? '' };
      return { kind: 'invalid' };
    },

    async logout(sid, jti, exp, presentedRefreshHash) {
      const done = await logoutScript.exec(
        [key.blacklist(jti)],
        [prefix, sid, String(exp), presentedRefreshHash ?? ''],
      );
      return Number(done) === 1;
    },

    async check(sid, jti) {
      const [blacklisted, alive] = await redis
        .pipeline()
        .exists(key.blacklist(jti))
        .exists(key.session(sid))
        .exec<[number, number]>();
      return { blacklisted: Number(blacklisted) > 0, sessionAlive: Number(alive) > 0 };
    },

    async revoke(sids) {
      if (sids.length === 0) return 0;
      return Number(await revokeScript.exec([], [prefix, ...sids]));
    },
  };
}
