// `npm run user -- list | disable | enable | set-roles`: the admin API's user changes
// (src/http/routes/admin-users.ts) from the Node side, through the same domain services
// (src/auth/user-admin.ts) and audited with the same event types; the rows' user agent is
// "npm run user" (the admin API's is the admin's browser or client).
import { checkEmail } from '../src/auth/user-import.ts';
import type { ToolServices } from '../src/compose/tool-services.ts';
import { AuthError } from '../src/shared/errors.ts';
import { auditCliChange, CliError } from './admin-cli.ts';

const TOOL = 'npm run user';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The admin API's page bounds. */
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

type UserAdmin = typeof import('../src/auth/user-admin.ts');

/** A user id from an id or an email address; CliError when there is no such user. */
export async function userIdOf(who: string, services: ToolServices): Promise<string> {
  if (UUID.test(who)) return who.toLowerCase();
  const email = checkEmail(who);
  if (!email.ok) throw new CliError(`${email.reason}: give an email address or a user id`, 2);
  const user = await services.users.findByEmail(email.value);
  if (!user) throw new CliError(`no user ${who}`);
  return user.id;
}

/** AuthError not_found (a row deleted meanwhile) as the CLI's "no user"; others as they are. */
function noSuchUser(who: string) {
  return (error: unknown): never => {
    if (error instanceof AuthError && error.code === 'not_found') {
      throw new CliError(`no user ${who}`);
    }
    if (error instanceof AuthError) throw new CliError(`${error.code}: ${error.message}`, 2);
    throw error;
  };
}

const audited = (ok: boolean) => (ok ? 0 : 1);

/**
 * One page of users by email (optionally those whose email contains `search`), then the
 * command that shows the next page: the admin API's keyset paging (the cursor is an email).
 */
export async function listUsers(
  services: ToolServices,
  options: { search?: string | undefined; after?: string | undefined; limit?: string | undefined },
): Promise<number> {
  const limit = options.limit === undefined ? DEFAULT_PAGE : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new CliError(`--limit must be a whole number from 1 to ${MAX_PAGE}`, 2);
  }
  const rows = await services.userAdmin.admin.list({
    query: options.search,
    afterEmail: options.after,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  for (const user of page) {
    const state = user.disabledAt ? 'disabled' : user.emailVerifiedAt ? 'active' : 'unverified';
    const roles = user.roles.length > 0 ? user.roles.join(',') : '-';
    console.log(
      `${user.id}  ${user.email}  ${state}  roles ${roles}${user.name ? `  "${user.name}"` : ''}`,
    );
  }
  const last = page.at(-1);
  const more = rows.length > limit && last !== undefined;
  const search = options.search === undefined ? '' : ` --search ${JSON.stringify(options.search)}`;
  console.error(
    `${page.length} user(s)` +
      (more
        ? `; next page: npm run user -- list${search} --limit ${limit} --after ${JSON.stringify(last.email)}`
        : page.length > 0
          ? '; no more'
          : ''),
  );
  return audited(
    await auditCliChange(TOOL, services, {
      type: 'admin_users_listed',
      details: { search: options.search !== undefined, returned: page.length },
    }),
  );
}

/** Disables (and ends every session of) the user, or enables it again. */
export async function setUserDisabled(
  userAdmin: UserAdmin,
  services: ToolServices,
  who: string,
  disabled: boolean,
): Promise<number> {
  const id = await userIdOf(who, services);
  const { user, sessions } = await userAdmin
    .setDisabled(services.userAdmin, id, disabled)
    .catch(noSuchUser(who));
  console.log(
    disabled
      ? `disabled ${user.email} (${user.id}); sessions ended: ${sessions}`
      : `enabled ${user.email} (${user.id})`,
  );
  return audited(
    await auditCliChange(
      TOOL,
      services,
      disabled
        ? { type: 'admin_user_disabled', details: { target: id, sessions_revoked: sessions } }
        : { type: 'admin_user_enabled', details: { target: id } },
    ),
  );
}

/** Replaces the user's roles; its live sessions carry the new ones at their next refresh. */
export async function setUserRoles(
  userAdmin: UserAdmin,
  services: ToolServices,
  who: string,
  roles: string[],
): Promise<number> {
  const id = await userIdOf(who, services);
  const { user, previous, sessions } = await userAdmin
    .setRoles(services.userAdmin, id, roles)
    .catch(noSuchUser(who));
  console.log(
    `${user.email} (${user.id}): roles ${user.roles.join(' ') || '(none)'} ` +
      `(were ${previous.join(' ') || '(none)'}); sessions updated: ${sessions}`,
  );
  return audited(
    await auditCliChange(TOOL, services, {
      type: 'admin_roles_set',
      details: { target: id, roles: user.roles, previous, sessions_updated: sessions },
    }),
  );
}
