// Upstash Redis over REST. One client per isolate and config (src/store/index.ts); the request
// it serves comes from the trace scope (src/store/trace-scope.ts), read by the client's public
// `use` middleware for the timing and the request id header (the local stack's counters).
import { Redis, errors } from '@upstash/redis/cloudflare';
import type { Config } from '../config/index.ts';
import { StoreUnavailableError } from '../shared/errors.ts';
import { REQUEST_ID_HEADER } from '../shared/trace.ts';
import { currentTrace } from './trace-scope.ts';

export function createRedis(config: Config): Redis {
  const redis = new Redis({
    url: config.redis.url,
    token: config.redis.token,
    // Fail closed and fast: the client's default (5 retries, exponential backoff) would hold a
    // request for ~12 s before reporting a dead Redis. One quick retry covers a dropped socket.
    retry: { retries: 1, backoff: () => 25 },
    signal: () => AbortSignal.timeout(config.storeTimeoutMs),
    enableTelemetry: false,
    // Off: the services batch explicitly (pipeline / scripts) so round trips stay countable,
    // and an isolate-wide auto-pipeline would mix requests in one fetch (which workerd ties to
    // the request that sent it). The rate limiters batch per request (src/store/tick-batch.ts).
    enableAutoPipelining: false,
    // Raw strings back: the client would otherwise JSON.parse every reply, turning a stored
    // "123" or "true" into a number or boolean behind our back.
    automaticDeserialization: false,
    // Replies as JSON text, not base64: every value this service stores is UTF-8 text, and the
    // client's default decodes each string of each reply from base64 in JavaScript (a tenth of
    // the Upstash client's CPU on a refresh).
    responseEncoding: false,
  });
  redis.use(async (req, next) => {
    const trace = currentTrace();
    const started = performance.now();
    try {
      return await next(
        trace ? { ...req, headers: { ...req.headers, [REQUEST_ID_HEADER]: trace.requestId } } : req,
      );
    } catch (error) {
      if (isNoScriptReply(error)) throw error;
      throw new StoreUnavailableError('redis', error);
    } finally {
      trace?.record('redis', performance.now() - started);
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
