// Builds the account-lifecycle service of a request (src/auth/account-lifecycle.ts).
import type { Context } from 'hono';
import type { LifecycleDeps } from '../auth/account-lifecycle.ts';
import { oneTimeTokens } from '../auth/one-time-tokens.ts';
import { outboxFor } from '../email/request-outbox.ts';
import { drizzleOneTimeTokenStore } from '../store/one-time-tokens.ts';
import { drizzleUserStore } from '../store/users.ts';
import { afterResponse } from './after-response.ts';
import type { AppEnv } from './context.ts';
import { userSessionStore } from './user-services.ts';

export function lifecycleDeps(c: Context<AppEnv>): LifecycleDeps {
  const { db } = c.var.stores;
  return {
    config: c.var.config,
    users: drizzleUserStore(db),
    tokens: oneTimeTokens(drizzleOneTimeTokenStore(db)),
    sessions: userSessionStore(c),
    outbox: outboxFor(c),
    audit: c.var.audit,
    later: afterResponse(c),
    trace: c.var.trace,
  };
}
