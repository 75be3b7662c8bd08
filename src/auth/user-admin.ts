// What an administrator does to accounts. Each change that touches sessions does it in one
// Redis round trip for all of the user's sessions (src/auth/user-session-sweeps.ts):
// - new roles are written into every live session, so the next refresh signs them without a
//   SQL read (the access tokens already out keep their old roles until they expire);
// - disabling revokes every session at once, so requireAuth refuses the user's outstanding
//   access tokens immediately (offline verifiers accept them until they expire).
// Each change raises the user's security epoch in its SQL UPDATE, and the session sweep that
// follows raises it in Redis in the same atomic step: a login that read the user before the
// change cannot create a session after the sweep (src/auth/session-store.ts NewSession.epoch).
import type { Config } from '../config/index.ts';
import { scopesOf } from '../config/roles.ts';
import { AuthError } from '../shared/errors.ts';
import { assertPasswordAcceptable } from './accounts.ts';
import { hashPassword } from './passwords.ts';
import { DELETED_EPOCH, type UserSessionStore } from './user-session-sweeps.ts';
import type { UserAdminStore, UserRecord, UserStore } from './users.ts';

export interface UserAdminDeps {
  config: Config;
  users: UserStore;
  admin: UserAdminStore;
  sessions: UserSessionStore;
}

/**
 * Roles must come from the configured role set (ROLE_SCOPES), or AuthError invalid_request;
 * duplicates collapse.
 */
export function requireKnownRoles(config: Config, roles: readonly string[]): string[] {
  const unknown = roles.filter((role) => !config.roleScopes.has(role));
  if (unknown.length > 0) {
    throw new AuthError(
      'invalid_request',
      `Unknown role(s): ${unknown.join(', ')}. Roles: ${[...config.roleScopes.keys()].join(', ')}.`,
    );
  }
  return [...new Set(roles)];
}

async function existing(deps: UserAdminDeps, id: string): Promise<UserRecord> {
  const user = await deps.users.findById(id);
  if (!user) throw new AuthError('not_found', 'No such user.');
  return user;
}

export const getUser = existing;

export async function createUser(
  deps: Pick<UserAdminDeps, 'config' | 'users'>,
  input: {
    email: string;
    password: string;
    name?: string | undefined;
    roles?: string[] | undefined;
  },
): Promise<UserRecord> {
  const roles = requireKnownRoles(deps.config, input.roles ?? deps.config.defaultRoles);
  assertPasswordAcceptable(input.password);
  const passwordHash = await hashPassword(input.password, deps.config.argon2);
  const user = await deps.users.create({
    email: input.email,
    passwordHash,
    name: input.name ?? null,
    roles,
  });
  // The administrator vouches for the address (no verification mail for an operator's user).
  if (!user) throw new AuthError('email_already_registered');
  return (await deps.users.markEmailVerified(user.id, new Date())) ?? user;
}

export async function setRoles(
  deps: UserAdminDeps,
  id: string,
  roles: string[],
): Promise<{ user: UserRecord; previous: string[]; sessions: number }> {
  const wanted = requireKnownRoles(deps.config, roles);
  const before = await existing(deps, id);
  const user = await deps.admin.setRoles(id, wanted);
  if (!user) throw new AuthError('not_found', 'No such user.');
  const sessions = await deps.sessions.updateClaims(
    id,
    user.roles,
    scopesOf(user.roles, deps.config.roleScopes),
    user.securityEpoch,
  );
  return { user, previous: before.roles, sessions };
}

export async function setDisabled(
  deps: UserAdminDeps,
  id: string,
  disabled: boolean,
): Promise<{ user: UserRecord; sessions: number }> {
  const user = await deps.admin.setDisabled(id, disabled ? new Date() : null);
  if (!user) throw new AuthError('not_found', 'No such user.');
  // Disable first, then revoke: a login racing us fails on disabled_at, or on the epoch when
  // it creates its session after the sweep, or loses its session to the sweep. (Enabling
  // raises the epoch in SQL too; a disabled user has no session to sweep.)
  const sessions = disabled ? await deps.sessions.revokeAll(id, { epoch: user.securityEpoch }) : 0;
  return { user, sessions };
}

export async function revokeSessions(deps: UserAdminDeps, id: string): Promise<number> {
  await existing(deps, id);
  return deps.sessions.revokeAll(id);
}

/**
 * Deletes the user and ends every session of it in one Redis round trip, so requireAuth and
 * introspection refuse the user's access tokens at once and no refresh token works again
 * (refresh reads no SQL: without this sweep a deleted user's sessions would live on until they
 * expire). Delete first, then revoke: a login that read the row before the delete and creates
 * its session after the sweep is the in-flight case the sessions store's revokeAll closes.
 */
export async function deleteUser(
  deps: Pick<UserAdminDeps, 'users' | 'sessions'>,
  id: string,
): Promise<{ user: UserRecord; sessions: number }> {
  const user = await deps.users.delete(id);
  if (!user) throw new AuthError('not_found', 'No such user.');
  // DELETED_EPOCH: a login in flight that read the row before the delete creates nothing.
  const sessions = await deps.sessions.revokeAll(id, { epoch: DELETED_EPOCH });
  return { user, sessions };
}
