// The account lifecycle around a password: registration that waits for a verified address,
// email verification, password reset and password change.
//
// Enumeration: register (with verification on), resend and reset answer the same way whether
// or not the address has an account. Register does the same work on both paths (hash, one
// INSERT ... ON CONFLICT DO NOTHING) before answering; resend and reset answer before looking
// the address up at all, and do the lookup, the token and the mail after the response.
import type { AuditRecorder } from '../audit/events.ts';
import type { Config } from '../config/index.ts';
import type { Outbox } from '../email/outbox.ts';
import {
  passwordChangedMessage,
  passwordResetMessage,
  registerAttemptMessage,
  verifyEmailMessage,
} from '../email/templates.ts';
import { AuthError } from '../shared/errors.ts';
import type { RequestTrace } from '../shared/trace.ts';
import {
  assertPasswordAcceptable,
  assertWellFormedPassword,
  createAccount,
  type LoginGuard,
} from './accounts.ts';
import type { OneTimeTokens } from './one-time-tokens.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { deleteUser } from './user-admin.ts';
import type { UserSessionStore } from './user-session-sweeps.ts';
import type { UserRecord, UserStore } from './users.ts';

/** Runs a named job after the response (ctx.waitUntil), with an audit trail of its own. */
export type Later = (name: string, job: (audit: AuditRecorder) => Promise<void>) => void;

export interface LifecycleDeps {
  config: Config;
  users: UserStore;
  tokens: OneTimeTokens;
  sessions: UserSessionStore;
  outbox: Outbox;
  /** The request's audit trail. */
  audit: AuditRecorder;
  /** Runs work after the response, with an audit trail of its own. */
  later: Later;
  /**
   * Whether one more mail may go to this address (RATE_LIMIT_MAIL_RECIPIENT), so requests
   * from many client addresses cannot flood one inbox; a refusal is audited on `audit`.
   */
  mayMail: (email: string, audit: AuditRecorder) => Promise<boolean>;
  trace: RequestTrace;
}

/**
 * `returnTo`: where the browser that follows the link continues once signed in (a hosted-page
 * path the page re-checks; undefined: the account page).
 */
async function mailVerification(
  deps: LifecycleDeps,
  user: UserRecord,
  returnTo?: string,
): Promise<void> {
  const { config } = deps;
  const ttlSeconds = config.email.verifyEmailTtl;
  const token = await deps.tokens.issue(user.id, 'verify_email', ttlSeconds, new Date());
  const message = verifyEmailMessage(user.email, {
    issuer: config.issuer,
    token,
    ttlSeconds,
    returnTo,
  });
  deps.outbox.send(message, { userId: user.id });
}

/**
 * Registration when addresses must be verified. The caller answers 202 with one body either
 * way, after the same work (a hash and one INSERT ... ON CONFLICT DO NOTHING); the mail goes
 * out after the response:
 * - a new address gets a verification link;
 * - an existing account whose address was never verified gets a fresh verification link, so a
 *   register whose answer was lost (the row stored, the response a 5xx or a dropped connection)
 *   can simply be retried; the password of the retry is not applied, the link proves only the
 *   address (whoever reads that inbox owns the account anyway, through password reset);
 * - a verified (or disabled) account gets a "someone tried to register with your address"
 *   notice instead.
 */
export async function registerPendingVerification(
  deps: LifecycleDeps,
  input: { email: string; password: string; name?: string | undefined },
  returnTo?: string,
): Promise<void> {
  const user = await createAccount(deps, input);
  if (user) {
    deps.audit.record({ type: 'register', userId: user.id });
    deps.later('verification mail', () => mailVerification(deps, user, returnTo));
    return;
  }
  deps.later('register retry', async (audit) => {
    if (!(await deps.mayMail(input.email, audit))) return;
    const existing = await deps.users.findByEmail(input.email);
    if (existing && !existing.emailVerifiedAt && !existing.disabledAt) {
      await mailVerification(deps, existing, returnTo);
      audit.record({
        type: 'email_verification_requested',
        userId: existing.id,
        details: { account: true, sent: true },
      });
      return;
    }
    deps.outbox.send(registerAttemptMessage(input.email, { issuer: deps.config.issuer }), {
      userId: existing?.id ?? null,
    });
  });
}

/** Consumes a verification token; the verified user (the caller starts their session). */
export async function verifyEmail(deps: LifecycleDeps, token: string): Promise<UserRecord> {
  const consumed = await deps.tokens.consume(token, 'verify_email', new Date());
  if (!consumed) throw new AuthError('invalid_one_time_token');
  const user = await deps.users.markEmailVerified(consumed.userId, new Date());
  if (!user) throw new AuthError('invalid_one_time_token');
  deps.audit.record({ type: 'email_verified', userId: user.id });
  if (user.disabledAt) throw new AuthError('account_disabled');
  return user;
}

/** Always "accepted": a new link goes out only to an unverified, enabled account. */
export function resendVerification(deps: LifecycleDeps, email: string): void {
  deps.later('verification resend', async (audit) => {
    const user = await deps.users.findByEmail(email);
    const wanted = user !== undefined && !user.emailVerifiedAt && !user.disabledAt;
    const sent = wanted && (await deps.mayMail(email, audit));
    if (sent) await mailVerification(deps, user);
    audit.record({
      type: 'email_verification_requested',
      userId: user?.id ?? null,
      details: { account: user !== undefined, sent },
    });
  });
}

