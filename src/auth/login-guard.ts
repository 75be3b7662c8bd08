// What a login must pass before its password is checked: the per-address and per-email rate
// limits, the account's backoff (src/abuse/login-backoff.ts) and, when configured, Turnstile.
//
// Round trips: both limiters and the backoff reservation are issued in one tick, which the
// store batches (src/store/tick-batch.ts), so they are ONE Redis request, and it runs concurrently with the SQL lookup of the
// user (src/auth/accounts.ts). A successful login therefore still waits for one SQL read and
// one Redis request before hashing, then the session script: 1 SQL + 2 Redis, no longer.
//
// Login FAILS CLOSED: if Redis errors or does not answer within STORE_TIMEOUT, the attempt is
// refused with 503 rather than checked unthrottled, because an outage must not become a window
// for stuffing. RATE_LIMIT_TIMEOUT does not apply here: it measures how busy the isolate is as
// much as Redis, and a busy isolate must not refuse logins (src/store/rate-limiters.ts).
//
// The guard knows no HTTP: the composition root builds it (services.loginGuard), and the route
// copies `rateLimitFields` onto its response once the guard has admitted the attempt.
import { ipLimitKey } from '../abuse/client-ip.ts';
import { emailLimiterKey } from '../abuse/email-key.ts';
import {
  type LimitOutcome,
  type RateLimiter,
  rateLimitedError,
  rateLimitHeaders,
  retryAfterOf,
} from '../abuse/limiters.ts';
import {
  type LoginBackoffStore,
  recordLoginFailure,
  recordLoginSuccess,
  releaseAttempt,
  type Reservation,
  reserveAttempt,
  successNeedsWrite,
} from '../abuse/login-backoff.ts';
import { verifyTurnstile } from '../abuse/turnstile.ts';
import type { AuditRecorder } from '../audit/events.ts';
import type { Config } from '../config/index.ts';
import { AuthError, StoreUnavailableError } from '../shared/errors.ts';
import { describeCause } from '../shared/safe-cause.ts';
import type { LoginGuard } from './accounts.ts';

export interface LoginGuardDeps {
  config: Config;
  /** The client address (the per-address limit, Turnstile's remoteip). */
  ip: string;
  /** For the log line of a failure that could not be recorded. */
  requestId: string;
  limits: RateLimiter;
  backoff: LoginBackoffStore;
  audit: AuditRecorder;
  /** Keeps the verdict's write alive after the response (ctx.waitUntil). */
  keepAlive: (work: Promise<unknown>) => void;
}

export interface LoginGuardOptions {
  /** Whether Turnstile (when configured) applies: not to a signed-in user's own password. */
  turnstile: boolean;
}

export interface RateLimitedLoginGuard extends LoginGuard {
  /** RateLimit-* fields for the response, once admit() has run (draft-ietf-httpapi-ratelimit-headers). */
  readonly rateLimitFields: Record<string, string>;
}

const failClosed = (cause: unknown) =>
  cause instanceof AuthError ? cause : new StoreUnavailableError('redis', cause);

