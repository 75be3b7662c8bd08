// The rate limiters (src/abuse/limiters.ts) over Redis: sliding windows with @upstash/ratelimit,
// each one EVALSHA. Run on the auto-pipelined client (src/store/redis.ts), limiters consulted
// in the same tick travel as ONE request.
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis/cloudflare';
import { type LimiterName, limitSetting, type RateLimiter } from '../abuse/limiters.ts';
import type { Config } from '../config/index.ts';

/** The narrow slice of the client the limiters use (ratelimit-js asks for no more). */
export type LimiterRedis = Pick<Redis, 'evalsha' | 'eval' | 'get' | 'set'>;

// Per isolate, per limiter and setting: identifiers already over their limit, so a flood from
// one address is refused from memory until its window resets, without a Redis call each time.
const blockedCaches = new Map<string, Map<string, number>>();

function limiter(redis: LimiterRedis, config: Config, name: LimiterName): Ratelimit | null {
  const setting = limitSetting(config.abuse, name);
  if (!setting) return null;
  const prefix = `${config.redis.keyPrefix}rl:${name}`;
  const cacheId = `${prefix}:${setting.limit}/${setting.windowSeconds}`;
  let ephemeralCache = blockedCaches.get(cacheId);
  if (!ephemeralCache) blockedCaches.set(cacheId, (ephemeralCache = new Map()));
  return new Ratelimit({
    redis: redis as Redis,
    limiter: Ratelimit.slidingWindow(setting.limit, `${setting.windowSeconds} s`),
    prefix,
    timeout: config.abuse.limiterTimeoutMs,
    ephemeralCache,
    analytics: false,
  });
}

export const upstashRateLimiter = (redis: LimiterRedis, config: Config): RateLimiter => ({
  consume(name, identifier) {
    const ratelimit = limiter(redis, config, name);
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
