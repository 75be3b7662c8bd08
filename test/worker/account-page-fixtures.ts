// The account page as a browser without JavaScript uses it: a cookie jar with env overrides
// (REQUIRE_EMAIL_VERIFICATION for the register -> link flow), the page's CSRF token read from
// its forms, and a user signed in on the hosted pages.
import { expect } from 'vitest';
import { freshIp, type Overrides } from './abuse-fixtures.ts';
import { PASSWORD, registerUser } from './auth-fixtures.ts';
import { sendWithEnv } from './helpers.ts';

export const ORIGIN = 'http://auth.test';
export const SSO = '__Host-ea_sso';
export const NEW_PASSWORD = 'an entirely different passphrase 77';

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly ip = freshIp();
  private readonly env: Overrides;

  constructor(env: Overrides = {}) {
    this.env = env;
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
    return {
      response,
      body: await response.text(),
      location: response.headers.get('Location') ?? undefined,
    };
  }

  get = (path: string) => this.request(path);

  post = (path: string, fields: Record<string, string>, origin = ORIGIN) =>
    this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { Origin: origin },
    });

  /** GETs `page` for its CSRF token, then POSTs `fields` (plus the token) to `action`. */
  async submit(page: string, action: string, fields: Record<string, string> = {}) {
    const csrf = csrfOf((await this.get(page)).body);
    return this.post(action, { csrf, ...fields });
  }

  /** The browser session this browser is signed into. */
  get sso(): { uid: string; sid: string } | undefined {
    const [uid, sid] = (this.cookies.get(SSO) ?? '').split('.');
    return uid && sid ? { uid, sid } : undefined;
  }
}

export const csrfOf = (html: string) => {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF field on the page');
  return token;
};

/** A hidden field's value as the page holds it (HTML-unescaped). */
export const hiddenOf = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`)
    .exec(html)?.[1]
    ?.replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"');

/** A new user (registered through the API), and a browser signed in as them. */
export async function signedInUser(env: Overrides = {}) {
  const user = await registerUser();
  const browser = new Browser(env);
  const { response } = await browser.submit('/login', '/login', {
    email: user.email,
    password: PASSWORD,
  });
  expect(response.status).toBe(303);
  return { user, browser };
}
