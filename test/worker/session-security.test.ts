// Issue 13: the session machinery under attack. Items 1 (no login in flight survives a
// security-relevant change), 2 (the blacklist covers exp + CLOCK_SKEW), 13 (the per-session
// refresh limit inside the rotation: reuse first, a true Retry-After, one round trip) and 18
// (every script's keys declared and in one Redis Cluster hash slot). Items 6 and 7 are in
// oauth-negative.test.ts. The domain is called directly where a test needs a controlled clock.
import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { keyContext } from '../../src/compose/key-context.ts';
import * as sessionScripts from '../../src/store/session-store-scripts.ts';
import * as userSessionScripts from '../../src/store/user-session-sweep-scripts.ts';
import { blacklistUntil } from '../../src/auth/logout.ts';
import { RefreshLimitedError, refreshSession } from '../../src/auth/session-refresh.ts';
import {
  StaleLoginError,
  startBrowserSession,
  startSession,
} from '../../src/auth/session-start.ts';
import type { TokenDeps, TokenPair } from '../../src/auth/token-pair.ts';
import { setDisabled, setRoles } from '../../src/auth/user-admin.ts';
import { DELETED_EPOCH } from '../../src/auth/user-session-sweeps.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createStores, type Redis } from '../../src/store/index.ts';
import { redisKeySetVersionCounter } from '../../src/store/key-set-version.ts';
import { redisSessionStore } from '../../src/store/session-store.ts';
import { redisUserSessionStore } from '../../src/store/user-session-sweeps.ts';
import { drizzleUserAdminStore, drizzleUserStore } from '../../src/store/users.ts';
import { bearer, newSession, postJson } from './auth-fixtures.ts';
import { postWithEnv } from './abuse-fixtures.ts';
import { send } from './helpers.ts';

type Env = Parameters<typeof loadConfig>[0];

function world(overrides: Record<string, string> = {}, wrap = (r: Redis) => r) {
  const config = loadConfig({ ...env, ...overrides } as Env);
  const stores = createStores(config);
  const redis = wrap(stores.redis);
  const prefix = config.redis.keyPrefix;
  const deps: TokenDeps = {
    config,
    sessions: redisSessionStore(redis, prefix),
    keys: keyContext(config, stores.db),
    readKeySetVersion: () => redisKeySetVersionCounter(redis, prefix).read(),
  };
  const userSessions = redisUserSessionStore(redis, prefix);
  const users = drizzleUserStore(stores.db);
  const admin = { config, users, admin: drizzleUserAdminStore(stores.db), sessions: userSessions };
  return { config, stores, redis, prefix, deps, userSessions, users, admin };
}

const client = { ip: '192.0.2.1', userAgent: 'session-security-test' };

