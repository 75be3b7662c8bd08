import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const TEST_KEK = 'test:8Yb1d4c5bWq2H0tyq3pWmQ3vQy7n9g0aTq1xU5rJk2c';

// Two projects share one local stack (test/global-setup.ts):
// - worker: the Worker itself, running in real workerd, with env pointing at the stack;
// - node: conformance tests of the stack's bridges through the real client libraries.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // CI shares two cores between workerd, the stack and argon2: 5 s is too tight there.
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => {
            const stack = inject('stack');
            return {
              main: './src/index.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  DATABASE_URL: 'postgres://edge:edge@127.0.0.1:5432/edge_auth',
                  NEON_FETCH_ENDPOINT: `${stack.url}/sql`,
                  UPSTASH_REDIS_REST_URL: stack.url,
                  UPSTASH_REDIS_REST_TOKEN: stack.token,
                  ISSUER: 'http://auth.test',
                  AUDIENCES: 'http://api.test',
                  // Test-only KEK (32 zero-ish bytes would do; this one is random and public).
                  KEY_ENCRYPTION_KEY: TEST_KEK,
                  // Mail goes to the stack's dev mailbox, listed as JSON at <stack>/mailbox/messages.
                  DEV_MAILBOX_URL: `${stack.url}/mailbox/messages`,
                  DEV_MAILBOX_TOKEN: stack.token,
                  // Tests log in right after registering; the verification tests turn it on.
                  REQUIRE_EMAIL_VERIFICATION: 'false',
                  // Every test shares one client address and some log one user in many times;
                  // limits are real but roomy here. The abuse tests set tight ones per request.
                  RATE_LIMIT_LOGIN_IP: '100000/1m',
                  RATE_LIMIT_LOGIN_EMAIL: '1000/1m',
                  RATE_LIMIT_REGISTER_IP: '100000/1m',
                  RATE_LIMIT_REFRESH_SESSION: '1000/1m',
                  RATE_LIMIT_MAIL_RECIPIENT: '1000/1h',
                  // Failed logins answer at once here; the timing tests set a floor per request
                  // (test/worker/login-timing.test.ts), as production's default 500 ms would
                  // only slow the many tests that log in with a wrong password.
                  LOGIN_FAILURE_MIN_MS: '0',
                  // The stack answers siteverify; Turnstile is on only where a test sets a secret.
                  TURNSTILE_VERIFY_URL: `${stack.url}/turnstile/v0/siteverify`,
                },
              },
            };
          }),
        ],
        test: { name: 'worker', include: ['test/worker/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'node', include: ['test/node/**/*.test.ts'], environment: 'node' },
      },
      // packages/verify's unit tests, twice: in Node and in workerd (the library's two homes).
      {
        extends: true,
        test: {
          name: 'verify-node',
          include: ['packages/verify/test/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        plugins: [
          cloudflareTest({
            miniflare: {
              compatibilityDate: '2026-04-01',
              compatibilityFlags: ['nodejs_compat'],
            },
          }),
        ],
        test: { name: 'verify-workerd', include: ['packages/verify/test/**/*.test.ts'] },
      },
    ],
  },
});