export function createLoginGuard(
  deps: LoginGuardDeps,
  email: string,
  turnstileToken: string | undefined,
  options: LoginGuardOptions = { turnstile: true },
): RateLimitedLoginGuard {
  const { config, ip, backoff, audit } = deps;
  const keyOfEmail = emailLimiterKey(config.keys.ring, email);
  const limiter = deps.limits;
  let rateLimitFields: Record<string, string> = {};
  let backoffKey = '';
  let reservation: Reservation | undefined;

  const limits = async (): Promise<LimitOutcome[]> => {
    const [emailId] = await Promise.all([keyOfEmail, backoff.ready()]);
    backoffKey = `${config.redis.keyPrefix}lb:${emailId}`;
    // Synchronous from here to the awaits: one batched request.
    const pending = [
      limiter.consume('login_ip', ipLimitKey(ip), { failClosed: true }),
      limiter.consume('login_email', emailId, { failClosed: true }),
    ];
    // The attempt is counted here, before its password is checked, atomically: N parallel
    // attempts see N different counts (src/abuse/login-backoff.ts). A reservation outlives a
    // crashed attempt by at most the time a live one can take: the SQL lookup and the verdict's
    // write (a store timeout each) and the hash.
    const reserved = reserveAttempt(backoff, backoffKey, config.abuse.backoff, {
      now: Date.now(),
      pendingTtlMs: 2 * config.storeTimeoutMs + 5_000,
    });
    const [outcomes, admitted] = await Promise.all([Promise.all(pending), reserved]);
    reservation = admitted;
    return outcomes.filter((o): o is LimitOutcome => o !== undefined);
  };

  return {
    get rateLimitFields() {
      return rateLimitFields;
    },

    async admit() {
      const human =
        config.abuse.turnstile && options.turnstile
          ? verifyTurnstile(config.abuse.turnstile, turnstileToken, ip, config.storeTimeoutMs)
          : undefined;
      const [limited, proven] = await Promise.allSettled([limits(), human]);
      if (limited.status === 'rejected') throw failClosed(limited.reason);
      const now = Date.now();
      const outcomes = limited.value;
      const refusal = (): unknown => {
        const refused = outcomes.find((o) => !o.allowed);
        if (refused) {
          const error = rateLimitedError(refused, now);
          audit.record({
            type: 'rate_limited',
            details: { limiter: refused.limiter, retry_after: retryAfterOf(error) },
          });
          return error;
        }
        if (reservation && !reservation.admitted) return backoffRefusal(deps, reservation, now);
        if (proven.status === 'rejected') return proven.reason as unknown;
        return undefined;
      };
      const error = refusal();
      if (error !== undefined) {
        // Refused before the password check: an admitted attempt must not hold a place in the
        // account's budget until its reservation expires.
        if (reservation?.admitted) {
          const { attemptId } = reservation;
          deps.keepAlive(releaseAttempt(backoff, backoffKey, attemptId).catch(() => undefined));
        }
        throw error;
      }
      rateLimitFields = rateLimitHeaders(outcomes, now);
    },

    async failed(userId) {
      try {
        if (!reservation) return;
        const next = await recordLoginFailure(
          backoff,
          backoffKey,
          reservation.attemptId,
          config.abuse.backoff,
          Date.now(),
        );
        if (next.blockedUntil > 0) {
          audit.record({
            type: 'login_throttled',
            userId: userId ?? null,
            details: {
              failures: next.failures,
              retry_after: Math.ceil((next.blockedUntil - Date.now()) / 1000),
            },
          });
        }
      } catch (error) {
        // The 401 stands; the next attempt's admit() fails closed if Redis is really down.
        console.warn(
          JSON.stringify({
            level: 'warn',
            msg: 'login failure not recorded',
            request_id: deps.requestId,
            cause: describeCause(error),
          }),
        );
      }
    },

    succeeded() {
      if (!reservation || !successNeedsWrite(reservation)) return;
      deps.keepAlive(recordLoginSuccess(backoff, backoffKey, reservation.attemptId).catch(() => 0));
    },
  };
}

/**
 * 429 without a password check: the account is backing off, or the attempts already in flight
 * use up what its failures leave (each of them may be the failure that starts the wait).
 */
function backoffRefusal(deps: LoginGuardDeps, reservation: Reservation, now: number): AuthError {
  const blocked = reservation.blockedUntil > now;
  const waitMs = blocked
    ? reservation.blockedUntil - now
    : deps.config.abuse.backoff.baseSeconds * 1000;
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  deps.audit.record({
    type: 'rate_limited',
    details: {
      limiter: 'login_backoff',
      reason: blocked ? 'backing_off' : 'attempts_in_flight',
      retry_after: retryAfter,
    },
  });
  const description = blocked
    ? `Too many failed attempts; retry in ${retryAfter} s.`
    : `Too many login attempts in flight for this account; retry in ${retryAfter} s.`;
  return new AuthError('rate_limited', description, {
    headers: { 'Retry-After': String(retryAfter) },
  });
}
