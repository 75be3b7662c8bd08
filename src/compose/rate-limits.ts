// The rate limiters of a request, bound to the auto-pipelined Redis client (limiters consulted
// in the same tick travel as ONE request: src/abuse/limiters.ts).
import { consume, type LimiterName, type LimitOutcome } from '../abuse/limiters.ts';
import type { Config } from '../config/index.ts';
import { describeCause } from '../shared/safe-cause.ts';
import type { Redis } from '../store/index.ts';

export interface RateLimits {
  /**
   * Counts one request against `name` for `identifier`; undefined when that limit is off.
   * Rejects when Redis fails: the caller decides whether that fails open or closed.
   */
  consume(name: LimiterName, identifier: string): Promise<LimitOutcome> | undefined;
  /**
   * The same, failing OPEN: undefined (and a warning) when the limiter failed or timed out,
   * because refusing every registration while Redis hiccups hurts real users more than a few
   * unthrottled requests. Login fails closed instead (src/http/login-guard.ts).
   */
  consumeOpen(name: LimiterName, identifier: string): Promise<LimitOutcome | undefined>;
}

export function rateLimits(config: Config, requestId: string, redis: () => Redis): RateLimits {
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
    consume: (name, identifier) => consume(redis(), config, name, identifier),
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
