// The admin console as a browser sees it: a cookie jar signed in on the hosted pages (as an
// administrator or not), optionally against a deployment of its own (env overrides: an own
// ISSUER and Redis prefix, for the key rotation tests), and what its pages hold.
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { users } from '../../src/store/schema.ts';
import { PASSWORD, registerUser } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { csrfOf, PageBrowser } from './page-browser.ts';

/** The shared cookie jar (test/worker/page-browser.ts), signing in and opening pages strictly. */
export class ConsoleBrowser extends PageBrowser {
  /** Opens `page` (which must answer 200), takes its form token, and posts `fields` to `action`. */
  override async submit(page: string, action: string, fields: Record<string, string> = {}) {
    const opened = await this.get(page);
    expect(opened.response.status, opened.body.slice(0, 300)).toBe(200);
    return this.post(action, { csrf: csrfOf(opened.body), ...fields });
  }

  /** Signs in on /login (as `email`, the fixtures' password). */
  async signIn(email: string, returnTo = '/account') {
    const page = await this.get('/login');
    const signedIn = await this.post('/login', {
      csrf: csrfOf(page.body),
      email,
      password: PASSWORD,
      return_to: returnTo,
    });
    expect(signedIn.response.status, signedIn.body.slice(0, 300)).toBe(303);
    return signedIn;
  }
}

export { csrfOf };

/** A registered user given `roles` in SQL before signing in (the session's scope follows). */
export async function userWithRoles(roles: string[], email?: string) {
  const user = await registerUser(email);
  await testDb().update(users).set({ roles }).where(eq(users.id, user.user_id));
  return user;
}

/** An administrator, and a browser signed in as them on the hosted pages. */
export async function signedInAdmin(env: Record<string, string> = {}) {
  const admin = await userWithRoles(['admin']);
  const browser = new ConsoleBrowser(env);
  await browser.signIn(admin.email);
  return { admin, browser };
}

/** The text of the page's `role="status"` notice, if any. */
export const noticeOf = (html: string) =>
  /<p class="notice" role="status">([^<]*)<\/p>/.exec(html)?.[1];

/** HTML text as shown (the entities JSX escapes turned back). */
export const unescaped = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
