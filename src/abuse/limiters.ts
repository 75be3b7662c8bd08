// Sliding-window rate limits with @upstash/ratelimit. Each limiter is one EVALSHA; they run on
// the auto-pipelined Redis client (src/store/redis.ts), so limiters consulted in the same tick
// (a login's per-IP and per-email limits, plus its backoff read) travel as ONE request.
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis/cloudflare';
import type { AbuseConfig } from '../config/abuse.ts';
import type { Config } from '../config/index.ts';
import { AuthError } from '../shared/errors.ts';

export type LimiterName =
  'login_ip' | 'login_email' | 'register_ip' | 'reset_ip' | 'refresh_session' | 'mail_recipient';

const SETTING: Record<LimiterName, keyof AbuseConfig['limits']> = {
  login_ip: 'loginIp',
  login_email: 'loginEmail',
  register_ip: 'registerIp',
  reset_ip: 'resetIp',
  refresh_session: 'refreshSession',
  mail_recipient: 'mailRecipient',
};

export interface LimitOutcome {
  limiter: LimiterName;
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix time (ms) at which the window next frees a request. */
  reset: number;
  /** The limiter did not answer within RATE_LIMIT_TIMEOUT (@upstash/ratelimit then allows). */
  timedOut: boolean;
}

/** The narrow slice of the client the limiters use (ratelimit-js asks for no more). */
export type LimiterRedis = Pick<Redis, 'evalsha' | 'eval' | 'get' | 'set'>;

// Per isolate, per limiter and setting: identifiers already over their limit, so a flood from
// one address is refused from memory until its window resets, without a Redis call each time.
const blockedCaches = new Map<string, Map<string, number>>();

function limiter(redis: LimiterRedis, config: Config, name: LimiterName): Ratelimit | null {
  const setting = config.abuse.limits[SETTING[name]];
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

/**
 * Counts one request against `name` for `identifier`. Undefined when that limit is off.
 * Rejects when Redis fails; the caller decides whether that fails open or closed.
 */
export function consume(
  redis: LimiterRedis,
  config: Config,
  name: LimiterName,
  identifier: string,
): Promise<LimitOutcome> | undefined {
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
}

const secondsUntil = (at: number, now: number) => Math.max(1, Math.ceil((at - now) / 1000));

/**
 * RateLimit-Limit / -Remaining / -Reset (draft-ietf-httpapi-ratelimit-headers; Reset in
 * delta-seconds) for the most constraining of the outcomes.
 */
export function rateLimitHeaders(outcomes: LimitOutcome[], now: number): Record<string, string> {
  const tightest = outcomes.reduce<LimitOutcome | undefined>(
    (worst, o) => (!worst || o.remaining < worst.remaining ? o : worst),
    undefined,
  );
  if (!tightest || tightest.timedOut) return {};
  return {
    'RateLimit-Limit': String(tightest.limit),
    'RateLimit-Remaining': String(tightest.remaining),
    'RateLimit-Reset': String(secondsUntil(tightest.reset, now)),
  };
}

/** Whole seconds until a refused outcome's window frees a request. */
export const retryAfterSeconds = (refused: LimitOutcome, now: number) =>
  secondsUntil(refused.reset, now);

/** The 429 for a refused outcome: Retry-After (RFC 9110 §10.2.3) plus the RateLimit fields. */
export function rateLimitedError(refused: LimitOutcome, now: number): AuthError {
  const retryAfter = retryAfterSeconds(refused, now);
  return new AuthError('rate_limited', `Too many requests; retry in ${retryAfter} s.`, {
    headers: { 'Retry-After': String(retryAfter), ...rateLimitHeaders([refused], now) },
  });
}

export const retryAfterOf = (error: AuthError): number => Number(error.headers['Retry-After'] ?? 0);
