// Rate limits at the HTTP edge. `rateLimit(name)` guards a route by client address (register,
// password-reset requests). They FAIL OPEN (src/compose/rate-limits.ts): when Redis errors or
// the limiter times out the request proceeds and a warning is logged. Login is the exception
// and fails closed (src/auth/login-guard.ts): it is what credential stuffing targets. The
// per-session refresh limit is not here: it is counted inside the rotation script
// (src/store/session-store-scripts.ts), at no extra round trip, after reuse detection.
import type { Context, Next } from 'hono';
import { ipLimitKey } from '../abuse/client-ip.ts';
import {
  type LimiterName,
  type LimitOutcome,
  rateLimitedError,
  rateLimitHeaders,
  retryAfterOf,
} from '../abuse/limiters.ts';
import type { AppEnv } from './context.ts';

/**
 * Counts the request; throws 429 when over the limit (audited). Fails open; returns the
 * outcome (for the response's RateLimit-* fields) when the limiter answered.
 */
export async function enforceOpen<E extends AppEnv>(
  c: Context<E>,
  name: LimiterName,
  identifier: string,
  userId?: string,
): Promise<LimitOutcome | undefined> {
  const { services } = c.var;
  const outcome = await services.limits.consumeOpen(name, identifier);
  if (outcome && !outcome.allowed) {
    const error = rateLimitedError(outcome, Date.now());
    services.audit.record({
      type: 'rate_limited',
      userId: userId ?? null,
      details: { limiter: name, retry_after: retryAfterOf(error) },
    });
    throw error;
  }
  return outcome;
}

/**
 * Middleware: limits a route per client address (IPv6 by /64). Generic in the route's env, so
 * it also runs inside routes whose middleware added variables (the hosted pages' form).
 */
export function rateLimit(name: LimiterName) {
  return async function rateLimitByAddress<E extends AppEnv>(c: Context<E>, next: Next) {
    const outcome = await enforceOpen(c, name, ipLimitKey(c.var.services.client.ip));
    await next();
    if (outcome) {
      for (const [field, value] of Object.entries(rateLimitHeaders([outcome], Date.now()))) {
        c.res.headers.set(field, value);
      }
    }
  };
}
