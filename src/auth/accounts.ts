// Registering and logging in. Login costs one SQL read and, for a known user, one password
// verification; an unknown email costs the same verification against a dummy hash, so the
// response time does not reveal whether an account exists.
import type { AuditRecorder } from '../audit/events.ts';
import type { Config } from '../config/index.ts';
import { AuthError } from '../errors.ts';
import type { RequestTrace } from '../store/trace.ts';
import { checkPasswordPolicy } from './password-policy.ts';
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

export function assertPasswordAcceptable(password: string): void {
  const verdict = checkPasswordPolicy(password);
  if (!verdict.ok) throw new AuthError(verdict.code, verdict.description);
}

export async function register(
  deps: AccountDeps,
  input: { email: string; password: string; name?: string | undefined },
): Promise<UserRecord> {
  assertPasswordAcceptable(input.password);
  const passwordHash = await deps.trace.time('hash', () =>
    hashPassword(input.password, deps.config.argon2),
  );
  const user = await deps.users.create({
    email: input.email,
    passwordHash,
    name: input.name ?? null,
    roles: deps.config.defaultRoles,
  });
  if (!user) throw new AuthError('email_already_registered');
  return user;
}

export async function authenticate(
  deps: AccountDeps,
  input: { email: string; password: string },
): Promise<UserRecord> {
  const params = deps.config.argon2;
  const user = await deps.users.findByEmail(input.email);
  if (!user) {
    await deps.trace.time('hash', () => burnPasswordCheck(input.password, params));
    deps.audit.record({ type: 'login_failure', details: { reason: 'unknown_user' } });
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
    throw new AuthError('invalid_credentials');
  }
  // Only after the password proved ownership: saying "disabled" reveals nothing to a guesser.
  if (user.disabledAt) {
    deps.audit.record({ type: 'login_failure', userId: user.id, details: { reason: 'disabled' } });
    throw new AuthError('account_disabled');
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
              cause: String(error),
            }),
          ),
        ),
    );
  }
  return user;
}
