// Upstash Redis over REST. One client per request: it carries the request's trace (timing,
// request id for the local stack's counters) through the client's public `use` middleware.
import { Redis, errors } from '@upstash/redis/cloudflare';
import type { Config } from '../config/index.ts';
import { StoreUnavailableError } from '../shared/errors.ts';
import { REQUEST_ID_HEADER, type RequestTrace } from '../shared/trace.ts';

export function createRedis(
  config: Config,
  trace: RequestTrace,
  options: { autoPipelining?: boolean } = {},
): Redis {
  const redis = new Redis({
    url: config.redis.url,
    token: config.redis.token,
    // Fail closed and fast: the client's default (5 retries, exponential backoff) would hold a
    // request for ~12 s before reporting a dead Redis. One quick retry covers a dropped socket.
    retry: { retries: 1, backoff: () => 25 },
    signal: () => AbortSignal.timeout(config.storeTimeoutMs),
    enableTelemetry: false,
    // Off for the services, which batch explicitly (pipeline / multi / scripts) so round trips
    // stay countable. On only for the rate limiters' client: @upstash/ratelimit sends one
    // command per limiter, and auto-pipelining folds the commands issued in one tick (a
    // login's two limiters and its backoff read) into one request (src/abuse/limiters.ts).
    enableAutoPipelining: options.autoPipelining ?? false,
    // Raw strings back: the client would otherwise JSON.parse every reply, turning a stored
    // "123" or "true" into a number or boolean behind our back.
    automaticDeserialization: false,
  });
  redis.use(async (req, next) => {
    const started = performance.now();
    try {
      return await next({
        ...req,
        headers: { ...req.headers, [REQUEST_ID_HEADER]: trace.requestId },
      });
    } catch (error) {
      if (isNoScriptReply(error)) throw error;
      throw new StoreUnavailableError('redis', error);
    } finally {
      trace.record('redis', performance.now() - started);
    }
  });
  return redis;
}

// Inside this middleware every failure means Redis did not answer the command: refused, timed
// out, an HTML 502 from a proxy, a 5xx, a quota exceeded, and also an error reply ("ERR ...",
// which over REST is indistinguishable from an endpoint that is up but is no Redis). A command
// that could not be answered must never let a token through, so all of them fail closed as
// StoreUnavailableError (503); the log line keeps the cause for debugging. The one exception is
// NOSCRIPT: it is protocol, which the client's script helper answers by retrying with EVAL
// (it matches the same way, case-insensitively).
function isNoScriptReply(error: unknown): boolean {
  return error instanceof errors.UpstashError && error.message.toLowerCase().includes('noscript');
}
