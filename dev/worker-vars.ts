// The Worker variables that point it at a running local stack: used by `npm run dev`, the
// benchmarks and the Node-side end-to-end tests that start `wrangler dev` themselves.
import type { Bindings } from '../src/config/index.ts';
import type { DevSecrets } from './dev-secrets.ts';
import type { Stack } from './stack.ts';

export function workerVarsFor(
  stack: Pick<Stack, 'url' | 'token'>,
  issuer: string,
  secrets: DevSecrets,
): Record<string, string> {
  return {
    // The bridge ignores the connection string's host; the Neon client only needs it well-formed.
    DATABASE_URL: 'postgres://edge:edge@127.0.0.1:5432/edge_auth',
    NEON_FETCH_ENDPOINT: `${stack.url}/sql`,
    UPSTASH_REDIS_REST_URL: stack.url,
    UPSTASH_REDIS_REST_TOKEN: stack.token,
    ISSUER: issuer,
    KEY_ENCRYPTION_KEY: secrets.KEY_ENCRYPTION_KEY,
    // Only consulted when TURNSTILE_SECRET is set (try 1x0000000000000000000000000000000AA).
    TURNSTILE_VERIFY_URL: `${stack.url}/turnstile/v0/siteverify`,
    // Mail lands in the stack's dev mailbox: http://127.0.0.1:<stack port>/mailbox.
    DEV_MAILBOX_URL: `${stack.url}/mailbox/messages`,
    DEV_MAILBOX_TOKEN: stack.token,
    // Production requires verified emails; locally a new account can log in at once.
    // `npm run dev` keeps one set in the shell (workerVarsFromShell below).
    REQUIRE_EMAIL_VERIFICATION: 'false',
  };
}

/**
 * Every variable the Worker reads (src/config Bindings; the compiler insists on each), and
 * whether `npm run dev` takes it from the shell ('shell') or sets it itself to reach the local
 * stack ('stack'). ISSUER and KEY_ENCRYPTION_KEY come from the shell when set there, else the
 * dev defaults; REQUIRE_EMAIL_VERIFICATION likewise (false here unless set).
 */
const WORKER_VARIABLES: Record<keyof Required<Bindings>, 'shell' | 'stack'> = {
  DATABASE_URL: 'stack', // in the shell it means the stack's Postgres (dev/stack.ts)
  NEON_FETCH_ENDPOINT: 'stack',
  UPSTASH_REDIS_REST_URL: 'stack',
  UPSTASH_REDIS_REST_TOKEN: 'stack',
  DEV_MAILBOX_URL: 'stack',
  DEV_MAILBOX_TOKEN: 'stack',
  TURNSTILE_VERIFY_URL: 'stack',
  REDIS_KEY_PREFIX: 'shell',
  STORE_TIMEOUT: 'shell',
  ISSUER: 'shell',
  AUDIENCES: 'shell',
  ACCESS_TOKEN_TTL: 'shell',
  REFRESH_TOKEN_TTL: 'shell',
  SESSION_MAX_LIFETIME: 'shell',
  REFRESH_REUSE_GRACE: 'shell',
  CLOCK_SKEW: 'shell',
  ARGON2_MEMORY_KIB: 'shell',
  ARGON2_ITERATIONS: 'shell',
  ARGON2_PARALLELISM: 'shell',
  LOGIN_FAILURE_MIN_MS: 'shell',
  KEY_ENCRYPTION_KEY: 'shell',
  ROLE_SCOPES: 'shell',
  DEFAULT_ROLES: 'shell',
  SESSION_CAP: 'shell',
  SIGNING_KEY_BITS: 'shell',
  KEY_ROTATION_PERIOD: 'shell',
  KEY_PUBLISH_LEAD: 'shell',
  KEY_CACHE_TTL: 'shell',
  JWKS_MAX_AGE: 'shell',
  JWKS_STALE_WHILE_REVALIDATE: 'shell',
  JWKS_STALE_IF_ERROR: 'shell',
  JWKS_EDGE_TTL: 'shell',
  RATE_LIMIT_LOGIN_IP: 'shell',
  RATE_LIMIT_LOGIN_EMAIL: 'shell',
  RATE_LIMIT_REGISTER_IP: 'shell',
  RATE_LIMIT_RESET_IP: 'shell',
  RATE_LIMIT_REFRESH_SESSION: 'shell',
  RATE_LIMIT_MAIL_RECIPIENT: 'shell',
  RATE_LIMIT_TIMEOUT: 'shell',
  LOGIN_BACKOFF_AFTER: 'shell',
  LOGIN_BACKOFF_BASE: 'shell',
  LOGIN_BACKOFF_MAX: 'shell',
  TURNSTILE_SECRET: 'shell',
  ALLOWED_ORIGINS: 'shell',
  COOKIE_SAMESITE: 'shell',
  CORS_MAX_AGE: 'shell',
  HSTS_MAX_AGE: 'shell',
  AUDIT_RETENTION_DAYS: 'shell',
  AUDIT_PURGE_BATCH: 'shell',
  EMAIL_PROVIDER: 'shell',
  EMAIL_FROM: 'shell',
  RESEND_API_KEY: 'shell',
  EMAIL_TIMEOUT: 'shell',
  REQUIRE_EMAIL_VERIFICATION: 'shell',
  VERIFY_EMAIL_TTL: 'shell',
  PASSWORD_RESET_TTL: 'shell',
};

/** The Worker variables `npm run dev` sets itself, to reach the local stack. */
export const STACK_WORKER_VARIABLES = Object.entries(WORKER_VARIABLES)
  .filter(([, from]) => from === 'stack')
  .map(([name]) => name);

/** The Worker variables `npm run dev` takes from the shell when they are set there. */
export const SHELL_WORKER_VARIABLES = Object.entries(WORKER_VARIABLES)
  .filter(([, from]) => from === 'shell')
  .map(([name]) => name);

/** The shell's values of those variables (set and non-empty). */
export function workerVarsFromShell(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const name of SHELL_WORKER_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') vars[name] = value;
  }
  return vars;
}
