// Registering and logging in. Login costs one SQL read (beside the guard's one Redis request)
// and, for a known user, one password verification; an unknown email costs the same
// verification against a dummy hash. That alone does not hide an imported bcrypt account (its
// check costs more), so every failed login also answers no earlier than a fixed floor
// (LOGIN_FAILURE_MIN_MS, src/auth/failure-floor.ts): the response time of a refusal does not
// reveal whether the account exists nor how its password is hashed.
import type { AuditRecorder } from '../audit/events.ts';
import type { Config } from '../config/index.ts';
import { AuthError } from '../shared/errors.ts';
import { describeCause } from '../shared/safe-cause.ts';
import type { RequestTrace } from '../shared/trace.ts';
import { startFailureFloor } from './failure-floor.ts';
import {
  checkPasswordPolicy,
  isWellFormedPassword,
  PASSWORD_INVALID_UNICODE,
} from './password-policy.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import type { UserRecord, UserStore } from './users.ts';

export interface AccountDeps {
  config: Config;
  users: UserStore;
  trace: RequestTrace;
  /** Work that must finish but need not delay the response (ctx.waitUntil). */
  defer: (work: Promise<unknown>) => void;
  /** Login failures are audited here, where the reason is known (the response hides it). */
  audit: AuditRecorder;
}

/**
 * What stands between a login attempt and its password check (rate limits, backoff, human
 * proof). src/auth/login-guard.ts implements it (limits, backoff, Turnstile).
 */
export interface LoginGuard {
  /** Throws when the attempt must not be checked at all. Runs beside the user lookup. */
  admit(): Promise<void>;
  /** A wrong password (or no such user: the same to the guard). Never throws. */
  failed(userId?: string): Promise<void>;
  /** The right password: forget past failures (after the response). */
  succeeded(): void;
}

/** A password presented (login, current password): only well-formed Unicode can be checked. */
export function assertWellFormedPassword(password: string): void {
  if (!isWellFormedPassword(password)) {
    throw new AuthError('password_invalid_unicode', PASSWORD_INVALID_UNICODE);
  }
}

export function assertPasswordAcceptable(password: string): void {
  const verdict = checkPasswordPolicy(password);
  if (!verdict.ok) throw new AuthError(verdict.code, verdict.description);
}

/** Hashes and inserts; undefined when the email is taken. The same work either way. */
export async function createAccount(
  deps: Pick<AccountDeps, 'config' | 'users' | 'trace'>,
  input: { email: string; password: string; name?: string | undefined },
): Promise<UserRecord | undefined> {
  assertPasswordAcceptable(input.password);
  const passwordHash = await deps.trace.time('hash', () =>
    hashPassword(input.password, deps.config.argon2),
  );
  return deps.users.create({
    email: input.email,
    passwordHash,
    name: input.name ?? null,
    roles: deps.config.defaultRoles,
  });
}

export async function register(
  deps: AccountDeps,
  input: { email: string; password: string; name?: string | undefined },
): Promise<UserRecord> {
  const user = await createAccount(deps, input);
  if (!user) throw new AuthError('email_already_registered');
  return user;
}

/**
 * Checks a login. Any refusal (unknown address, wrong password, disabled, unverified, limited,
 * a store down) is thrown only once LOGIN_FAILURE_MIN_MS has passed since the check began.
 */
export async function authenticate(
  deps: AccountDeps,
  input: { email: string; password: string },
  guard: LoginGuard,
): Promise<UserRecord> {
  const floor = startFailureFloor(deps.config.loginFailureMinMs);
  try {
    const user = await checkLogin(deps, input, guard);
    floor.cancel();
    return user;
  } catch (error) {
    await floor.reached();
    throw error;
  }
}

async function checkLogin(
  deps: AccountDeps,
  input: { email: string; password: string },
  guard: LoginGuard,
): Promise<UserRecord> {
  assertWellFormedPassword(input.password);
  const params = deps.config.argon2;
  const [user] = await Promise.all([deps.users.findByEmail(input.email), guard.admit()]);
  if (!user) {
    await deps.trace.time('hash', () => burnPasswordCheck(input.password, params));
    deps.audit.record({ type: 'login_failure', details: { reason: 'unknown_user' } });
    await guard.failed();
    throw new AuthError('invalid_credentials');
  }
  const { ok, needsRehash } = await deps.trace.time('hash', () =>
    verifyPassword(input.password, user.passwordHash, params),
  );
  if (!ok) {
    deps.audit.record({
      type: 'login_failure',
      userId: user.id,
      details: { reason: 'bad_password' },
    });
    await guard.failed(user.id);
    throw new AuthError('invalid_credentials');
  }
  guard.succeeded();
  // Only after the password proved ownership: saying "disabled" reveals nothing to a guesser.
  if (user.disabledAt) {
    deps.audit.record({ type: 'login_failure', userId: user.id, details: { reason: 'disabled' } });
    throw new AuthError('account_disabled');
  }
  if (deps.config.email.requireVerification && !user.emailVerifiedAt) {
    deps.audit.record({
      type: 'login_failure',
      userId: user.id,
      details: { reason: 'email_not_verified' },
    });
    throw new AuthError('email_not_verified');
  }
  if (needsRehash) {
    // Legacy bcrypt, or argon2 below the configured cost: upgrade now that we hold the password.
    // After the response; a failure leaves the old (still valid) hash in place.
    deps.defer(
      hashPassword(input.password, params)
        .then((fresh) => deps.users.rehash(user.id, user.passwordHash, fresh))
        .catch((error: unknown) =>
          console.error(
            JSON.stringify({
              level: 'error',
              msg: 'password rehash failed',
              user_id: user.id,
              cause: describeCause(error),
            }),
          ),
        ),
    );
  }
  return user;
}
