// The admin console (/admin), users: who gets in (anonymous -> sign-in and back, signed in
// without the admin role -> 403, admin -> the pages), what each user action changes and the
// audit event it leaves (the same as the admin API's, with the acting admin), and the CSRF
// refusals (no token, another origin) that change nothing.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents, users } from '../../src/store/schema.ts';
import { auditRowsOfUser, auditRowsWhere } from './audit-fixtures.ts';
import { bearer, freshEmail, login, registerUser } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { send } from './helpers.ts';
import {
  ConsoleBrowser,
  csrfOf,
  noticeOf,
  signedInAdmin,
  unescaped,
  userWithRoles,
} from './admin-console-fixtures.ts';

const userRow = async (id: string) =>
  (await testDb().select().from(users).where(eq(users.id, id)))[0];

/** The admin event of `type` an admin recorded about `target`. */
const adminEvent = async (adminId: string, type: string, target: string) => {
  const rows = await auditRowsOfUser(adminId, type);
  return rows.find((row) => row.details.target === target);
};

describe('admin console: access', () => {
  it('sends an anonymous browser to the sign-in page, and back to the page it asked for', async () => {
    const browser = new ConsoleBrowser();
    const first = await browser.get('/admin/users?q=someone');
    expect(first.response.status).toBe(303);
    expect(first.location).toBe(`/login?return_to=${encodeURIComponent('/admin/users?q=someone')}`);
    expect(first.response.headers.get('Cache-Control')).toContain('no-store');

    const login = await browser.get(first.location!);
    expect(login.body).toContain('name="return_to" value="/admin/users?q=someone"');
    const admin = await userWithRoles(['admin']);
    const signedIn = await browser.signIn(admin.email, '/admin/users?q=someone');
    expect(signedIn.location).toBe('/admin/users?q=someone');
    const page = await browser.get(signedIn.location!);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain('<h1>Users</h1>');
  });

  it('a sign-in never returns to a path outside /admin that merely starts like it', async () => {
    const admin = await userWithRoles(['admin']);
    for (const [returnTo, expected] of [
      ['/admin/../account', '/account'],
      ['/administrator', '/account'],
      ['/admin?x=1', '/admin?x=1'],
    ]) {
      const browser = new ConsoleBrowser();
      const signedIn = await browser.signIn(admin.email, returnTo);
      expect(signedIn.location, returnTo).toBe(expected);
    }
  });

  it('answers 403 to a signed-in user without the admin role, for pages and actions', async () => {
    const user = await userWithRoles(['developer']);
    const victim = await registerUser();
    const browser = new ConsoleBrowser();
    await browser.signIn(user.email);
    const page = await browser.get('/admin');
    expect(page.response.status).toBe(403);
    expect(page.body).toContain('Administrators only');
    // A valid form token (from the account page) does not make a non-admin an admin.
    const account = await browser.get('/account');
    const posted = await browser.post(`/admin/users/${victim.user_id}/disable`, {
      csrf: csrfOf(account.body),
    });
    expect(posted.response.status).toBe(403);
    expect((await userRow(victim.user_id))?.disabledAt).toBeNull();
  });

  it('lets an admin in, with the page CSP, no-store and the console navigation', async () => {
    const { admin, browser } = await signedInAdmin();
    const page = await browser.get('/admin');
    expect(page.response.status).toBe(200);
    expect(page.body).toContain(admin.email);
    expect(page.body).toContain('href="/admin/audit"');
    expect(page.response.headers.get('Cache-Control')).toContain('no-store');
    expect(page.response.headers.get('Content-Security-Policy')).toContain("form-action 'self'");
    expect(page.response.headers.get('Content-Security-Policy')).toContain(
      "frame-ancestors 'none'",
    );
  });

  it('loses the console as soon as the admin role is taken away (the session scope follows)', async () => {
    const { admin, browser } = await signedInAdmin();
    const other = await signedInAdmin();
    expect((await browser.get('/admin')).response.status).toBe(200);
    const set = await other.browser.submit(
      `/admin/users/${admin.user_id}`,
      `/admin/users/${admin.user_id}/roles`,
      { role_viewer: 'on' },
    );
    expect(set.response.status).toBe(303);
    expect((await browser.get('/admin')).response.status).toBe(403);
  });
});

