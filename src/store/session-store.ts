// SessionStore over Upstash Redis: one script (EVALSHA, EVAL on NOSCRIPT) per change, one
// pipeline per read. Keys and scripts: src/store/session-store-scripts.ts.
import type { Authentication, Rotation, SessionStore } from '../auth/session-store.ts';
import type { Redis } from './index.ts';
import { luaScript, runScript } from './lua-script.ts';
import { sessionKeys } from './session-redis-keys.ts';
import {
  CREATE_SESSION,
  INSPECT_REFRESH,
  LOGOUT,
  REVOKE_REFRESH,
  REVOKE_SESSIONS,
  ROTATE_REFRESH,
} from './session-store-scripts.ts';

/** The subset of the client this adapter uses (upstash/ratelimit-js narrows the same way). */
type SessionRedis = Pick<Redis, 'pipeline' | 'evalsha' | 'eval' | 'set'>;

// Per isolate: each script's SHA-1 is computed once.
const create = luaScript(CREATE_SESSION);
const rotate = luaScript(ROTATE_REFRESH);
const logout = luaScript(LOGOUT);
const revoke = luaScript(REVOKE_SESSIONS);
const inspect = luaScript(INSPECT_REFRESH);
const revokeRefresh = luaScript(REVOKE_REFRESH);

const ms = (seconds: number) => String(Math.round(seconds * 1000));
const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const versionOf = (v: unknown) => (v === null || v === undefined ? null : String(v));

export function redisSessionStore(redis: SessionRedis, prefix: string): SessionStore {
  const key = sessionKeys(prefix);

  return {
    async create(session, refreshHash, ttlSeconds, cap) {
      const now = session.createdAt.getTime();
      const abs = session.absoluteExpiry.getTime();
      const ttl = Math.min(ttlSeconds * 1000, abs - now);
      const fields = {
        uid: session.uid,
        email: session.email,
        roles: session.roles.join(','),
        scope: session.scope,
        ip: session.ip,
        ua: session.userAgent,
        abs: String(abs),
        ...(session.clientId ? { cid: session.clientId } : {}),
        ...(session.auth ? authFields(session.auth) : {}),
      };
      const { uid, sid } = session;
      // The browser session it was granted from, declared (same {uid} slot) so the script can
      // refuse a session that would outlive it.
      const parent = session.auth?.ssoSid ?? '';
      const [reply, keySetVersion = null] = await runScript<unknown[]>(
        redis,
        create,
        [
          key.session(uid, sid),
          key.index(uid),
          key.epoch(uid),
          ...(parent ? [key.session(uid, parent)] : []),
        ],
        [
          sid,
          String(now),
          String(ttl),
          String(abs - now),
          String(cap),
          String(session.epoch),
          // Index entries last used before this are past any session's absolute end.
          String(now - (abs - now)),
          refreshHash,
          parent,
          ...Object.entries(fields).flat(),
        ],
        [key.keySetVersion()],
      );
      const [kind, ...evicted] = reply.map(text);
      return {
        value: kind === 'stale' || kind === 'ended' ? kind : evicted,
        keySetVersion,
      };
    },

    async rotate(request) {
      const { uid, sid, now, limit } = request;
      const [reply, keySetVersion = null] = await runScript<unknown[]>(
        redis,
        rotate,
        [key.session(uid, sid), key.index(uid)],
        [
          sid,
          String(now.getTime()),
          ms(request.graceSeconds),
          ms(request.ttlSeconds),
          request.presentedHash,
          request.successorHash,
          request.clientId ?? '',
          request.scope === undefined ? '-' : request.scope.join(' '),
          String(limit?.limit ?? 0),
          ms(limit?.windowSeconds ?? 0),
        ],
        [key.keySetVersion()],
      );
      const [kind, ...rest] = reply.map(text);
      return { value: rotation(kind, rest, sid, request), keySetVersion };
    },

    async logout(token, until) {
      const done = await runScript<number>(
        redis,
        logout,
        [
          key.session(token.sub, token.sid),
          key.index(token.sub),
          key.blacklist(token.sub, token.jti),
        ],
        [token.sid, String(until)],
      );
      return Number(done[0]) === 1;
    },

    async check(token) {
      // Not a script: a read may span slots. Alive = the record exists and the index lists it.
      // The key-set version rides along (item 17): a token verified against a key set that an
      // emergency rotation has since changed is verified again before it is trusted.
      const [blacklisted, exists, listed, version] = await redis
        .pipeline()
        .exists(key.blacklist(token.sub, token.jti))
        .exists(key.session(token.sub, token.sid))
        .zscore(key.index(token.sub), token.sid)
        .get(key.keySetVersion())
        .exec<[number, number, string | null, unknown]>();
      return {
        blacklisted: Number(blacklisted) > 0,
        sessionAlive: Number(exists) > 0 && listed !== null,
        keySetVersion: versionOf(version),
      };
    },

    async revoke(uid, sids) {
      if (sids.length === 0) return 0;
      const [count] = await runScript<number>(
        redis,
        revoke,
        [key.index(uid), ...sids.map((sid) => key.session(uid, sid))],
        sids,
      );
      return Number(count);
    },

    async inspectRefresh(uid, sid, refreshHash) {
      const [reply] = await runScript<unknown[]>(
        redis,
        inspect,
        [key.session(uid, sid), key.index(uid)],
        [sid, refreshHash],
      );
      const [owner, email = '', roles = '', scope = '', cid = '', pttl = '0'] = reply.map(text);
      if (!owner) return undefined;
      return {
        uid: owner,
        email,
        roles: roles ? roles.split(',') : [],
        scope,
        clientId: cid || undefined,
        sid,
        expiresAt: new Date(Date.now() + Math.max(0, Number(pttl))),
      };
    },

    async revokeRefresh(uid, sid, refreshHash, clientId) {
      const [reply] = await runScript<string>(
        redis,
        revokeRefresh,
        [key.session(uid, sid), key.index(uid)],
        [sid, refreshHash, clientId ?? ''],
      );
      const outcome = text(reply);
      return outcome === 'revoked' || outcome === 'foreign' ? outcome : 'none';
    },

    async blacklist(token, until) {
      await redis.set(key.blacklist(token.sub, token.jti), '1', { exat: until });
    },

    async read(uid, sid) {
      const [fields, listed] = await redis
        .pipeline()
        .hmget(key.session(uid, sid), 'uid', 'email', 'roles', 'scope', 'cid', 'ep', ...AUTH_FIELDS)
        .zscore(key.index(uid), sid)
        .exec<[(string | null)[] | null, string | null]>();
      // With automatic deserialisation off, the client hands HMGET back as the raw array.
      const [owner, email, roles, scope, cid, ep, at, amr, sso] = fields ?? [];
      if (!owner || owner !== uid || listed === null) return undefined;
      return {
        sid,
        uid,
        email: email ?? '',
        roles: roles ? roles.split(',') : [],
        scope: scope ?? '',
        clientId: cid || undefined,
        auth: authOf(at, amr, sso),
        epoch: Number(ep ?? 0),
      };
    },
  };
}