/**
 * Always "accepted": a reset link goes out only to an enabled account. `returnTo` rides in the
 * link (see mailVerification).
 */
export function requestPasswordReset(deps: LifecycleDeps, email: string, returnTo?: string): void {
  deps.later('password reset request', async (audit) => {
    const user = await deps.users.findByEmail(email);
    audit.record({
      type: 'password_reset_requested',
      userId: user?.id ?? null,
      details: { account: user !== undefined },
    });
    if (!user || user.disabledAt || !(await deps.mayMail(user.email, audit))) return;
    const ttlSeconds = deps.config.email.passwordResetTtl;
    const token = await deps.tokens.issue(user.id, 'password_reset', ttlSeconds, new Date());
    deps.outbox.send(
      passwordResetMessage(user.email, { issuer: deps.config.issuer, token, ttlSeconds, returnTo }),
      { userId: user.id },
    );
  });
}

async function replacePassword(
  deps: LifecycleDeps,
  user: UserRecord,
  password: string,
  options: { verifyEmail: boolean; keepSid?: string },
): Promise<{ revoked: number; epoch: number }> {
  const hash = await deps.trace.time('hash', () => hashPassword(password, deps.config.argon2));
  const epoch = await deps.users.setPassword(user.id, hash, { verifyEmail: options.verifyEmail });
  // The epoch goes up with the hash (one UPDATE) and in Redis with the sweep: a login that
  // checked the old password cannot create a session after this.
  const newEpoch = epoch ?? user.securityEpoch + 1;
  const revoked = await deps.sessions.revokeAll(user.id, {
    keepSid: options.keepSid,
    epoch: newEpoch,
  });
  deps.outbox.send(
    passwordChangedMessage(user.email, { issuer: deps.config.issuer, at: new Date() }),
    {
      userId: user.id,
    },
  );
  return { revoked, epoch: newEpoch };
}

/**
 * Sets the password of the token's user and ends every session of it. The policy is checked
 * first, so a rejected password does not burn the link. Following the link also proves the
 * address, so it counts as verified. Returns the user as it is now (the new epoch), so the
 * caller may start a fresh session for whoever followed the link.
 */
export async function confirmPasswordReset(
  deps: LifecycleDeps,
  token: string,
  password: string,
): Promise<UserRecord> {
  assertPasswordAcceptable(password);
  const consumed = await deps.tokens.consume(token, 'password_reset', new Date());
  if (!consumed) throw new AuthError('invalid_one_time_token');
  const user = await deps.users.findById(consumed.userId);
  if (!user) throw new AuthError('invalid_one_time_token');
  if (user.disabledAt) throw new AuthError('account_disabled');
  const { revoked, epoch } = await replacePassword(deps, user, password, { verifyEmail: true });
  deps.audit.record({
    type: 'password_reset',
    userId: user.id,
    details: { sessions_revoked: revoked },
  });
  return { ...user, securityEpoch: epoch, emailVerifiedAt: user.emailVerifiedAt ?? new Date() };
}

/**
 * The signed-in user's current password, checked behind the same guard as login (rate limits
 * and backoff), so a stolen access token alone cannot guess it or act with it: what a password
 * change, an email change and deleting the account ask first. The user it belongs to.
 */
export async function recheckPassword(
  deps: LifecycleDeps,
  userId: string,
  password: string,
  guardFor: (email: string) => LoginGuard,
): Promise<UserRecord> {
  assertWellFormedPassword(password);
  const user = await deps.users.findById(userId);
  if (!user) throw new AuthError('invalid_token', 'The user no longer exists.');
  const guard = guardFor(user.email);
  await guard.admit();
  const { ok } = await deps.trace.time('hash', () =>
    verifyPassword(password, user.passwordHash, deps.config.argon2),
  );
  if (!ok) {
    await guard.failed(user.id);
    throw new AuthError('current_password_incorrect');
  }
  guard.succeeded();
  return user;
}

/**
 * A signed-in user's new password: the current one is checked behind the same guard as login
 * (rate limits and backoff), so a stolen access token cannot be used to guess it; every other
 * session of the user ends.
 */
export async function changePassword(
  deps: LifecycleDeps,
  caller: { userId: string; sessionId: string },
  input: { current: string; next: string },
  guardFor: (email: string) => LoginGuard,
): Promise<void> {
  assertWellFormedPassword(input.current);
  assertPasswordAcceptable(input.next);
  const user = await recheckPassword(deps, caller.userId, input.current, guardFor);
  const { revoked } = await replacePassword(deps, user, input.next, {
    verifyEmail: false,
    keepSid: caller.sessionId,
  });
  deps.audit.record({
    type: 'password_change',
    userId: user.id,
    sessionId: caller.sessionId,
    details: { sessions_revoked: revoked },
  });
}

/**
 * The signed-in user deletes their own account. The password is re-checked behind the same
 * guard as login (rate limits and backoff), so a stolen access token alone cannot do it; then
 * the row goes and every session of the user ends, this one included.
 */
export async function deleteOwnAccount(
  deps: LifecycleDeps,
  caller: { userId: string; sessionId: string },
  password: string,
  guardFor: (email: string) => LoginGuard,
): Promise<void> {
  const user = await recheckPassword(deps, caller.userId, password, guardFor);
  const { sessions } = await deleteUser(deps, user.id);
  deps.audit.record({
    type: 'account_deleted',
    userId: user.id,
    sessionId: caller.sessionId,
    details: { sessions_revoked: sessions },
  });
}
