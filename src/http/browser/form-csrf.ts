// CSRF defence for the hosted pages' HTML forms. Every POST must pass both checks, or it gets
// 403 `csrf_failed`:
//
// 1. Where it comes from: checkOrigin() (src/http/browser/origin-check.ts), as for the API's
//    refresh cookie. Browsers send Origin on every form POST.
// 2. A synchronizer token: the hidden `csrf` field must be the HMAC (under a KEK) of the
//    browser's `__Host-ea_form` cookie, a random value set on the first GET of a page. A page
//    of another site can make the browser send the cookie but cannot read it, so it cannot
//    fill in the field. Tying the token to a per-browser cookie rather than to the sign-in
//    session also covers the forms used before there is one (login CSRF: signing the victim
//    into the attacker's account).
//
// The cookie is HttpOnly and SameSite=Lax; `__Host-` pins it to this host, path /, Secure
// (RFC 6265bis §4.1.3.2).
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { toBase64Url } from '../../shared/base64url.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv, EnvWith } from '../context.ts';
import { checkOrigin } from './origin-check.ts';

/** What this module's middleware sets, for the routes behind it. */
export interface PageFormVariables {
  /** The fields of a hosted-page form POST that passed verifiedForm() (strings only). */
  pageForm: Record<string, string>;
}

/** The hidden field every hosted-page form carries. */
export const FORM_CSRF_FIELD = 'csrf';

const COOKIE = 'ea_form';
const INFO = 'edge-auth form csrf v1';
// 32 random bytes, base64url: what formCsrfToken() sets; anything else is ignored.
const VALUE = /^[A-Za-z0-9_-]{43}$/;

const fail = (why: string) =>
  new AuthError('csrf_failed', `This form could not be accepted: ${why}.`);

const cookieOf = <E extends AppEnv>(c: Context<E>): string | undefined => {
  const value = getCookie(c, COOKIE, 'host');
  return value && VALUE.test(value) ? value : undefined;
};

// One token per request, even if several forms on a page ask (the cookie is set only once).
const issued = new WeakMap<Request, Promise<string>>();

/** The `csrf` value for this browser's forms; sets the form cookie when it has none. */
export function formCsrfToken<E extends AppEnv>(c: Context<E>): Promise<string> {
  const known = issued.get(c.req.raw);
  if (known) return known;
  let value = cookieOf(c);
  if (!value) {
    value = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    // A browser-session cookie: a new one costs nothing but reloading an open form.
    setCookie(c, COOKIE, value, {
      prefix: 'host',
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
    });
  }
  const token = c.var.config.keys.ring.sign(INFO, value);
  issued.set(c.req.raw, token);
  return token;
}

/**
 * Middleware for every hosted-page POST: the origin check (before the body is read), then the
 * form's token against the cookie. The parsed fields are `c.var.pageForm`. Runs before rate
 * limits, so a forged post does not spend the victim's budget.
 */
export function verifiedForm() {
  return createMiddleware<EnvWith<PageFormVariables>>(async function verifiedForm(c, next) {
    checkOrigin(c);
    let body: Record<string, unknown>;
    try {
      body = await c.req.parseBody();
    } catch (cause) {
      throw new AuthError('invalid_request', 'Malformed form body.', { cause });
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(body)) {
      if (typeof value === 'string') fields[name] = value;
    }
    const cookie = cookieOf(c);
    if (!cookie) throw fail('this browser has no form cookie (are cookies blocked?)');
    const sent = fields[FORM_CSRF_FIELD];
    if (!sent) throw fail('the form token is missing');
    // Any configured KEK: a form rendered just before a KEK rotation still posts.
    if (!(await c.var.config.keys.ring.verify(INFO, cookie, sent))) {
      throw fail('the form token does not belong to this browser');
    }
    c.set('pageForm', fields);
    await next();
  });
}
