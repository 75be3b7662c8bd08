// Worker settings the Node-side tests add to dev/worker-vars.ts when they start `wrangler dev`.
// Every such worker shares the run's one local stack, and every request comes from 127.0.0.1:
// with the default limits (30 logins a minute per address) tests running side by side would
// spend each other's budget. Roomy limits keep refusals to the mechanisms a test is about; a
// test of the limits themselves sets its own. An own key prefix keeps a test's Redis state
// (limiters, the key-set version an emergency rotation bumps) away from every other test.
export const ROOMY_LIMITS = {
  RATE_LIMIT_LOGIN_IP: '100000/1m',
  RATE_LIMIT_LOGIN_EMAIL: '1000/1m',
  RATE_LIMIT_REGISTER_IP: '100000/1m',
  RATE_LIMIT_RESET_IP: '100000/1m',
  RATE_LIMIT_REFRESH_SESSION: '1000/1m',
  RATE_LIMIT_MAIL_RECIPIENT: '1000/1h',
} as const;

/** A Redis key prefix of one test's own. */
export const ownKeyPrefix = (label: string): string =>
  `ea:${label}-${crypto.randomUUID().slice(0, 8)}:`;
