// Builds the account-lifecycle service of a request (src/auth/account-lifecycle.ts).
import type { Context } from 'hono';
import { emailLimiterKey } from '../abuse/email-key.ts';
import { retryAfterSeconds } from '../abuse/limiters.ts';
import type { LifecycleDeps } from '../auth/account-lifecycle.ts';
import { oneTimeTokens } from '../auth/one-time-tokens.ts';
import { outboxFor } from './request-outbox.ts';
import { drizzleOneTimeTokenStore } from '../store/one-time-tokens.ts';
import { drizzleUserStore } from '../store/users.ts';
import { afterResponse } from '../http/after-response.ts';
import type { AppEnv } from '../http/context.ts';
import { consumeOpen } from '../http/rate-limit.ts';
import { userSessionStore } from './user-services.ts';

/**
 * The per-recipient mail limit. Fails open (consumeOpen warns): the mail is what the address's
 * owner asked for, and the per-address request limits still stand.
 */
function mailRecipientLimiter(c: Context<AppEnv>): LifecycleDeps['mayMail'] {
  return async (email, audit) => {
    const key = await emailLimiterKey(c.var.config.keys.ring, email);
    const outcome = await consumeOpen(c, 'mail_recipient', key);
    if (!outcome || outcome.allowed) return true;
    audit.record({
      type: 'rate_limited',
      details: {
        limiter: 'mail_recipient',
        retry_after: retryAfterSeconds(outcome, Date.now()),
      },
    });
    return false;
  };
}

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
    mayMail: mailRecipientLimiter(c),
    trace: c.var.trace,
  };
}
