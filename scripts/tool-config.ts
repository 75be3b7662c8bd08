// Worker configuration for Node-side tools. Against the local stack the dev issuer, the dev
// KEK and the stack's Upstash endpoint are the defaults; with DATABASE_URL set, tools that
// need Redis (keys rotate) need UPSTASH_REDIS_REST_URL/TOKEN too (else inert placeholders).
import { Redis } from '@upstash/redis';
import { devSecrets } from '../dev/dev-secrets.ts';
import { localTarget } from '../dev/local-target.ts';
import { type Config, loadConfig } from '../src/config/index.ts';

export function toolConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const local = !env.DATABASE_URL;
  // Against the local stack: the one and the issuer the running `npm run dev` recorded, unless
  // the environment names others (dev/local-target.ts).
  const target = local ? localTarget(env) : undefined;
  const issuer = env.ISSUER ?? target?.issuer;
  const kek = env.KEY_ENCRYPTION_KEY ?? (local ? devSecrets().KEY_ENCRYPTION_KEY : undefined);
  return loadConfig({
    ...env,
    DATABASE_URL: env.DATABASE_URL ?? 'postgres://edge:edge@127.0.0.1:5432/edge_auth',
    UPSTASH_REDIS_REST_URL:
      env.UPSTASH_REDIS_REST_URL ?? target?.stackUrl ?? 'http://redis.unused.invalid',
    UPSTASH_REDIS_REST_TOKEN: env.UPSTASH_REDIS_REST_TOKEN ?? target?.stackToken ?? 'unused',
    // Left out when unset (not set to undefined): loadConfig names the missing variable.
    ...(issuer === undefined ? {} : { ISSUER: issuer }),
    ...(kek === undefined ? {} : { KEY_ENCRYPTION_KEY: kek }),
  });
}

/**
 * The Worker's Redis as a Node-side tool reaches it (the stack's Upstash bridge, or
 * UPSTASH_REDIS_REST_URL/TOKEN), raw strings back as in the Worker (src/store/redis.ts).
 */
export const toolRedis = (config: Config): Redis =>
  new Redis({
    url: config.redis.url,
    token: config.redis.token,
    automaticDeserialization: false,
    enableTelemetry: false,
    retry: { retries: 2, backoff: () => 200 },
  });
