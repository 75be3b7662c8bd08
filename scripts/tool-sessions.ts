// The sessions of a user, from a Node-side tool: `npm run user -- delete | revoke-sessions`
// end them through the Worker's own store (src/store/user-session-sweeps.ts, one script per user), over
// Upstash REST. Against the local stack that is the stack's Upstash bridge; against a deployment
// (DATABASE_URL set) UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be given too.
import type { UserSessionStore } from '../src/auth/user-session-sweeps.ts';
import type { Config } from '../src/config/index.ts';
import type { Redis as WorkerRedis } from '../src/store/index.ts';
import { redisUserSessionStore } from '../src/store/user-session-sweeps.ts';
import { CliError } from './admin-cli.ts';
import { toolRedis } from './tool-config.ts';

export function openToolSessions(env: NodeJS.ProcessEnv, config: Config): UserSessionStore {
  // toolConfig defaults Redis to the local stack; against a deployment it must be given.
  if (env.DATABASE_URL && !(env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN)) {
    throw new CliError(
      'with DATABASE_URL set, UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are needed ' +
        'too: the sessions live in Redis',
    );
  }
  const redis = toolRedis(config);
  // The Node and Workers builds of @upstash/redis are one client class with one createScript.
  return redisUserSessionStore(redis as unknown as WorkerRedis, config.redis.keyPrefix);
}
