// The rate limiters (src/abuse/limiters.ts) over Redis: sliding windows with @upstash/ratelimit,
// each one EVALSHA. Run on the request's tick batch (src/store/tick-batch.ts): limiters
// consulted in the same tick travel as ONE request.
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis/cloudflare';
import { type LimiterName, limitSetting, type RateLimiter } from '../abuse/limiters.ts';
import type { Config } from '../config/index.ts';

/** The narrow slice of the client the limiters use (ratelimit-js's safeEval asks no more). */
export type LimiterRedis = Pick<Redis, 'evalsha' | 'eval'>;

// Per isolate, per limiter and setting: identifiers already over their limit, so a flood from
// one address is refused from memory until its window resets, without a Redis call each time.
// ratelimit-js drops an entry only when the same identifier comes back after its reset, so a
// flood from many addresses would grow it for the isolate's life: past BLOCKED_MAX entries it
// starts over (those identifiers are then asked of Redis again, which still refuses them).
const blockedCaches = new Map<string, Map<string, number>>();
const BLOCKED_MAX = 10_000;

function limiter(
  redis: LimiterRedis,
  config: Config,
  name: LimiterName,
  failClosed: boolean,
): Ratelimit | null {
  const setting = limitSetting(config.abuse, name);
  if (!setting) return null;
  const prefix = `${config.redis.keyPrefix}rl:${name}`;
  const cacheId = `${prefix}:${setting.limit}/${setting.windowSeconds}`;
  let ephemeralCache = blockedCaches.get(cacheId);
  if (!ephemeralCache) blockedCaches.set(cacheId, (ephemeralCache = new Map()));
  if (ephemeralCache.size > BLOCKED_MAX) ephemeralCache.clear();
  return new Ratelimit({
    redis: redis as Redis,
    limiter: Ratelimit.slidingWindow(setting.limit, `${setting.windowSeconds} s`),
    prefix,
    // ratelimit-js races the reply against a setTimeout started when limit() is called and
    // answers "allowed, reason: timeout" when the timer wins. That timer measures the ISOLATE,
    // not Redis: under concurrent logins the isolate runs one argon2id after another, each a
    // synchronous stretch of wasm (20-30 ms at the default cost) during which no reply is read.
    // Redis answered in a millisecond, but turning its reply into a verdict takes several turns
    // of the event loop (the fetch resolves, the body is read, the pipeline hands out the
    // results), each of which can wait behind another login's hash, while the expired timer
    // needs one turn. Harmless where a timeout fails open; for login, which refuses on a
    // timeout, it turned 20 concurrent logins into 503 "login rate limiter timed out". So a
    // fail-closed caller gets no race (0): its bound is the Redis client's STORE_TIMEOUT
    // (src/store/redis.ts), like every other store call a login makes.
    timeout: failClosed ? 0 : config.abuse.limiterTimeoutMs,
    ephemeralCache,
    analytics: false,
  });
}

export const upstashRateLimiter = (redis: LimiterRedis, config: Config): RateLimiter => ({
  consume(name, identifier, options) {
    const ratelimit = limiter(redis, config, name, options?.failClosed ?? false);
    if (!ratelimit) return undefined;
    return ratelimit.limit(identifier).then((r) => ({
      limiter: name,
      allowed: r.success,
      limit: r.limit,
      remaining: Math.max(0, r.remaining),
      reset: r.reset,
      timedOut: r.reason === 'timeout',
    }));
  },
});