/** The session hash's fields for its Authentication (layout: session-store-scripts.ts). */
const AUTH_FIELDS = ['auth', 'amr', 'sso'] as const;

function authFields(auth: Authentication): Record<string, string> {
  return {
    auth: String(auth.time),
    amr: auth.methods.join(','),
    ...(auth.ssoSid ? { sso: auth.ssoSid } : {}),
  };
}

function authOf(
  time: string | null | undefined,
  amr: string | null | undefined,
  sso: string | null | undefined,
): Authentication | undefined {
  if (!time) return undefined;
  return { time: Number(time), methods: amr ? amr.split(',') : [], ssoSid: sso || undefined };
}

function rotation(
  kind: string | undefined,
  rest: string[],
  sid: string,
  request: { clientId: string | undefined },
): Rotation {
  if (kind === 'ok') {
    const [uid = '', email = '', roles = '', scope = '', , ttl = '0', at, amr, sso] = rest;
    return {
      kind: 'rotated',
      session: {
        uid,
        email,
        roles: roles ? roles.split(',') : [],
        scope,
        sid,
        clientId: request.clientId,
        auth: authOf(at, amr, sso),
      },
      refreshTtlSeconds: Math.max(0, Math.floor(Number(ttl) / 1000)),
    };
  }
  if (kind === 'reused') return { kind: 'reused', uid: rest[0] ?? '', sid };
  if (kind === 'invalid_scope') return { kind: 'invalid_scope' };
  if (kind === 'limited') {
    return { kind: 'limited', limit: Number(rest[0]), reset: new Date(Number(rest[1])) };
  }
  return { kind: 'invalid' };
}
