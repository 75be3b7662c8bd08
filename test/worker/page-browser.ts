// A browser without JavaScript on the hosted pages, for worker tests: a cookie jar, a client
// address of its own (so rate limits are per test), optional env overrides (an own ISSUER, a
// Redis prefix, verification required), and the page's CSRF token read from its forms. The
// hosted-pages, account, admin-console and OIDC tests all drive the pages through it.
import { freshIp, type Overrides } from './abuse-fixtures.ts';
import { sendWithEnv } from './helpers.ts';

export const SSO = '__Host-ea_sso';
const DEFAULT_ISSUER = 'http://auth.test';

/** The redirect a response names: the raw Location header, unless a subclass reads it. */
type ReadLocation<L> = (raw: string | null, origin: string) => L;
const rawLocation: ReadLocation<string | undefined> = (raw) => raw ?? undefined;

export class PageBrowser<L = string | undefined> {
  readonly cookies = new Map<string, string>();
  readonly ip = freshIp();
  readonly env: Overrides;
  private readonly readLocation: ReadLocation<L>;

  constructor(env: Overrides = {}, readLocation?: ReadLocation<L>) {
    this.env = env;
    this.readLocation = readLocation ?? (rawLocation as ReadLocation<L>);
  }

  /** The origin the pages are served on, which the forms' Origin check expects. */
  get origin(): string {
    return new URL(this.env.ISSUER ?? DEFAULT_ISSUER).origin;
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
      location: this.readLocation(response.headers.get('Location'), this.origin),
    };
  }

  get = (path: string) => this.request(path);

  /** A form POST from this origin (or as `headers` say: another Origin, Sec-Fetch-Site). */
  post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    this.request(path, {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { Origin: this.origin, ...headers },
    });

  /** GETs `page` for its CSRF token, then POSTs `fields` (plus the token) to `action`. */
  async submit(page: string, action: string, fields: Record<string, string> = {}) {
    const csrf = csrfOf((await this.get(page)).body);
    return this.post(action, { csrf, ...fields });
  }

  /** The browser session this browser is signed into: user id and session id. */
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
