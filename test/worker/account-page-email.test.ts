// Changing the email address (issue 18): the new address is proven by a mailed link (kind
// email_change) before anything changes; the old address is told; a taken address gets the
// same answer as a free one (and no mail); the API does the same.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditRowsOfUser } from './audit-fixtures.ts';
import { bearer, freshEmail, login, PASSWORD, postJson, registerUser } from './auth-fixtures.ts';
import { Browser, csrfOf, hiddenOf, signedInUser } from './account-page-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { send } from './helpers.ts';
import { mailTo, tokenMailedTo } from './mail-fixtures.ts';
import { oneTimeTokens, users } from '../../src/store/schema.ts';

const ACCOUNT = '/account';
const errorOf = async (response: Response) => (await response.json<{ error: string }>()).error;

describe('account page: email change', () => {
  it('a wrong password: 403 on the page with the typed address kept; no mail', async () => {
    const { browser } = await signedInUser();
    const to = freshEmail('new');
    const refused = await browser.submit(ACCOUNT, '/account/email', {
      new_email: to,
      email_current_password: 'not my password at all',
    });
    expect(refused.response.status).toBe(403);
    expect(refused.body).toContain('The current password is incorrect.');
    expect(refused.body).toContain(`value="${to}"`);
    const bad = await browser.submit(ACCOUNT, '/account/email', {
      new_email: 'not an address',
      email_current_password: PASSWORD,
    });
    expect(bad.response.status).toBe(400);
    expect(bad.body).toContain('Enter the new email address.');
    expect(await mailTo(to, 'email_change', 1)).toHaveLength(0);
  });

  it('refuses a post without the CSRF token', async () => {
    const { browser } = await signedInUser();
    const to = freshEmail('forged');
    const forged = await browser.post('/account/email', {
      new_email: to,
      email_current_password: PASSWORD,
    });
    expect(forged.response.status).toBe(403);
    expect(forged.body).toContain('This form could not be accepted');
  });

  it('the link moves the account; the old address is told; every session ends; this browser is signed in', async () => {
    const { user, browser } = await signedInUser();
    // A second browser of the same user, to see it signed out by the change.
    const other = new Browser();
    await other.submit('/login', '/login', { email: user.email, password: PASSWORD });
    expect(other.sso).toBeDefined();
    const to = freshEmail('moved');
    const asked = await browser.submit(ACCOUNT, '/account/email', {
      new_email: to,
      email_current_password: PASSWORD,
    });
    expect(asked.response.status).toBe(303);
    expect(asked.location).toBe('/account?done=email_sent');
    // Nothing changed yet.
    const [still] = await testDb().select().from(users).where(eq(users.id, user.user_id));
    expect(still?.email).toBe(user.email);
    await login(user.email);

    const [mail] = await mailTo(to, 'email_change');
    const link = new URL(mail!.links.find((l) => l.includes('/account/email/confirm?token='))!);
    // The GET shows a button only (a mail scanner's fetch spends nothing).
    const landing = await browser.get(`${link.pathname}${link.search}`);
    expect(landing.response.status).toBe(200);
    expect(landing.body).toContain('Confirm my new email address');
    const token = hiddenOf(landing.body, 'token')!;
    const forged = await browser.post('/account/email/confirm', { token });
    expect(forged.response.status).toBe(403);

    const done = await browser.post('/account/email/confirm', {
      csrf: csrfOf(landing.body),
      token,
    });
    expect(done.response.status).toBe(303);
    expect(done.location).toBe('/account?done=email_changed');
    const page = await browser.get(done.location!);
    expect(page.response.status).toBe(200);
    expect(page.body).toContain(to);
    expect(page.body).toContain('<span class="tag">verified</span>');
    expect((await other.get(ACCOUNT)).response.status).toBe(303);

    const [told] = await mailTo(user.email, 'email_changed');
    expect(told?.subject).toBe('Your email address was changed');
    await login(to);
    const old = await postJson('/api/v1/auth/login', { email: user.email, password: PASSWORD });
    expect(old.response.status).toBe(401);

    const [requested] = await auditRowsOfUser(user.user_id, 'email_change_requested');
    expect(JSON.stringify(requested)).not.toContain(to);
    const [changed] = await auditRowsOfUser(user.user_id, 'email_changed');
    expect(changed?.details).toEqual({ sessions_revoked: 3 });

    // The link works once.
    const again = await new Browser().submit(
      `${link.pathname}${link.search}`,
      '/account/email/confirm',
      { token },
    );
    expect(again.response.status).toBe(400);
    expect(again.body).toContain('This link cannot be used');
  });

  it('a taken address gets the same answer and no link; the account keeps its address', async () => {
    const taken = await registerUser();
    const { user, browser } = await signedInUser();
    const answer = (new_email: string) =>
      browser.submit(ACCOUNT, '/account/email', { new_email, email_current_password: PASSWORD });
    const forTaken = await answer(taken.email.toUpperCase());
    const free = freshEmail('free');
    const forFree = await answer(free);
    expect(forTaken.response.status).toBe(forFree.response.status);
    expect(forTaken.location).toBe(forFree.location);
    // sendWithEnv waits for the work after the response: the free address has its link now.
    expect(await mailTo(free, 'email_change')).toHaveLength(1);
    expect(await mailTo(taken.email, 'email_change', 1)).toHaveLength(0);
    const [row] = await testDb().select().from(users).where(eq(users.id, user.user_id));
    expect(row?.email).toBe(user.email);
  });

  it('a damaged link: 400 page', async () => {
    const { response, body } = await new Browser().get('/account/email/confirm?token=nope');
    expect(response.status).toBe(400);
    expect(body).toContain('The link is incomplete or damaged.');
  });
});

