// One browser sign-in (issue 18): following the verification link, or finishing a password
// reset, leaves the browser signed in to the hosted pages and continues to where the user came
// from (the `return_to` carried through registration / the reset request into the mailed
// link, re-checked by safeReturnTo), else to the account page.
import { describe, expect, it } from 'vitest';
import { auditRowsOfUser } from './audit-fixtures.ts';
import { freshEmail, PASSWORD, registerUser } from './auth-fixtures.ts';
import { Browser, csrfOf, hiddenOf, NEW_PASSWORD, signedInUser } from './account-page-fixtures.ts';
import { mailTo, tokenMailedTo } from './mail-fixtures.ts';
import { authorizePath, continueTarget } from './oidc-browser-fixtures.ts';
import { registerClient } from './oauth-fixtures.ts';

const VERIFY = { REQUIRE_EMAIL_VERIFICATION: 'true' };

/** The newest mailed link of `tag` to `to`, as a path on this origin. */
async function mailedPath(to: string, tag: string): Promise<URL> {
  const [mail] = await mailTo(to, tag);
  const link = mail?.links.find((l) => l.includes('token='));
  if (!link) throw new Error(`no ${tag} link mailed to ${to}`);
  return new URL(link);
}

describe('verify-email link: signed in, and on', () => {
  it('registering from an OAuth request carries it into the link; the confirm continues to it', async () => {
    const { client } = await registerClient({ scopes: ['openid', 'read'] });
    const clientId = client.clientId;
    const { path: authorize } = await authorizePath(clientId);
    const email = freshEmail('verify-rt');
    const browser = new Browser(VERIFY);
    const register = await browser.submit(
      `/register?return_to=${encodeURIComponent(authorize)}`,
      '/register',
      { email, password: PASSWORD, return_to: authorize },
    );
    expect(register.response.status).toBe(200);
    expect(register.body).toContain('Check your inbox');

    const link = await mailedPath(email, 'verify_email');
    expect(link.searchParams.get('return_to')).toBe(authorize);
    // The link may be opened in another browser (a phone's mail app): it carries all it needs.
    const phone = new Browser(VERIFY);
    const landing = await phone.get(`${link.pathname}${link.search}`);
    expect(landing.response.status).toBe(200);
    expect(hiddenOf(landing.body, 'return_to')).toBe(authorize);
    const done = await phone.post('/api/v1/auth/verify-email/confirm', {
      token: hiddenOf(landing.body, 'token') ?? '',
      return_to: hiddenOf(landing.body, 'return_to') ?? '',
    });
    expect(done.response.status).toBe(200);
    const target = continueTarget(done.body);
    expect(`${target.pathname}${target.search}`).toBe(authorize);
    expect(phone.sso).toBeDefined();
    // Signed in: /oauth/authorize does not send it to /login again (a first-party client goes
    // straight back to the app with a code).
    const onward = await phone.get(`${target.pathname}${target.search}`);
    expect(onward.response.status, onward.body.slice(0, 600)).toBe(303);
    expect(onward.location).toMatch(/^https:\/\/app\.example\/callback\?code=/);
    const account = await phone.get('/account');
    expect(account.response.status).toBe(200);
    expect(account.body).toContain(email);
    expect(account.body).toContain('verified');
  });

  it('without return_to it lands on the account page, signed in, with a notice', async () => {
    const email = freshEmail('verify-acct');
    const browser = new Browser(VERIFY);
    await browser.submit('/register', '/register', { email, password: PASSWORD });
    const link = await mailedPath(email, 'verify_email');
    expect(link.searchParams.has('return_to')).toBe(false);
    const landing = await browser.get(`${link.pathname}${link.search}`);
    const done = await browser.post('/api/v1/auth/verify-email/confirm', {
      token: hiddenOf(landing.body, 'token') ?? '',
    });
    expect(done.response.status).toBe(303);
    expect(done.location).toBe('/account?done=verified');
    const account = await browser.get(done.location!);
    expect(account.response.status).toBe(200);
    expect(account.body).toContain('Your email address is confirmed and you are signed in.');
    expect(account.body).toContain(email);
    const rows = await auditRowsOfUser(browser.sso!.uid, 'login_success');
    expect(rows.map((r) => r.sessionId)).toContain(browser.sso!.sid);
  });

  it('a return_to that leaves the origin or the allowed paths becomes /account', async () => {
    const email = freshEmail('verify-evil');
    const browser = new Browser(VERIFY);
    await browser.submit('/register', '/register', { email, password: PASSWORD });
    const link = await mailedPath(email, 'verify_email');
    // /admin is an allowed way back now (the admin console); a look-alike path is not.
    const outside = [
      'https://evil.example/',
      '//evil.example/oauth/authorize?x=1',
      '/administrator',
    ];
    for (const evil of outside) {
      const landing = await browser.get(
        `${link.pathname}${link.search}&return_to=${encodeURIComponent(evil)}`,
      );
      expect(landing.response.status).toBe(200);
      expect(hiddenOf(landing.body, 'return_to')).toBeUndefined();
    }
    const done = await browser.post('/api/v1/auth/verify-email/confirm', {
      token: link.searchParams.get('token') ?? '',
      return_to: 'https://evil.example/',
    });
    expect(done.response.status).toBe(303);
    expect(done.location).toBe('/account?done=verified');
  });
});