describe('item 1: a security-relevant change voids the logins in flight', () => {
  it('a session created after the sweep, from a read before the change, is refused', async () => {
    const { user } = await newSession();
    const { deps, users, userSessions } = world();
    // The login's SQL read...
    const read = (await users.findById(user.user_id))!;
    // ...then a password change (its UPDATE raises the epoch; its sweep raises it in Redis)...
    const epoch = await users.setPassword(user.user_id, read.passwordHash);
    expect(epoch).toBe(read.securityEpoch + 1);
    expect(await userSessions.revokeAll(user.user_id, { epoch })).toBe(1);
    // ...then the login creates its session: refused, and nothing was created.
    await expect(startSession(deps, read, client, new Date())).rejects.toBeInstanceOf(
      StaleLoginError,
    );
    expect(await userSessions.list(user.user_id)).toEqual([]);
    // Starting over from the user's new state works.
    const fresh = (await users.findById(user.user_id))!;
    const { tokens } = await startSession(deps, fresh, client, new Date());
    expect(decodeJwt(tokens.access_token).sub).toBe(user.user_id);
    expect(await userSessions.list(user.user_id)).toHaveLength(1);
  });

  it('role change and disable raise the epoch in SQL and Redis; deletion blocks for good', async () => {
    const { user } = await newSession();
    const w = world();
    const read = (await w.users.findById(user.user_id))!;
    const roled = await setRoles(w.admin, user.user_id, ['viewer', 'developer']);
    expect(roled.user.securityEpoch).toBe(read.securityEpoch + 1);
    const epochKey = `${w.prefix}u:{${user.user_id}}:ep`;
    expect(Number(await w.redis.get(epochKey))).toBe(roled.user.securityEpoch);
    await expect(startSession(w.deps, read, client, new Date())).rejects.toBeInstanceOf(
      StaleLoginError,
    );
    const disabled = await setDisabled(w.admin, user.user_id, true);
    expect(disabled.user.securityEpoch).toBe(roled.user.securityEpoch + 1);
    expect(Number(await w.redis.get(epochKey))).toBe(disabled.user.securityEpoch);
    expect(await w.redis.pttl(epochKey)).toBeGreaterThan(86_000_000);
    await expect(startSession(w.deps, roled.user, client, new Date())).rejects.toBeInstanceOf(
      StaleLoginError,
    );
    // Account deletion (revokeAll with DELETED_EPOCH) refuses even the newest read.
    const newest = (await w.users.findById(user.user_id))!;
    await w.userSessions.revokeAll(user.user_id, { epoch: DELETED_EPOCH });
    await expect(startSession(w.deps, newest, client, new Date())).rejects.toBeInstanceOf(
      StaleLoginError,
    );
    // The epoch never goes down: an older change's sweep arriving late leaves it alone.
    await w.userSessions.revokeAll(user.user_id, { epoch: 1 });
    expect(Number(await w.redis.get(epochKey))).toBe(DELETED_EPOCH);
  });

  it('login keeps its HTTP behaviour: 200 with a pair after an earlier change', async () => {
    const { user } = await newSession();
    const w = world();
    await setRoles(w.admin, user.user_id, ['viewer']);
    const { response } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: user.password,
    });
    expect(response.status).toBe(200);
  });
});

describe('starting a session (issue 14 point 8)', () => {
  it('startSession returns the session id its access token names', async () => {
    const { user } = await newSession();
    const w = world();
    const read = (await w.users.findById(user.user_id))!;
    const { sid, tokens } = await startSession(w.deps, read, client, new Date());
    expect(decodeJwt(tokens.access_token).sid).toBe(sid);
    expect((await w.userSessions.list(user.user_id)).map((s) => s.sid)).toContain(sid);
  });

  it('a browser session is an ordinary session with no token minted for it', async () => {
    const { user } = await newSession();
    const w = world();
    const read = (await w.users.findById(user.user_id))!;
    // No key context at all: nothing can be signed.
    const deps = { config: w.config, sessions: w.deps.sessions };
    const { sid, expiresIn } = await startBrowserSession(deps, read, client, new Date());
    expect(expiresIn).toBe(Math.min(w.config.refreshTokenTtl, w.config.sessionMaxLifetime));
    expect(await w.deps.sessions.read(user.user_id, sid)).toMatchObject({
      sid,
      uid: user.user_id,
      email: user.email,
    });
    expect((await w.userSessions.list(user.user_id)).map((s) => s.sid)).toContain(sid);
    // Where a session keeps its refresh token's SHA-256 (base64url), no hash can match.
    const rt = await w.redis.hget(`${w.prefix}u:{${user.user_id}}:sess:${sid}`, 'rt');
    expect(String(rt)).not.toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Logout everywhere ends it with the API session.
    expect(await w.userSessions.revokeAll(user.user_id)).toBe(2);
    expect(await w.deps.sessions.read(user.user_id, sid)).toBeUndefined();
  });

  it('a browser session is refused, like a login, when the user changed since it was read', async () => {
    const { user } = await newSession();
    const w = world();
    const read = (await w.users.findById(user.user_id))!;
    await setRoles(w.admin, user.user_id, ['viewer', 'developer']);
    const deps = { config: w.config, sessions: w.deps.sessions };
    await expect(startBrowserSession(deps, read, client, new Date())).rejects.toBeInstanceOf(
      StaleLoginError,
    );
  });
});

