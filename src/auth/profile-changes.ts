// A signed-in user's own profile changes: the display name, and the email address.
//
// An email change takes effect only once the new address is proven: a one-time link of kind
// `email_change`, carrying the new address, goes to it; following it moves the account, ends
// every session (their claims hold the old address) and tells the old address. Asking for it
// re-checks the password behind the login guard, so a stolen session alone cannot move the
// account (and with it the password reset) to an attacker's inbox.
//
// Enumeration: asking for an address another account has gets the same answer as any other
// (the caller says "a link is on its way"); the lookup and the mail happen after the response,
// and a taken address gets no mail.
import { emailChangedMessage, emailChangeMessage } from '../email/templates.ts';
import { AuthError } from '../shared/errors.ts';
import { type LifecycleDeps, recheckPassword } from './account-lifecycle.ts';
import type { LoginGuard } from './accounts.ts';
import { DISPLAY_NAME_MAX, hasForbiddenNameCharacter } from './display-name.ts';
import type { UserRecord } from './users.ts';

/** Sets (or, blank, clears) the display name; the user after the change. */
export async function changeDisplayName(
  deps: Pick<LifecycleDeps, 'users' | 'audit'>,
  caller: { userId: string; sessionId: string },
  rawName: string,
): Promise<UserRecord> {
  const name = rawName.trim();
  if (name.length > DISPLAY_NAME_MAX || hasForbiddenNameCharacter(name)) {
    throw new AuthError(
      'invalid_request',
      `Enter a name of at most ${DISPLAY_NAME_MAX} characters, without control characters.`,
    );
  }
  const user = await deps.users.setName(caller.userId, name || null);
  if (!user) throw new AuthError('invalid_token', 'The user no longer exists.');
  deps.audit.record({ type: 'name_changed', userId: user.id, sessionId: caller.sessionId });
  return user;
}

/**
 * Asks to move the account to `newEmail` (already parsed by EmailSchema). The same outcome for
 * a free and a taken address; only a free one gets the link, after the response.
 */
export async function requestEmailChange(
  deps: LifecycleDeps,
  caller: { userId: string; sessionId: string },
  input: { password: string; newEmail: string },
  guardFor: (email: string) => LoginGuard,
): Promise<void> {
  const user = await recheckPassword(deps, caller.userId, input.password, guardFor);
  if (user.email.toLowerCase() === input.newEmail.toLowerCase()) {
    throw new AuthError('invalid_request', 'That is already the address of your account.');
  }
  deps.audit.record({
    type: 'email_change_requested',
    userId: user.id,
    sessionId: caller.sessionId,
  });
  deps.later('email change mail', async (audit) => {
    if (!(await deps.mayMail(input.newEmail, audit))) return;
    if (await deps.users.findByEmail(input.newEmail)) return;
    const ttlSeconds = deps.config.email.verifyEmailTtl;
    const now = new Date();
    const token = await deps.tokens.issue(user.id, 'email_change', ttlSeconds, now, input.newEmail);
    deps.outbox.send(
      emailChangeMessage(input.newEmail, { issuer: deps.config.issuer, token, ttlSeconds }),
      { userId: user.id },
    );
  });
}

/**
 * Follows the mailed link: the account moves to the proven address (verified), every session
 * ends, the old address is told. The user as it is now (the caller may sign in afresh whoever
 * followed the link: they hold the address that now resets the password anyway).
 */
export async function confirmEmailChange(deps: LifecycleDeps, token: string): Promise<UserRecord> {
  const consumed = await deps.tokens.consume(token, 'email_change', new Date());
  if (!consumed?.newEmail) throw new AuthError('invalid_one_time_token');
  const before = await deps.users.findById(consumed.userId);
  if (!before) throw new AuthError('invalid_one_time_token');
  if (before.disabledAt) throw new AuthError('account_disabled');
  const now = new Date();
  const after = await deps.users.setEmail(before.id, consumed.newEmail, now);
  // Taken between the request and the click (a registration won the race): the clicker holds
  // that inbox, so saying so reveals nothing to them.
  if (after === 'taken') throw new AuthError('email_already_registered');
  if (!after) throw new AuthError('invalid_one_time_token');
  const revoked = await deps.sessions.revokeAll(after.id, { epoch: after.securityEpoch });
  deps.outbox.send(
    emailChangedMessage(before.email, {
      issuer: deps.config.issuer,
      newEmail: after.email,
      at: now,
    }),
    { userId: after.id },
  );
  deps.audit.record({
    type: 'email_changed',
    userId: after.id,
    details: { sessions_revoked: revoked },
  });
  return after;
}
