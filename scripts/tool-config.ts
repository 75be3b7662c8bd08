// Worker configuration for Node-side tools. They touch Postgres only, so the Redis variables
// get inert placeholders; against the local stack the dev issuer and dev KEK are the defaults.
import { devSecrets } from '../dev/dev-secrets.ts';
import { type Config, loadConfig } from '../src/config/index.ts';

export function toolConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const local = !env.DATABASE_URL;
  return loadConfig({
    ...env,
    DATABASE_URL: env.DATABASE_URL ?? 'postgres://edge:edge@127.0.0.1:5432/edge_auth',
    UPSTASH_REDIS_REST_URL: env.UPSTASH_REDIS_REST_URL ?? 'http://redis.unused.invalid',
    UPSTASH_REDIS_REST_TOKEN: env.UPSTASH_REDIS_REST_TOKEN ?? 'unused',
    ISSUER: env.ISSUER ?? (local ? `http://localhost:${env.PORT ?? 8787}` : undefined),
    KEY_ENCRYPTION_KEY:
      env.KEY_ENCRYPTION_KEY ?? (local ? devSecrets().KEY_ENCRYPTION_KEY : undefined),
  });
}
