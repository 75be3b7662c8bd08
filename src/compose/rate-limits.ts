// The rate limiters of a request (the src/abuse port over the request's batched Redis commands:
// limiters consulted in the same tick travel as ONE request), and their fail-open variant.
import type { LimiterName, LimitOutcome, RateLimiter } from '../abuse/limiters.ts';
import { describeCause } from '../shared/safe-cause.ts';

export interface RateLimits extends RateLimiter {
  /**
   * The same, failing OPEN: undefined (and a warning) when the limiter failed or timed out,
   * because refusing every registration while Redis hiccups hurts real users more than a few
   * unthrottled requests. Login fails closed instead (src/auth/login-guard.ts).
   */
  consumeOpen(name: LimiterName, identifier: string): Promise<LimitOutcome | undefined>;
}

export function rateLimits(requestId: string, limiter: RateLimiter): RateLimits {
  const warnFailOpen = (limiter: LimiterName, cause: unknown) =>
    console.warn(
      JSON.stringify({
        level: 'warn',
        msg: 'rate limiter unavailable; request allowed',
        limiter,
        request_id: requestId,
        cause: describeCause(cause),
      }),
    );
  const limits: RateLimits = {
    consume: limiter.consume,
    async consumeOpen(name, identifier) {
      let outcome: LimitOutcome | undefined;
      try {
        outcome = await limits.consume(name, identifier);
      } catch (error) {
        warnFailOpen(name, error);
        return undefined;
      }
      if (outcome?.timedOut) {
        warnFailOpen(name, new Error('limiter timed out'));
        return undefined;
      }
      return outcome;
    },
  };
  return limits;
}
