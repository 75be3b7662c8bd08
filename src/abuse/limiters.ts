// Rate limits: which limits exist, what a consulted limit answered, and the 429 a refusal gets.
// Counting is the store's (src/store/rate-limiters.ts: sliding windows with @upstash/ratelimit,
// on the request's batched Redis commands, so limiters consulted in the same tick (a login's per-IP
// and per-email limits, plus its backoff reservation) travel as ONE request).
import type { AbuseConfig, RateLimit } from '../config/abuse.ts';
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
  /**
   * The limiter did not answer within RATE_LIMIT_TIMEOUT (@upstash/ratelimit then allows).
   * Never for a `failClosed` consume.
   */
  timedOut: boolean;
}

/** The setting of limit `name`; null when that limit is off. */
export const limitSetting = (abuse: AbuseConfig, name: LimiterName): RateLimit | null =>
  abuse.limits[SETTING[name]];

export interface ConsumeOptions {
  /**
   * The caller refuses the request when the limiter cannot answer (login). Then there is no
   * RATE_LIMIT_TIMEOUT: a busy isolate reads a timely reply late, and that must not become a
   * refusal (src/store/rate-limiters.ts). The store's own deadline (STORE_TIMEOUT) still
   * bounds a Redis that does not answer, and that rejects.
   */
  failClosed?: boolean;
}

/** The port: a store that counts requests against the limits. */
export interface RateLimiter {
  /**
   * Counts one request against `name` for `identifier`. Undefined when that limit is off.
   * Rejects when the store fails; the caller decides whether that fails open or closed. The
   * command is issued synchronously, so limits consulted in one tick share a round trip.
   */
  consume(
    name: LimiterName,
    identifier: string,
    options?: ConsumeOptions,
  ): Promise<LimitOutcome> | undefined;
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