describe('item 2: a revoked access token stays revoked until exp + CLOCK_SKEW', () => {
  it('logout blacklists the token until exp + CLOCK_SKEW', async () => {
    const { tokens } = await newSession();
    const { config, redis, prefix } = world();
    const { response } = await send('/api/v1/auth/logout', {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(response.status).toBe(204);
    const { sub, jti, exp } = decodeJwt(tokens.access_token);
    const ttl = await redis.ttl(`${prefix}u:{${String(sub)}}:bl:${String(jti)}`);
    const wanted = exp! + config.clockSkew - Math.floor(Date.now() / 1000);
    expect(config.clockSkew).toBeGreaterThan(5);
    expect(ttl).toBeGreaterThan(wanted - 5);
    expect(ttl).toBeLessThanOrEqual(wanted + 1);
  });

  it('a token revoked inside the skew window (past exp) is still stored, and refused', async () => {
    const { tokens } = await newSession();
    const { config, deps } = world();
    const { sub, sid, jti } = decodeJwt(tokens.access_token);
    const ref = { sub: String(sub), sid: String(sid), jti: String(jti) };
    const now = new Date();
    // As if the token expired half the skew ago: never an EXAT in the past.
    const exp = Math.floor(now.getTime() / 1000) - Math.floor(config.clockSkew / 2);
    const until = blacklistUntil(config, exp, now);
    expect(until).toBe(exp + config.clockSkew);
    expect(blacklistUntil(config, exp - config.clockSkew * 2, now)).toBeGreaterThan(
      now.getTime() / 1000,
    );
    await deps.sessions.blacklist(ref, until);
    expect(await deps.sessions.check(ref)).toMatchObject({ blacklisted: true });
  });
});

describe('item 13: the refresh limit lives in the rotation', () => {
  it('Retry-After is true: refused one second early, passes exactly Retry-After later', async () => {
    const { tokens } = await newSession();
    const { deps } = world({ RATE_LIMIT_REFRESH_SESSION: '2/1m' });
    const t0 = Date.now();
    const at = (seconds: number) => new Date(t0 + seconds * 1000);
    let token = tokens.refresh_token;
    for (const s of [0, 1]) {
      const outcome = await refreshSession(deps, token, at(s));
      token = outcome.tokens.refresh_token;
    }
    const refused = await refreshSession(deps, token, at(2)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefreshLimitedError);
    const retryAfter = (refused as RefreshLimitedError).retryAfter;
    expect(retryAfter).toBe(58);
    expect((refused as RefreshLimitedError).headers).toMatchObject({
      'Retry-After': '58',
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '0',
    });
    await expect(refreshSession(deps, token, at(2 + retryAfter - 1))).rejects.toMatchObject({
      code: 'rate_limited',
    });
    const passed = await refreshSession(deps, token, at(2 + retryAfter));
    expect(passed.tokens.refresh_token).not.toBe(token);
  });

  it('a replayed rotated token is reuse even while the session is over its limit', async () => {
    const strict = { RATE_LIMIT_REFRESH_SESSION: '1/1m', REFRESH_REUSE_GRACE: '0' };
    const { tokens } = await newSession();
    const refresh = (token: string) =>
      postWithEnv('/api/v1/auth/refresh', { refresh_token: token }, strict);
    const first = await refresh(tokens.refresh_token);
    expect(first.response.status).toBe(200);
    const rt1 = (await first.response.json<TokenPair>()).refresh_token;
    const limited = await refresh(rt1);
    expect(limited.response.status).toBe(429);
    expect(await limited.response.json()).toMatchObject({
      error: 'rate_limited',
      error_description: expect.stringMatching(/^Too many refreshes; retry in \d+ s\.$/),
    });
    expect(Number(limited.response.headers.get('Retry-After'))).toBeGreaterThan(55);
    const replay = await refresh(tokens.refresh_token);
    expect(replay.response.status).toBe(401);
    expect(await replay.response.json()).toMatchObject({ error: 'refresh_token_reused' });
    // The session is gone with it.
    const after = await refresh(rt1);
    expect(after.response.status).toBe(401);
    expect(await after.response.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

// CRC16/XMODEM, Redis Cluster's key hash (cluster spec: HASH_SLOT = CRC16(key) mod 16384,
// hashing only the first non-empty `{...}` when there is one).
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
function hashSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(new TextEncoder().encode(hashed)) % 16384;
}

/** The same client, noting the KEYS of every script it sends. */
function recordingScripts(redis: Redis, calls: string[][]): Redis {
  const wrapPipeline = (pipeline: object): object =>
    new Proxy(pipeline, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'evalsha' || prop === 'eval') calls.push((args[1] as string[]).slice());
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result && typeof result === 'object' && 'exec' in result
            ? wrapPipeline(result)
            : result;
        };
      },
    });
  return new Proxy(redis, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'pipeline') return () => wrapPipeline(target.pipeline());
      // A script without reads runs as one plain command, not in a pipeline.
      if (prop === 'evalsha' || prop === 'eval') {
        return (...args: unknown[]) => {
          calls.push((args[1] as string[]).slice());
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

describe('item 18: cluster-safe scripts', () => {
  it('hash slots are computed as Redis Cluster does', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3);
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('{user1000}.followers'));
  });

  it('no script touches a key it was not given in KEYS', () => {
    const sources = [...Object.values(sessionScripts), ...Object.values(userSessionScripts)];
    expect(sources.length).toBeGreaterThan(6);
    for (const source of sources) {
      for (const [, command, key] of source.matchAll(/redis\.call\('(\w+)',\s*([^,)]+)/g)) {
        // keyOf[...] holds declared KEYS (user-wide scripts map sids to their declared keys).
        expect(`${command} ${key}`).toMatch(/^\w+ (KEYS\[[^\]]+\]|keyOf\[\w+\]|key)$/);
      }
    }
    // `key` above is only ever bound to a declared key.
    expect(userSessionScripts.UPDATE_SESSION_CLAIMS).toContain('local key = keyOf[sid]');
  });

  it("every store call's script keys share one hash slot", async () => {
    const calls: string[][] = [];
    const { user, tokens } = await newSession();
    const w = world({}, (redis) => recordingScripts(redis, calls));
    const read = (await w.users.findById(user.user_id))!;
    const { tokens: pair } = await startSession(w.deps, read, client, new Date());
    const claims = decodeJwt(pair.access_token);
    await refreshSession(w.deps, pair.refresh_token, new Date());
    await w.deps.sessions.inspectRefresh(user.user_id, String(claims.sid), 'x');
    await w.deps.sessions.revokeRefresh(user.user_id, String(claims.sid), 'x', undefined);
    await w.deps.sessions.logout(
      { sub: user.user_id, sid: String(claims.sid), jti: String(claims.jti) },
      Math.floor(Date.now() / 1000) + 60,
    );
    await w.deps.sessions.revoke(user.user_id, [String(decodeJwt(tokens.access_token).sid), 'x']);
    await w.userSessions.revokeOwn(user.user_id, 'x');
    await w.userSessions.updateClaims(user.user_id, ['viewer'], 'read', read.securityEpoch + 1);
    await w.userSessions.revokeAll(user.user_id, { epoch: read.securityEpoch + 1 });
    expect(calls.length).toBeGreaterThanOrEqual(9);
    for (const keys of calls) {
      expect(keys.length).toBeGreaterThan(0);
      expect(new Set(keys.map(hashSlot)).size).toBe(1);
    }
  });
});