describe('admin console: users', () => {
  it('searches by email and pages with a keyset cursor, auditing each read', async () => {
    const marker = `find-${crypto.randomUUID().slice(0, 8)}`;
    const emails = [
      `${marker}-a@example.test`,
      `${marker}-b@example.test`,
      `${marker}-c@example.test`,
    ];
    for (const email of emails) await registerUser(email);
    const { admin, browser } = await signedInAdmin();

    const first = await browser.get(`/admin/users?q=${marker}&limit=2`);
    expect(first.response.status).toBe(200);
    expect(first.body).toContain(emails[0]);
    expect(first.body).toContain(emails[1]);
    expect(first.body).not.toContain(emails[2]);
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1];
    expect(next).toBeDefined();
    const second = await browser.get(unescaped(next!));
    expect(second.body).toContain(emails[2]);
    expect(second.body).not.toContain(emails[0]);
    expect(second.body).not.toContain('rel="next"');

    const rows = await auditRowsOfUser(admin.user_id, 'admin_users_listed', 2);
    expect(rows.map((row) => row.details)).toEqual([
      { search: true, returned: 2 },
      { search: true, returned: 1 },
    ]);
    expect((await browser.get('/admin/users?cursor=%%%')).response.status).toBe(400);
  });

  it("shows one user's profile, roles and sessions, and audits the read", async () => {
    const target = await registerUser();
    await login(target.email);
    const { admin, browser } = await signedInAdmin();
    const page = await browser.get(`/admin/users/${target.user_id}`);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain(target.email);
    expect(page.body).toContain(target.user_id);
    expect(page.body).toContain('name="role_admin"');
    expect(page.body).toContain('<caption>Live sessions, most recently used first.</caption>');
    const row = await adminEvent(admin.user_id, 'admin_user_read', target.user_id);
    expect(row?.sessionId).toBe(browser.cookies.get('__Host-ea_sso')?.split('.')[1]);
    expect((await browser.get('/admin/users/not-a-uuid')).response.status).toBe(404);
    expect((await browser.get(`/admin/users/${crypto.randomUUID()}`)).response.status).toBe(404);
  });

  it('disables a user (their sessions end at once) and enables them again', async () => {
    const target = await registerUser();
    const tokens = await login(target.email);
    const { admin, browser } = await signedInAdmin();
    const page = `/admin/users/${target.user_id}`;

    const disabled = await browser.submit(page, `${page}/disable`);
    expect(disabled.response.status).toBe(303);
    expect(disabled.location).toBe(`${page}?done=disabled&n=1`);
    expect(noticeOf((await browser.get(disabled.location!)).body)).toBe(
      'User disabled; 1 session(s) ended.',
    );
    expect((await userRow(target.user_id))?.disabledAt).not.toBeNull();
    const me = await send('/api/v1/auth/me', { headers: bearer(tokens.access_token) });
    expect(me.response.status).toBe(401);
    expect(
      (await adminEvent(admin.user_id, 'admin_user_disabled', target.user_id))?.details,
    ).toEqual({ target: target.user_id, sessions_revoked: 1 });

    const enabled = await browser.submit(page, `${page}/enable`);
    expect(enabled.response.status).toBe(303);
    expect((await userRow(target.user_id))?.disabledAt).toBeNull();
    expect(await adminEvent(admin.user_id, 'admin_user_enabled', target.user_id)).toBeDefined();
    await login(target.email);
  });

  it('sets roles from the checkboxes, refusing unknown ones', async () => {
    const target = await registerUser();
    const before = (await userRow(target.user_id))?.roles;
    const { admin, browser } = await signedInAdmin();
    const page = `/admin/users/${target.user_id}`;
    const set = await browser.submit(page, `${page}/roles`, {
      role_viewer: 'on',
      role_evaluator: 'on',
    });
    expect(set.response.status).toBe(303);
    expect((await userRow(target.user_id))?.roles.sort()).toEqual(['evaluator', 'viewer']);
    const row = await adminEvent(admin.user_id, 'admin_roles_set', target.user_id);
    expect(row?.details.previous).toEqual(before);
    expect((row?.details.roles as string[]).sort()).toEqual(['evaluator', 'viewer']);

    const unknown = await browser.submit(page, `${page}/roles`, { role_wizard: 'on' });
    expect(unknown.response.status).toBe(400);
    expect(unknown.body).toContain('Unknown role(s): wizard');
    expect((await userRow(target.user_id))?.roles.sort()).toEqual(['evaluator', 'viewer']);
  });

  it('ends every session of a user', async () => {
    const target = await registerUser();
    const tokens = await login(target.email);
    await login(target.email);
    const { admin, browser } = await signedInAdmin();
    const page = `/admin/users/${target.user_id}`;
    const revoked = await browser.submit(page, `${page}/revoke-sessions`);
    expect(revoked.location).toBe(`${page}?done=sessions&n=2`);
    const me = await send('/api/v1/auth/me', { headers: bearer(tokens.access_token) });
    expect(me.response.status).toBe(401);
    expect(
      (await adminEvent(admin.user_id, 'admin_sessions_revoked', target.user_id))?.details,
    ).toEqual({ target: target.user_id, sessions_revoked: 2 });
  });

  it('deletes a user only through the confirmation step (the email typed)', async () => {
    const target = await registerUser();
    await login(target.email);
    const { admin, browser } = await signedInAdmin();
    const confirm = `/admin/users/${target.user_id}/delete`;

    const mistyped = await browser.submit(confirm, confirm, { confirm: freshEmail() });
    expect(mistyped.response.status).toBe(400);
    expect(mistyped.body).toContain('Type the email address of the account exactly');
    expect(await userRow(target.user_id)).toBeDefined();
    const missing = await browser.submit(confirm, confirm);
    expect(missing.response.status).toBe(400);

    const deleted = await browser.submit(confirm, confirm, { confirm: target.email });
    expect(deleted.response.status).toBe(303);
    expect(deleted.location).toBe('/admin/users?done=deleted&n=1');
    expect(await userRow(target.user_id)).toBeUndefined();
    expect(
      (await adminEvent(admin.user_id, 'admin_user_deleted', target.user_id))?.details,
    ).toEqual({ target: target.user_id, sessions_revoked: 1, source: 'console' });
  });
});

