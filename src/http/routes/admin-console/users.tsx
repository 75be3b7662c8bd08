// /admin/users: the console's user pages, over the same domain functions and with the same
// audit events as the admin users API (src/http/routes/admin-users.ts, src/auth/user-admin.ts).
import { Hono } from 'hono';
import {
  deleteUser,
  getUser,
  revokeSessions,
  setDisabled,
  setRoles,
} from '../../../auth/user-admin.ts';
import { hasForbiddenEmailCharacter } from '../../../auth/email.ts';
import { textFromBase64Url, textToBase64Url } from '../../../shared/base64url.ts';
import { AuthError } from '../../../shared/errors.ts';
import { formCsrfToken } from '../../browser/form-csrf.ts';
import type { AppEnv } from '../../context.ts';
import { CONFIRM_FIELD, ConfirmPage } from '../../pages/admin/confirm.tsx';
import { ROLE_FIELD_PREFIX, UserPage } from '../../pages/admin/user.tsx';
import { UsersPage } from '../../pages/admin/users.tsx';
import { form } from '../page-kit.tsx';
import { actorOf, adminOnly, doneNotice } from './guard.tsx';

/** `?limit=` (1 to 200, as the admin API's), else 50. */
export const pageSizeOf = (raw: string | undefined) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : 50;
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The path's user id; anything that is not a UUID names no user (and never reaches SQL). */
const userIdOf = (raw: string): string => {
  const id = raw.toLowerCase();
  if (!UUID.test(id)) throw new AuthError('not_found', 'No such user.');
  return id;
};

const DONE: Record<string, (n: number) => string> = {
  disabled: (n) => `User disabled; ${n} session(s) ended.`,
  enabled: () => 'User enabled.',
  sessions: (n) => `${n} session(s) ended.`,
  deleted: (n) => `User deleted; ${n} session(s) ended.`,
  roles: (n) => `Roles saved; ${n} live session(s) carry them from their next refresh.`,
};

const back = (id: string, done: string, n = 0) => `/admin/users/${id}?done=${done}&n=${n}`;

