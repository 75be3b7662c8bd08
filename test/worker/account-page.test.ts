// The account page's profile and forms (issue 18): the profile shown, the display name, the
// password and deleting the account; each refused without its CSRF token or from another
// origin, each audited, each error on the page with its status.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditRowsOfUser } from './audit-fixtures.ts';
import { bearer, login, PASSWORD, postJson } from './auth-fixtures.ts';
import { Browser, csrfOf, NEW_PASSWORD, signedInUser } from './account-page-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { send } from './helpers.ts';
import { users } from '../../src/store/schema.ts';

const ACCOUNT = '/account';

describe('account page: the profile', () => {
  it('shows email, whether it is verified, the name and when the account was created', async () => {
    const { user, browser } = await signedInUser();
    const page = await browser.get(ACCOUNT);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain(user.email);
    expect(page.body).toContain('not verified');
    expect(page.body).toMatch(/<dt>Created<\/dt><dd><time datetime="\d{4}-/);
    expect(page.body).toContain('action="/account/name"');
    expect(page.body).toContain('action="/account/password"');
    expect(page.body).toContain('action="/account/email"');
    expect(page.body).toContain('action="/account/delete"');
    // What deleting does is said before the button.
    expect(page.body).toContain('It cannot be undone');
    // Every input id on the page is unique (one label per field).
    const ids = [...page.body.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('account page: display name', () => {
  it('saves the name, shows it, audits name_changed', async () => {
    const { user, browser } = await signedInUser();
    const saved = await browser.submit(ACCOUNT, '/account/name', { name: '  Ada Lovelace  ' });
    expect(saved.response.status).toBe(303);
    expect(saved.location).toBe('/account?done=name');
    const page = await browser.get(saved.location!);
    expect(page.body).toContain('Your name is saved.');
    expect(page.body).toContain('<dd>Ada Lovelace</dd>');
    const [row] = await testDb().select().from(users).where(eq(users.id, user.user_id));
    expect(row?.name).toBe('Ada Lovelace');
    const [audit] = await auditRowsOfUser(user.user_id, 'name_changed');
    expect(audit?.sessionId).toBe(browser.sso!.sid);
    expect(JSON.stringify(audit)).not.toContain('Ada');
    // Blank clears it.
    await browser.submit(ACCOUNT, '/account/name', { name: '' });
    const [cleared] = await testDb().select().from(users).where(eq(users.id, user.user_id));
    expect(cleared?.name).toBeNull();
  });

  it('a name with control characters comes back on the page with 400', async () => {
    const { browser } = await signedInUser();
    const refused = await browser.submit(ACCOUNT, '/account/name', { name: 'Eve\u202eevil' });
    expect(refused.response.status).toBe(400);
    expect(refused.body).toContain('role="alert"');
    expect(refused.body).toContain('without control characters');
    expect(refused.body).toContain('aria-invalid="true"');
  });

  it('refuses a post without the CSRF token, with a wrong one, and from another origin', async () => {
    const { user, browser } = await signedInUser();
    const missing = await browser.post('/account/name', { name: 'Mallory' });
    expect(missing.response.status).toBe(403);
    expect(missing.body).toContain('This form could not be accepted');
    const wrong = await browser.post('/account/name', { csrf: 'x'.repeat(43), name: 'Mallory' });
    expect(wrong.response.status).toBe(403);
    const csrf = csrfOf((await browser.get(ACCOUNT)).body);
    const foreign = await browser.post(
      '/account/name',
      { csrf, name: 'Mallory' },
      { Origin: 'https://evil.example' },
    );
    expect(foreign.response.status).toBe(403);
    expect(foreign.body).toContain('CSRF check failed');
    const [row] = await testDb().select().from(users).where(eq(users.id, user.user_id));
    expect(row?.name).toBeNull();
  });

  it('a signed-out browser is sent to the login page', async () => {
    const browser = new Browser();
    const page = await browser.get(ACCOUNT);
    const csrf = csrfOf((await browser.get('/login')).body);
    const posted = await browser.post('/account/name', { csrf, name: 'Nobody' });
    expect(page.response.status).toBe(303);
    expect(posted.response.status).toBe(303);
    expect(posted.location).toBe('/login?return_to=/account');
  });
});

describe('account page: password', () => {
  it('a wrong current password: 403 current_password_incorrect on the page, nothing changes', async () => {
    const { user, browser } = await signedInUser();
    const refused = await browser.submit(ACCOUNT, '/account/password', {
      current_password: 'not my password at all',
      new_password: NEW_PASSWORD,
    });
    expect(refused.response.status).toBe(403);
    expect(refused.body).toContain('The current password is incorrect.');
    expect(refused.body).toContain('action="/account/password"');
    await login(user.email, PASSWORD);
  });

  it("the domain's policy applies to the new password (400 on the page)", async () => {
    const { browser } = await signedInUser();
    const weak = await browser.submit(ACCOUNT, '/account/password', {
      current_password: PASSWORD,
      new_password: 'short',
    });
    expect(weak.response.status).toBe(400);
    expect(weak.body).toContain('at least 8 characters');
  });

  it('changes it: other sessions end, this browser stays signed in, audited', async () => {
    const { user, browser } = await signedInUser();
    const api = await login(user.email);
    const changed = await browser.submit(ACCOUNT, '/account/password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(changed.response.status).toBe(303);
    expect(changed.location).toBe('/account?done=password');
    const page = await browser.get(changed.location!);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain('Your password is changed');
    const me = await send('/api/v1/auth/me', { headers: bearer(api.access_token) });
    expect(me.response.status).toBe(401);
    await login(user.email, NEW_PASSWORD);
    const [audit] = await auditRowsOfUser(user.user_id, 'password_change');
    expect(audit?.details).toEqual({ sessions_revoked: 1 });
    expect(audit?.sessionId).toBe(browser.sso!.sid);
  });

  it('refuses a post without the CSRF token', async () => {
    const { user, browser } = await signedInUser();
    const forged = await browser.post('/account/password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(forged.response.status).toBe(403);
    await login(user.email, PASSWORD);
  });
});

describe('account page: delete the account', () => {
  it('a wrong password: 403 on the page, the account stays', async () => {
    const { user, browser } = await signedInUser();
    const refused = await browser.submit(ACCOUNT, '/account/delete', {
      delete_password: 'not my password at all',
    });
    expect(refused.response.status).toBe(403);
    expect(refused.body).toContain('The current password is incorrect.');
    await login(user.email);
  });

  it('refuses a post without the CSRF token or from another origin', async () => {
    const { user, browser } = await signedInUser();
    expect(
      (await browser.post('/account/delete', { delete_password: PASSWORD })).response.status,
    ).toBe(403);
    const csrf = csrfOf((await browser.get(ACCOUNT)).body);
    const foreign = await browser.post(
      '/account/delete',
      { csrf, delete_password: PASSWORD },
      { Origin: 'https://evil.example' },
    );
    expect(foreign.response.status).toBe(403);
    await login(user.email);
  });

  it('deletes: the sessions end, the sign-in cookie goes, login fails, audited', async () => {
    const { user, browser } = await signedInUser();
    const api = await login(user.email);
    const done = await browser.submit(ACCOUNT, '/account/delete', { delete_password: PASSWORD });
    expect(done.response.status).toBe(200);
    expect(done.body).toContain('Your account is deleted');
    expect(browser.sso).toBeUndefined();
    expect((await browser.get(ACCOUNT)).response.status).toBe(303);
    const me = await send('/api/v1/auth/me', { headers: bearer(api.access_token) });
    expect(me.response.status).toBe(401);
    const { response } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(response.status).toBe(401);
    const [audit] = await auditRowsOfUser(user.user_id, 'account_deleted');
    expect(audit?.details).toEqual({ sessions_revoked: 2 });
  });
});
