// The account page in a real browser (issue 18): Debian's Chromium (playwright-core) against
// `wrangler dev` on the local stack, with verified addresses required. A newcomer registers,
// follows the mailed link (read from the stack's dev mailbox), lands signed in on the account
// page, changes the name (and sees a form without its CSRF token refused), changes the
// password, moves the account to a new address by the link mailed there, and deletes it.
//
// Skipped, with a message, when no Chromium is installed; EDGE_AUTH_REQUIRE_BROWSER=1 (set by
// .ci/run) makes that a failure.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WranglerDev } from '../../dev/wrangler-dev.ts';
import {
  assertBrowser,
  browserAvailable,
  browserRequired,
  rethrow,
  startWorkerAndBrowser,
  warnIfSkipped,
  workerAddress,
} from './browser-harness.ts';
import { ROOMY_LIMITS } from './worker-test-vars.ts';

warnIfSkipped('account browser e2e');

interface Mail {
  subject: string;
  links: string[];
}

/** The mail of `tag` to `to`, newest first, once there is some (it goes out after the response). */
async function mailed(stackUrl: string, to: string, tag: string): Promise<Mail[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await fetch(`${stackUrl}/mailbox/messages?to=${encodeURIComponent(to)}&tag=${tag}`);
    const { messages } = (await res.json()) as { messages: Mail[] };
    if (messages.length > 0) return messages;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${tag} mail to ${to}`);
}

/** The newest mailed link of `tag` to `to`. */
async function mailedLink(stackUrl: string, to: string, tag: string): Promise<string> {
  const [mail] = await mailed(stackUrl, to, tag);
  const link = mail?.links.find((l) => l.includes('token='));
  if (!link) throw new Error(`no link in the ${tag} mail to ${to}`);
  return link;
}

describe.skipIf(!browserAvailable && !browserRequired)(
  'account page in a real browser (Chromium) against wrangler dev',
  () => {
    const stack = inject('stack');
    const email = `account-${randomUUID().slice(0, 8)}@example.com`;
    const password = `first pass ${randomBytes(9).toString('base64url')}`;
    const newPassword = `second pass ${randomBytes(9).toString('base64url')}`;
    const movedTo = `moved-${randomUUID().slice(0, 8)}@example.com`;
    let worker: WranglerDev | undefined;
    let origin = '';
    let browser: Browser | undefined;
    let page: Page;

    beforeAll(async () => {
      assertBrowser();
      const address = await workerAddress();
      origin = address.origin;
      ({ worker, browser } = await startWorkerAndBrowser(stack, address, {
        ...ROOMY_LIMITS,
        REQUIRE_EMAIL_VERIFICATION: 'true',
      }));
      page = await (await browser!.newContext()).newPage();
    }, 120_000);

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await worker?.stop();
    }, 30_000);

    it('register, follow the link: signed in on the account page', async () => {
      await page.goto(`${origin}/register`).catch(rethrow('open /register'));
      await page.fill('#field-email', email);
      await page.fill('#field-password', password);
      await page.click('button[type=submit]');
      await page.waitForLoadState();
      expect(await page.textContent('main')).toContain('Check your inbox');

      const link = await mailedLink(stack.url, email, 'verify_email');
      await page.goto(link).catch(rethrow('open the verification link'));
      await page.click('button:has-text("Confirm my email address")');
      await page.waitForURL(`${origin}/account?done=verified`);
      const main = (await page.textContent('main')) ?? '';
      expect(main).toContain('Your email address is confirmed and you are signed in.');
      expect(main).toContain(email);
      expect(main).toContain('verified');
      expect(main).not.toContain('not verified');
    }, 60_000);

    it('changes the name; a form stripped of its CSRF token is refused', async () => {
      await page.fill('#field-name', 'Ada Lovelace');
      await page.click('button:has-text("Save name")');
      await page.waitForURL(`${origin}/account?done=name`);
      expect(await page.textContent('dl.facts')).toContain('Ada Lovelace');

      // The same form without its synchronizer token (as a forged post would arrive).
      await page.evaluate(() => {
        const form = document.querySelector('form[action="/account/name"]');
        form?.querySelector('input[name="csrf"]')?.remove();
      });
      await page.fill('#field-name', 'Mallory');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/account/name')),
        page.click('button:has-text("Save name")'),
      ]);
      expect(response.status()).toBe(403);
      expect(await page.textContent('main')).toContain('This form could not be accepted');
      await page.goto(`${origin}/account`);
      expect(await page.textContent('dl.facts')).toContain('Ada Lovelace');
    }, 60_000);

    it('changes the password: a wrong current one is refused on the page, then it works', async () => {
      await page.fill('#field-current_password', 'certainly not the password');
      await page.fill('#field-new_password', newPassword);
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/account/password')),
        page.click('button:has-text("Change password")'),
      ]);
      expect(refused.status()).toBe(403);
      expect(await page.textContent('[role=alert]')).toContain(
        'The current password is incorrect.',
      );

      await page.fill('#field-current_password', password);
      await page.fill('#field-new_password', newPassword);
      await page.click('button:has-text("Change password")');
      await page.waitForURL(`${origin}/account?done=password`);
      expect(await page.textContent('main')).toContain('Your password is changed');
      const login = await fetch(`${origin}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: newPassword }),
      });
      expect(login.status).toBe(200);
    }, 60_000);

    it('changes the email address by the link mailed to the new one', async () => {
      await page.fill('#field-new_email', movedTo);
      await page.fill('#field-email_current_password', newPassword);
      await page.click('button:has-text("Send confirmation link")');
      await page.waitForURL(`${origin}/account?done=email_sent`);
      expect(await page.textContent('dl.facts')).toContain(email);

      const link = await mailedLink(stack.url, movedTo, 'email_change');
      await page.goto(link).catch(rethrow('open the email-change link'));
      await page.click('button:has-text("Confirm my new email address")');
      await page.waitForURL(`${origin}/account?done=email_changed`);
      const facts = (await page.textContent('dl.facts')) ?? '';
      expect(facts).toContain(movedTo);
      expect(facts).not.toContain(email);
      // The old address was told.
      const told = await mailed(stack.url, email, 'email_changed');
      expect(told.map((m) => m.subject)).toEqual(['Your email address was changed']);
    }, 60_000);

    it('deletes the account with the password re-entered; /account then asks to sign in', async () => {
      expect(await page.textContent('main')).toContain('It cannot be undone');
      await page.fill('#field-delete_password', newPassword);
      await page.click('button:has-text("Delete my account")');
      await page.waitForLoadState();
      expect(await page.textContent('main')).toContain('Your account is deleted');
      await page.goto(`${origin}/account`);
      expect(new URL(page.url()).pathname).toBe('/login');
      const login = await fetch(`${origin}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: movedTo, password: newPassword }),
      });
      expect(login.status).toBe(401);
    }, 60_000);
  },
);
