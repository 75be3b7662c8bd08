// The Worker variables that point it at a running local stack: used by `npm run dev`, the
// benchmarks and the Node-side end-to-end tests that start `wrangler dev` themselves.
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
    // `npm run dev` keeps a REQUIRE_EMAIL_VERIFICATION set in the shell (dev/dev.ts).
    REQUIRE_EMAIL_VERIFICATION: 'false',
  };
}
