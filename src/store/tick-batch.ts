// One request's script calls, batched by tick: every EVALSHA / EVAL issued before the next
// microtask travels in ONE pipeline request. The rate limiters need it: @upstash/ratelimit sends
// one command per limiter, and a login consults two limiters and its backoff reservation at
// once (src/auth/login-guard.ts), which must stay one round trip. Upstash's own
// auto-pipelining does the same, but only as a property of a whole client: an isolate-wide
// client would mix requests in one fetch, and a client per request is what cost the CPU
// (src/store/trace-scope.ts). This is built per request and costs one closure per call.
import { errors } from '@upstash/redis/cloudflare';
import { StoreUnavailableError } from '../shared/errors.ts';
import type { Redis } from '@upstash/redis/cloudflare';

/** The commands the limiters and the backoff reservation use; nothing more. */
export type ScriptCommands = Pick<Redis, 'evalsha' | 'eval'>;

interface Queued {
  command: 'evalsha' | 'eval';
  script: string;
  keys: string[];
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function tickBatched(redis: Pick<Redis, 'pipeline'>): ScriptCommands {
  let queue: Queued[] | undefined;

  const flush = async () => {
    const batch = queue ?? [];
    queue = undefined;
    let pipeline = redis.pipeline();
    for (const call of batch) pipeline = pipeline[call.command](call.script, call.keys, call.args);
    let replies: { result?: unknown; error?: string | undefined }[];
    try {
      replies = await pipeline.exec({ keepErrors: true });
    } catch (error) {
      for (const call of batch) call.reject(error);
      return;
    }
    batch.forEach((call, i) => {
      const reply = replies[i];
      if (reply?.error === undefined) return call.resolve(reply?.result);
      // NOSCRIPT is protocol (the caller retries with EVAL, as the client's own would); any
      // other error reply means Redis did not do what was asked: fail closed (src/store/redis.ts).
      call.reject(
        reply.error.toLowerCase().includes('noscript')
          ? new errors.UpstashError(`Command failed: ${reply.error}`)
          : new StoreUnavailableError('redis', new Error(reply.error)),
      );
    });
  };

  const enqueue =
    (command: Queued['command']) =>
    (script: string, keys: string[], args: unknown[]): Promise<unknown> =>
      new Promise((resolve, reject) => {
        if (!queue) {
          queue = [];
          // Two turns, as Upstash's auto-pipeline defers: a caller whose first await precedes
          // its command (an async wrapper) still joins the batch.
          void Promise.resolve()
            .then(() => undefined)
            .then(flush);
        }
        queue.push({ command, script, keys, args, resolve, reject });
      });

  return { evalsha: enqueue('evalsha'), eval: enqueue('eval') } as ScriptCommands;
}