describe('admin console: CSRF', () => {
  it('refuses a form without its token, or from another origin, and changes nothing', async () => {
    const target = await registerUser();
    const { admin, browser } = await signedInAdmin();
    const page = await browser.get(`/admin/users/${target.user_id}`);
    const csrf = csrfOf(page.body);
    const action = `/admin/users/${target.user_id}/disable`;

    const noToken = await browser.post(action, {});
    expect(noToken.response.status).toBe(403);
    expect(noToken.body).toContain('the form token is missing');
    const wrongToken = await browser.post(action, { csrf: `${csrf.slice(0, -2)}xx` });
    expect(wrongToken.response.status).toBe(403);
    expect(wrongToken.body).toContain('does not belong to this browser');
    const crossOrigin = await browser.post(action, { csrf }, { Origin: 'https://evil.example' });
    expect(crossOrigin.response.status).toBe(403);
    expect(crossOrigin.body).toContain('origin that is not allowed');
    const crossSite = await browser.request(action, {
      method: 'POST',
      body: new URLSearchParams({ csrf }),
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(crossSite.response.status).toBe(403);

    expect((await userRow(target.user_id))?.disabledAt).toBeNull();
    // The same token from the right origin works: the refusals were the checks, not the form.
    const accepted = await browser.post(action, { csrf });
    expect(accepted.response.status).toBe(303);
    const rows = await auditRowsWhere(
      and(eq(auditEvents.userId, admin.user_id), eq(auditEvents.type, 'admin_user_disabled')),
    );
    expect(rows).toHaveLength(1);
  });

  it('an anonymous POST is refused by the form checks before anything else', async () => {
    const target = await registerUser();
    const browser = new ConsoleBrowser();
    const posted = await browser.post(`/admin/users/${target.user_id}/disable`, { csrf: 'x' });
    expect(posted.response.status).toBe(403);
    expect((await userRow(target.user_id))?.disabledAt).toBeNull();
  });
});