export const adminConsoleUsers = new Hono<AppEnv>()
  .get('/admin/users', adminOnly(), async (c) => {
    const rawQuery = c.req.query('q')?.trim().slice(0, 254) || undefined;
    if (rawQuery !== undefined && hasForbiddenEmailCharacter(rawQuery)) {
      throw new AuthError('invalid_request', 'The search must not contain control characters.');
    }
    const cursor = c.req.query('cursor');
    // The cursor is the last email of the page (emails are unique), as in the admin API.
    const afterEmail = cursor === undefined ? undefined : textFromBase64Url(cursor.slice(0, 400));
    if (cursor !== undefined && afterEmail === undefined) {
      throw new AuthError('invalid_request', 'Malformed cursor.');
    }
    const limit = pageSizeOf(c.req.query('limit'));
    const rows = await c.var.services.userAdmin.admin.list({
      query: rawQuery,
      afterEmail,
      limit: limit + 1,
    });
    const users = rows.slice(0, limit);
    const last = users.at(-1);
    c.var.services.audit.record({
      type: 'admin_users_listed',
      ...actorOf(c.var.admin),
      details: { search: rawQuery !== undefined, returned: users.length },
    });
    const params = new URLSearchParams(rawQuery ? { q: rawQuery } : {});
    if (c.req.query('limit')) params.set('limit', String(limit));
    if (rows.length > limit && last) params.set('cursor', textToBase64Url(last.email));
    return c.html(
      <UsersPage
        users={users}
        query={rawQuery}
        next={params.has('cursor') ? `/admin/users?${params}` : undefined}
        paged={cursor !== undefined}
        notice={doneNotice(DONE, c.req.query('done'), c.req.query('n'))}
      />,
    );
  })
  .get('/admin/users/:id', adminOnly(), async (c) => {
    const id = userIdOf(c.req.param('id'));
    const { services } = c.var;
    const user = await getUser(services.userAdmin, id);
    const [sessions, consents, csrf] = await Promise.all([
      services.userSessions.list(id),
      services.consents.consents.list(id),
      formCsrfToken(c),
    ]);
    services.audit.record({
      type: 'admin_user_read',
      ...actorOf(c.var.admin),
      details: { target: id },
    });
    return c.html(
      <UserPage
        csrf={csrf}
        user={user}
        sessions={sessions}
        consents={consents}
        roles={[...c.var.config.roleScopes]}
        notice={doneNotice(DONE, c.req.query('done'), c.req.query('n'))}
        self={id === c.var.admin.uid}
      />,
    );
  })
  .post('/admin/users/:id/disable', ...form, adminOnly(), async (c) => {
    const id = userIdOf(c.req.param('id'));
    const { sessions } = await setDisabled(c.var.services.userAdmin, id, true);
    c.var.services.audit.record({
      type: 'admin_user_disabled',
      ...actorOf(c.var.admin),
      details: { target: id, sessions_revoked: sessions },
    });
    return c.redirect(back(id, 'disabled', sessions), 303);
  })
  .post('/admin/users/:id/enable', ...form, adminOnly(), async (c) => {
    const id = userIdOf(c.req.param('id'));
    await setDisabled(c.var.services.userAdmin, id, false);
    c.var.services.audit.record({
      type: 'admin_user_enabled',
      ...actorOf(c.var.admin),
      details: { target: id },
    });
    return c.redirect(back(id, 'enabled'), 303);
  })
  .post('/admin/users/:id/revoke-sessions', ...form, adminOnly(), async (c) => {
    const id = userIdOf(c.req.param('id'));
    const revoked = await revokeSessions(c.var.services.userAdmin, id);
    c.var.services.audit.record({
      type: 'admin_sessions_revoked',
      ...actorOf(c.var.admin),
      details: { target: id, sessions_revoked: revoked },
    });
    return c.redirect(back(id, 'sessions', revoked), 303);
  })
  .post('/admin/users/:id/roles', ...form, adminOnly(), async (c) => {
    const id = userIdOf(c.req.param('id'));
    // One checkbox per configured role; an unknown name is refused by requireKnownRoles.
    const roles = Object.entries(c.var.pageForm)
      .filter(([name, value]) => name.startsWith(ROLE_FIELD_PREFIX) && value === 'on')
      .map(([name]) => name.slice(ROLE_FIELD_PREFIX.length));
    const { user, previous, sessions } = await setRoles(c.var.services.userAdmin, id, roles);
    c.var.services.audit.record({
      type: 'admin_roles_set',
      ...actorOf(c.var.admin),
      details: { target: id, roles: user.roles, previous, sessions_updated: sessions },
    });
    return c.redirect(back(id, 'roles', sessions), 303);
  })
  .get('/admin/users/:id/delete', adminOnly(), async (c) => {
    const id = userIdOf(c.req.param('id'));
    const user = await getUser(c.var.services.userAdmin, id);
    return c.html(deletePage(await formCsrfToken(c), id, user.email));
  })
  .post('/admin/users/:id/delete', ...form, adminOnly(), async (c) => {
    const id = userIdOf(c.req.param('id'));
    const user = await getUser(c.var.services.userAdmin, id);
    // The confirmation step: the address typed must be this user's.
    if ((c.var.pageForm[CONFIRM_FIELD] ?? '').trim() !== user.email) {
      const error = 'Type the email address of the account exactly to delete it.';
      return c.html(deletePage(await formCsrfToken(c), id, user.email, error), 400);
    }
    const { sessions } = await deleteUser(c.var.services.userAdmin, id);
    c.var.services.audit.record({
      type: 'admin_user_deleted',
      ...actorOf(c.var.admin),
      details: { target: id, sessions_revoked: sessions, source: 'console' },
    });
    return c.redirect(`/admin/users?done=deleted&n=${sessions}`, 303);
  });

function deletePage(csrf: string, id: string, email: string, error?: string) {
  return (
    <ConfirmPage
      title={`Delete ${email}?`}
      section="users"
      csrf={csrf}
      action={`/admin/users/${id}/delete`}
      phrase={email}
      submit="Delete the account"
      cancel={`/admin/users/${id}`}
      error={error}
    >
      <p>
        The account and its one-time links are deleted and every session ends at once: refresh
        tokens stop working and the API refuses its access tokens. Audit events keep the user's id.
        This cannot be undone.
      </p>
    </ConfirmPage>
  );
}
