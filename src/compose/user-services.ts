// Per-request builders for the account-lifecycle services (sessions as a whole, users as the
// admin sees them). Routes call these; they never touch Redis or SQL themselves.
import type { Context } from 'hono';
import type { UserSessionStore } from '../auth/user-session-sweeps.ts';
import { redisUserSessionStore } from '../store/user-session-sweeps.ts';
import type { AppEnv } from '../http/context.ts';

export function userSessionStore(c: Context<AppEnv>): UserSessionStore {
  return redisUserSessionStore(c.var.stores.redis, c.var.config.redis.keyPrefix);
}
