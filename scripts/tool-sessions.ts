// The sessions of a user, from a Node-side tool: `npm run user -- delete | revoke-sessions`
// end them through the Worker's own store (src/store/user-sessions.ts, one script per user), over
// Upstash REST. Against the local stack that is the stack's Upstash bridge; against a deployment
// (DATABASE_URL set) UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be given too.
import { Redis } from '@upstash/redis';
import type { UserSessionStore } from '../src/auth/user-sessions.ts';
import type { Config } from '../src/config/index.ts';
import type { Redis as WorkerRedis } from '../src/store/index.ts';
import { redisUserSessionStore } from '../src/store/user-sessions.ts';
import { CliError } from './admin-cli.ts';

/** The bridge's token when `npm run dev` / `npm run stack` started it (dev/stack.ts). */
const LOCAL_STACK_TOKEN = 'local-upstash-token';

export function openToolSessions(env: NodeJS.ProcessEnv, config: Config): UserSessionStore {
  const local = !env.DATABASE_URL;
  const url =
    env.UPSTASH_REDIS_REST_URL ??
    (local ? (env.STACK_URL ?? `http://127.0.0.1:${env.STACK_PORT ?? 8799}`) : undefined);
  const token = env.UPSTASH_REDIS_REST_TOKEN ?? (local ? LOCAL_STACK_TOKEN : undefined);
  if (!url || !token) {
    throw new CliError(
      'with DATABASE_URL set, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are needed ' +
        'too: the sessions live in Redis',
    );
  }
  const redis = new Redis({
    url,
    token,
    retry: { retries: 1, backoff: () => 25 },
    enableTelemetry: false,
    automaticDeserialization: false,
  });
  // The Node and Workers builds of @upstash/redis are one client class with one createScript.
  return redisUserSessionStore(redis as unknown as WorkerRedis, config.redis.keyPrefix);
}
