// SessionStore over Upstash Redis. Scripts run EVALSHA first and fall back to EVAL on NOSCRIPT
// (the client's createScript), so a warm Redis costs one round trip per call.
import type { Rotation, SessionStore } from '../auth/sessions.ts';
import { StoreUnavailableError } from '../errors.ts';
import type { Redis } from './index.ts';
import { keySetVersionKey } from './key-set-version.ts';
import {
  CREATE_SESSION,
  INSPECT_REFRESH,
  LOGOUT,
  REVOKE_SESSIONS,
  ROTATE_REFRESH,
} from './session-scripts.ts';

/** The subset of the client this adapter uses (upstash/ratelimit-js narrows the same way). */
type SessionRedis = Pick<Redis, 'createScript' | 'pipeline' | 'hmget' | 'set'>;

// ---- key-set version (issue 13, item 17) -------------------------------------------------
// Minimal stand-in until the session scripts return the version themselves: the script and a
// GET of `keys:version` in one pipeline, so the caller learns the version in the same round
// trip. EVALSHA first, EVAL on NOSCRIPT, like the client's createScript.
const scriptSha = new Map<string, Promise<string>>();

function sha1Hex(script: string): Promise<string> {
  let sha = scriptSha.get(script);
  if (!sha) {
    sha = crypto.subtle
      .digest('SHA-1', new TextEncoder().encode(script))
      .then((d) => [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join(''));
    scriptSha.set(script, sha);
  }
  return sha;
}

async function execWithKeySetVersion<T>(
  redis: SessionRedis,
  prefix: string,
  script: string,
  keys: string[],
  args: string[],
): Promise<{ result: T; keySetVersion: string | null }> {
  const sha = await sha1Hex(script);
  const attempt = (byHash: boolean) => {
    const pipeline = redis.pipeline();
    if (byHash) pipeline.evalsha(sha, keys, args);
    else pipeline.eval(script, keys, args);
    return pipeline.get(keySetVersionKey(prefix)).exec<[T, string | null]>({ keepErrors: true });
  };
  let [reply, version] = await attempt(true);
  if (reply.error?.toLowerCase().includes('noscript')) [reply, version] = await attempt(false);
  const failed = reply.error ?? version.error;
  if (failed) throw new StoreUnavailableError('redis', new Error(failed));
  const value = version.result as unknown;
  return { result: reply.result as T, keySetVersion: value === null ? null : String(value) };
}
// -------------------------------------------------------------------------------------------

const ms = (seconds: number) => String(Math.round(seconds * 1000));

export function redisSessionStore(redis: SessionRedis, prefix: string): SessionStore {
  const key = {
    session: (sid: string) => `${prefix}sess:${sid}`,
    refresh: (hash: string) => `${prefix}rt:${hash}`,
    index: (uid: string) => `${prefix}user:${uid}:sessions`,
    blacklist: (jti: string) => `${prefix}bl:${jti}`,
  };
  const logoutScript = redis.createScript<number>(LOGOUT);
  const revokeScript = redis.createScript<number>(REVOKE_SESSIONS);
  const inspectScript = redis.createScript<string[]>(INSPECT_REFRESH);

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
        ...(session.clientId ? { cid: session.clientId } : {}),
      };
      const { result, keySetVersion } = await execWithKeySetVersion<string[]>(
        redis,
        prefix,
        CREATE_SESSION,
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
      return { evicted: result, keySetVersion };
    },

    async rotate(oldHash, newHash, now, graceSeconds, ttlSeconds, clientId): Promise<Rotation> {
      const { result: reply, keySetVersion } = await execWithKeySetVersion<string[]>(
        redis,
        prefix,
        ROTATE_REFRESH,
        [key.refresh(oldHash), key.refresh(newHash)],
        [
          prefix,
          String(now.getTime()),
          ms(graceSeconds),
          ms(ttlSeconds),
          newHash,
          oldHash,
          clientId ?? '',
        ],
      );
      const [kind, ...rest] = reply.map((v) => (v === null ? '' : String(v)));
      if (kind === 'ok') {
        const [uid = '', email = '', roles = '', scope = '', sid = '', ttl = '0'] = rest;
        return {
          kind: 'rotated',
          session: { uid, email, roles: roles ? roles.split(',') : [], scope, sid, clientId },
          refreshTtlSeconds: Math.max(0, Math.floor(Number(ttl) / 1000)),
          keySetVersion,
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

    async inspectRefresh(refreshHash) {
      const reply = (await inspectScript.exec([key.refresh(refreshHash)], [prefix])).map(String);
      const [uid, email = '', roles = '', scope = '', cid = '', sid = '', pttl = '0'] = reply;
      if (!uid) return undefined;
      return {
        uid,
        email,
        roles: roles ? roles.split(',') : [],
        scope,
        clientId: cid || undefined,
        sid,
        expiresAt: new Date(Date.now() + Math.max(0, Number(pttl))),
      };
    },

    async blacklist(jti, exp) {
      await redis.set(key.blacklist(jti), '1', { exat: exp });
    },

    async read(sid) {
      // With automatic deserialisation off, the client hands HMGET back as the raw array.
      const reply = (await redis.hmget(
        key.session(sid),
        'uid',
        'email',
        'roles',
        'scope',
        'cid',
      )) as (string | null)[] | null;
      const [uid, email, roles, scope, cid] = reply ?? [];
      if (!uid) return undefined;
      return {
        sid,
        uid,
        email: email ?? '',
        roles: roles ? roles.split(',') : [],
        scope: scope ?? '',
        clientId: cid || undefined,
      };
    },
  };
}
