// REQUIRE_EMAIL_VERIFICATION=true: enumeration-safe registration, login refused until the
// address is verified, verification by API and by the mailed page, and resend.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/store/schema.ts';
import { errorOf, freshIp, postWithEnv } from './abuse-fixtures.ts';
import { auditRowsOfUser } from './audit-fixtures.ts';
import { freshEmail, PASSWORD, registerUser, type TokenPair } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { sendWithEnv } from './helpers.ts';
import { mailTo, tokenMailedTo } from './mail-fixtures.ts';

const env = { REQUIRE_EMAIL_VERIFICATION: 'true' };
const post = (path: string, body: unknown) =>
  postWithEnv(`/api/v1/auth${path}`, body, env, { 'CF-Connecting-IP': freshIp() });

describe('registration with verification required', () => {
  it('answers 202 with the same body for a new and an existing address, mailing each its own message', async () => {
    const taken = await registerUser();
    await testDb()
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, taken.user_id));
    const fresh = freshEmail('new');
    const first = await post('/register', { email: fresh, password: PASSWORD });
    const again = await post('/register', { email: taken.email, password: PASSWORD });
    expect(first.response.status).toBe(202);
    expect(again.response.status).toBe(202);
    expect(await first.response.json()).toEqual(await again.response.json());
    expect(first.response.headers.get('Server-Timing')).toMatch(/hash;dur=[\d.]+;desc="1 calls"/);
    expect(again.response.headers.get('Server-Timing')).toMatch(/hash;dur=[\d.]+;desc="1 calls"/);
    expect((await mailTo(fresh, 'verify_email')).length).toBe(1);
    expect((await mailTo(taken.email, 'register_attempt')).length).toBe(1);
    expect((await mailTo(taken.email, 'verify_email', 0)).length).toBe(0);
  });

  it('a retry for an unverified account (its first answer lost) mails a fresh link, with the same answer and work as a new address', async () => {
    const email = freshEmail('retry');
    // The first register stored the row; suppose its answer never reached the client.
    const first = await post('/register', { email, password: PASSWORD });
    expect(first.response.status).toBe(202);
    const retry = await post('/register', { email, password: PASSWORD });
    const fresh = await post('/register', { email: freshEmail('other'), password: PASSWORD });
    expect(retry.response.status).toBe(202);
    expect(await retry.response.json()).toEqual(await fresh.response.json());
    for (const answer of [retry, fresh]) {
      expect(answer.response.headers.get('Server-Timing')).toMatch(
        /hash;dur=[\d.]+;desc="1 calls"/,
      );
    }
    const links = await mailTo(email, 'verify_email', 2);
    expect(links.length).toBe(2);
    expect((await mailTo(email, 'register_attempt', 0)).length).toBe(0);
    // The newest link verifies; login then works instead of email_not_verified forever.
    const token = await tokenMailedTo(email, 'verify_email');
    expect((await post('/verify-email', { token })).response.status).toBe(200);
    expect((await post('/login', { email, password: PASSWORD })).response.status).toBe(200);
  });

  it('login is refused until verified (after the password check); POST /verify-email logs in', async () => {
    const email = freshEmail('verify');
    await post('/register', { email, password: PASSWORD });
    const wrong = await post('/login', { email, password: 'not the password' });
    expect(wrong.response.status).toBe(401);
    const early = await post('/login', { email, password: PASSWORD });
    expect(early.response.status).toBe(403);
    expect(await errorOf(early.response)).toBe('email_not_verified');
    const token = await tokenMailedTo(email, 'verify_email');
    const verified = await post('/verify-email', { token });
    expect(verified.response.status).toBe(200);
    expect(verified.response.headers.get('Cache-Control')).toBe('no-store');
    const pair = await verified.response.json<TokenPair>();
    expect(pair.token_type).toBe('Bearer');
    expect((await post('/login', { email, password: PASSWORD })).response.status).toBe(200);
    const reuse = await post('/verify-email', { token });
    expect(reuse.response.status).toBe(400);
    expect(await errorOf(reuse.response)).toBe('invalid_one_time_token');
  });

  it('the mailed link lands on a page whose button verifies and signs the browser in', async () => {
    const email = freshEmail('page');
    await post('/register', { email, password: PASSWORD });
    const [mail] = await mailTo(email, 'verify_email');
    const link = new URL(mail?.links.find((l) => l.includes('/verify-email?token=')) ?? '');
    const landing = await sendWithEnv(`${link.pathname}${link.search}`, env);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('Content-Security-Policy')).toContain("form-action 'self'");
    const html = await landing.text();
    expect(html).toContain('action="/api/v1/auth/verify-email/confirm"');
    // The GET did not spend the token: the form post does.
    const token = link.searchParams.get('token') ?? '';
    const confirm = (origin: string) =>
      sendWithEnv('/api/v1/auth/verify-email/confirm', env, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
        body: new URLSearchParams({ token }).toString(),
      });
    const forged = await confirm('https://evil.example');
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain(
      'CSRF check failed: the request comes from an origin that is not allowed.',
    );
    const done = await confirm('http://auth.test');
    // Signed in, and on to the account page (no `return_to` in the link).
    expect(done.status).toBe(303);
    expect(done.headers.get('Location')).toBe('/account?done=verified');
    // Signed into the hosted pages, so /account knows the browser (issue 14 point 3: this page
    // used to set the API's refresh cookie instead, which no hosted page reads).
    const cookies: string[] = done.headers.getAll('Set-Cookie');
    const sso = cookies.find((c) => c.startsWith('__Host-ea_sso='))?.split(';')[0];
    expect(sso).toBeDefined();
    expect(cookies.some((c) => c.startsWith('__Secure-ea_refresh='))).toBe(false);
    const account = await sendWithEnv('/account', env, {
      redirect: 'manual',
      headers: { Cookie: sso ?? '' },
    });
    expect(account.status).toBe(200);
    expect(await account.text()).toContain(email);
    const spent = await confirm('http://auth.test');
    expect(spent.status).toBe(400);
    expect(await spent.text()).toContain('invalid, expired or already used');
  });

  it('resend always answers 202; only an unverified account gets a new link', async () => {
    const verifiedUser = await registerUser();
    await testDb()
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, verifiedUser.user_id));
    const unverified = freshEmail('resend');
    await post('/register', { email: unverified, password: PASSWORD });
    const nobody = freshEmail('nobody');
    const answers = await Promise.all(
      [verifiedUser.email, unverified, nobody].map((email) =>
        post('/verify-email/resend', { email }),
      ),
    );
    const bodies = await Promise.all(answers.map((a) => a.response.json()));
    expect(answers.map((a) => a.response.status)).toEqual([202, 202, 202]);
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect((await mailTo(unverified, 'verify_email', 2)).length).toBe(2);
    // Only the newest link works.
    const [newest, older] = await mailTo(unverified, 'verify_email', 2);
    const tokenOf = (l?: string[]) =>
      new URL(l?.find((x) => x.includes('token=')) ?? 'http://x/').searchParams.get('token');
    expect((await post('/verify-email', { token: tokenOf(older?.links) })).response.status).toBe(
      400,
    );
    expect((await post('/verify-email', { token: tokenOf(newest?.links) })).response.status).toBe(
      200,
    );
    const rows = await auditRowsOfUser(verifiedUser.user_id, 'email_verification_requested');
    expect(rows[0]?.details).toEqual({ account: true, sent: false });
  });
});
