// Rate limits at the HTTP edge. `rateLimit(name)` guards a route by client address (register,
// password-reset requests). They FAIL OPEN: when Redis errors or the limiter times out the
// request proceeds and a warning is logged, because refusing every registration while Redis
// hiccups hurts real users more than a few unthrottled requests. Login is the exception and
// fails closed (src/http/login-guard.ts): it is what credential stuffing targets. The
// per-session refresh limit is not here: it is counted inside the rotation script
// (src/store/session-scripts.ts), at no extra round trip, after reuse detection.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ipLimitKey } from '../abuse/client-ip.ts';
import {
  type LimiterName,
  type LimitOutcome,
  rateLimitedError,
  rateLimitHeaders,
  retryAfterOf,
} from '../abuse/limiters.ts';
import { audit } from './audit.ts';
import type { AppEnv } from './context.ts';
import { clientInfo } from '../compose/services.ts';
import { rateLimiter } from '../compose/abuse.ts';
import { describeCause } from '../shared/safe-cause.ts';

function warnFailOpen(c: Context<AppEnv>, limiter: LimiterName, cause: unknown): void {
  console.warn(
    JSON.stringify({
      level: 'warn',
      msg: 'rate limiter unavailable; request allowed',
      limiter,
      request_id: c.var.requestId,
      cause: describeCause(cause),
    }),
  );
}

/**
 * Counts one request; undefined when the limit is off or the limiter failed or timed out
 * (fail open, with a warning).
 */
export async function consumeOpen(
  c: Context<AppEnv>,
  name: LimiterName,
  identifier: string,
): Promise<LimitOutcome | undefined> {
  let outcome: LimitOutcome | undefined;
  try {
    outcome = await rateLimiter(c.var.stores, c.var.config).consume(name, identifier);
  } catch (error) {
    warnFailOpen(c, name, error);
    return undefined;
  }
  if (outcome?.timedOut) {
    warnFailOpen(c, name, new Error('limiter timed out'));
    return undefined;
  }
  return outcome;
}

/**
 * Counts the request; throws 429 when over the limit (audited). Fails open; returns the
 * outcome (for the response's RateLimit-* fields) when the limiter answered.
 */
export async function enforceOpen(
  c: Context<AppEnv>,
  name: LimiterName,
  identifier: string,
  userId?: string,
): Promise<LimitOutcome | undefined> {
  const outcome = await consumeOpen(c, name, identifier);
  if (outcome && !outcome.allowed) {
    const error = rateLimitedError(outcome, Date.now());
    audit(c).record({
      type: 'rate_limited',
      userId: userId ?? null,
      details: { limiter: name, retry_after: retryAfterOf(error) },
    });
    throw error;
  }
  return outcome;
}

/** Middleware: limits a route per client address (IPv6 by /64). */
export function rateLimit(name: LimiterName) {
  return createMiddleware<AppEnv>(async function rateLimitByAddress(c, next) {
    const outcome = await enforceOpen(c, name, ipLimitKey(clientInfo(c).ip));
    await next();
    if (outcome) {
      for (const [field, value] of Object.entries(rateLimitHeaders([outcome], Date.now()))) {
        c.res.headers.set(field, value);
      }
    }
  });
}