describe('API: name and email change', () => {
  it('POST /api/v1/auth/account/name sets the name /me shows; bad names are 400', async () => {
    const user = await registerUser();
    const { access_token } = await login(user.email);
    const set = await postJson(
      '/api/v1/auth/account/name',
      { name: 'Grace' },
      bearer(access_token),
    );
    expect(set.response.status).toBe(204);
    const me = await send('/api/v1/auth/me', { headers: bearer(access_token) });
    expect((await me.response.json<{ name: string }>()).name).toBe('Grace');
    const bad = await postJson(
      '/api/v1/auth/account/name',
      { name: 'a\u0000b' },
      bearer(access_token),
    );
    expect(bad.response.status).toBe(400);
    expect(await errorOf(bad.response)).toBe('invalid_request');
    const anonymous = await postJson('/api/v1/auth/account/name', { name: 'x' });
    expect(anonymous.response.status).toBe(401);
  });

  it('POST /api/v1/auth/email/change then /confirm moves the account; a wrong password is 403', async () => {
    const user = await registerUser();
    const { access_token } = await login(user.email);
    const to = freshEmail('api-moved');
    const wrong = await postJson(
      '/api/v1/auth/email/change',
      { new_email: to, password: 'not my password at all' },
      bearer(access_token),
    );
    expect(wrong.response.status).toBe(403);
    expect(await errorOf(wrong.response)).toBe('current_password_incorrect');
    const asked = await postJson(
      '/api/v1/auth/email/change',
      { new_email: to, password: PASSWORD },
      bearer(access_token),
    );
    expect(asked.response.status).toBe(202);
    const token = await tokenMailedTo(to, 'email_change');
    // Not a token of another kind.
    const wrongKind = await postJson('/api/v1/auth/verify-email', { token });
    expect(await errorOf(wrongKind.response)).toBe('invalid_one_time_token');
    const confirmed = await postJson('/api/v1/auth/email/change/confirm', { token });
    expect(confirmed.response.status).toBe(204);
    // Every session ended (its claims held the old address).
    const me = await send('/api/v1/auth/me', { headers: bearer(access_token) });
    expect(me.response.status).toBe(401);
    await login(to);
    const spent = await postJson('/api/v1/auth/email/change/confirm', { token });
    expect(spent.response.status).toBe(400);
    expect(await errorOf(spent.response)).toBe('invalid_one_time_token');
  });

  it('confirm answers 409 email_already_registered when the address was taken meanwhile', async () => {
    const user = await registerUser();
    const { access_token } = await login(user.email);
    const to = freshEmail('raced');
    await postJson(
      '/api/v1/auth/email/change',
      { new_email: to, password: PASSWORD },
      bearer(access_token),
    );
    const token = await tokenMailedTo(to, 'email_change');
    await registerUser(to);
    const confirmed = await postJson('/api/v1/auth/email/change/confirm', { token });
    expect(confirmed.response.status).toBe(409);
    expect(await errorOf(confirmed.response)).toBe('email_already_registered');
    await login(user.email);
  });
});

describe('one_time_tokens: the address travels with email_change only (migration 0009)', () => {
  it('refuses an email_change token without an address, and an address on another kind', async () => {
    const user = await registerUser();
    const row = (kind: 'email_change' | 'verify_email', newEmail: string | null) =>
      testDb()
        .insert(oneTimeTokens)
        .values({
          tokenHash: crypto.randomUUID(),
          userId: user.user_id,
          kind,
          expiresAt: new Date(Date.now() + 60_000),
          newEmail,
        });
    /** The constraint a refused INSERT names, anywhere in its error chain. */
    const refusedBy = async (insert: Promise<unknown>) => {
      try {
        await insert;
      } catch (error) {
        for (let e: unknown = error; e instanceof Error; e = e.cause) {
          const constraint = (e as { constraint?: string }).constraint;
          if (constraint) return constraint;
        }
        return String(error);
      }
      return 'accepted';
    };
    expect(await refusedBy(row('email_change', null))).toBe('one_time_tokens_new_email');
    expect(await refusedBy(row('verify_email', 'x@example.test'))).toBe(
      'one_time_tokens_new_email',
    );
    await expect(row('email_change', 'x@example.test')).resolves.toBeDefined();
  });
});