describe('password reset: every session ends, then this browser is signed in afresh', () => {
  it('continues to the OAuth request the reset started from', async () => {
    const { client } = await registerClient({ scopes: ['openid', 'read'] });
    const clientId = client.clientId;
    const { path: authorize } = await authorizePath(clientId);
    const { user, browser: other } = await signedInUser();
    const before = other.sso!;

    const browser = new Browser();
    const login = await browser.get(`/login?return_to=${encodeURIComponent(authorize)}`);
    const forgot = /href="(\/reset-password\?return_to=[^"]+)"/.exec(login.body)?.[1];
    expect(forgot?.replace(/&amp;/g, '&')).toBe(
      `/reset-password?return_to=${encodeURIComponent(authorize)}`,
    );
    const asked = await browser.submit(forgot!.replace(/&amp;/g, '&'), '/reset-password', {
      email: user.email,
      return_to: authorize,
    });
    expect(asked.response.status).toBe(200);
    const link = await mailedPath(user.email, 'password_reset');
    expect(link.searchParams.get('return_to')).toBe(authorize);

    const page = await browser.get(`${link.pathname}${link.search}`);
    expect(hiddenOf(page.body, 'return_to')).toBe(authorize);
    const done = await browser.post('/reset-password', {
      csrf: csrfOf(page.body),
      token: link.searchParams.get('token') ?? '',
      password: NEW_PASSWORD,
      return_to: hiddenOf(page.body, 'return_to') ?? '',
    });
    expect(done.response.status).toBe(200);
    const target = continueTarget(done.body);
    expect(`${target.pathname}${target.search}`).toBe(authorize);
    // A fresh session for this browser; the one signed in elsewhere before the reset is over.
    expect(browser.sso).toBeDefined();
    expect(browser.sso!.sid).not.toBe(before.sid);
    expect((await other.get('/account')).response.status).toBe(303);
    expect((await browser.get('/account')).response.status).toBe(200);
    const [reset] = await auditRowsOfUser(user.user_id, 'password_reset');
    expect(reset?.details).toEqual({ sessions_revoked: 1 });
  });

  it('a reset that cannot be used (spent link) signs nobody in', async () => {
    const user = await registerUser();
    const browser = new Browser();
    await browser.submit('/reset-password', '/reset-password', { email: user.email });
    const token = await tokenMailedTo(user.email, 'password_reset');
    const page = await browser.get(`/reset-password?token=${token}`);
    const first = await browser.post('/reset-password', {
      csrf: csrfOf(page.body),
      token,
      password: NEW_PASSWORD,
    });
    expect(first.response.status).toBe(303);
    expect(first.location).toBe('/account?done=reset');
    const stranger = new Browser();
    const again = await stranger.submit(`/reset-password?token=${token}`, '/reset-password', {
      token,
      password: 'yet another fine passphrase 99',
    });
    expect(again.response.status).toBe(400);
    expect(again.body).toContain('This link cannot be used');
    expect(stranger.sso).toBeUndefined();
  });
});
