// The admin console as a browser sees it: a cookie jar signed in on the hosted pages (as an
// administrator or not), optionally against a deployment of its own (env overrides: an own
// ISSUER and Redis prefix, for the key rotation tests), and what its pages hold.
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { users } from '../../src/store/schema.ts';
import { freshIp } from './abuse-fixtures.ts';
import { PASSWORD, registerUser } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { sendWithEnv } from './helpers.ts';
import { ISSUER } from './oauth-fixtures.ts';

export class ConsoleBrowser {
  readonly cookies = new Map<string, string>();
  readonly ip = freshIp();

  readonly env: Record<string, string>;

  constructor(env: Record<string, string> = {}) {
    this.env = env;
  }

  get origin(): string {
    return new URL(this.env.ISSUER ?? ISSUER).origin;
  }

  async request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await sendWithEnv(path, this.env, {
      redirect: 'manual',
      ...init,
      headers: {
        'CF-Connecting-IP': this.ip,
        ...(cookie ? { Cookie: cookie } : {}),
        ...init.headers,
      },
    });
    for (const line of response.headers.getAll('Set-Cookie')) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (/max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = response.headers.get('Location');
    return { response, body: await response.text(), location: location ?? undefined };
  }

  get = (path: string) => this.request(path);

  post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { Origin: this.origin, ...headers },
    });

  /** Opens `page`, takes its form token, and posts `fields` to `action` with it. */
  async submit(page: string, action: string, fields: Record<string, string> = {}) {
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

export const csrfOf = (html: string) => {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF field on the page');
  return token;
};

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
