// CSRF defence for requests authenticated by the refresh cookie (/refresh, /logout). A request
// that carries the cookie must pass both checks, or it gets 403 `csrf_failed`:
//
// 1. Where it comes from. Origin (RFC 6454 §7), when present, must be this service's own origin
//    or one in ALLOWED_ORIGINS; without Origin, Sec-Fetch-Site (Fetch Metadata) must be absent,
//    `same-origin` or `none`. Browsers send Origin on every cross-origin POST.
// 2. Signed double submit. The X-CSRF-Token header must equal the CSRF cookie, and be the HMAC
//    of the refresh cookie (src/http/browser/csrf-token.ts). A page of another origin can make the
//    browser send the cookies, but cannot read them to fill in the header, and cannot send the
//    header at all without a CORS preflight, which only allowlisted origins pass.
//
// Requests without the cookie (a refresh token in the body, a Bearer token) are not CSRF-able
// and pass untouched. Runs before the body is parsed, so a forged form post is refused as
// CSRF, not as a wrong content type.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { timingSafeEqual } from '../../shared/hmac-keys.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { csrfTokenMatches } from './csrf-token.ts';
import { CSRF_HEADER, csrfCookieOf, refreshCookieOf } from './session-cookies.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** The refresh cookie's token, set only once the request passed the CSRF checks. */
    cookieRefreshToken: string | undefined;
  }
}

const fail = (why: string) => new AuthError('csrf_failed', `CSRF check failed: ${why}.`);

/** Origin (or, without it, Sec-Fetch-Site) must be this service or an allowed app. */
export function checkOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header('Origin');
  const { issuer, browser } = c.var.config;
  if (origin !== undefined) {
    if (origin === new URL(issuer).origin || browser.allowedOrigins.includes(origin)) return;
    throw fail('the request comes from an origin that is not allowed');
  }
  const site = c.req.header('Sec-Fetch-Site');
  if (site === undefined || site === 'same-origin' || site === 'none') return;
  throw fail(`Sec-Fetch-Site is "${site}" and there is no Origin header`);
}

export function csrfForCookieSession() {
  return createMiddleware<AppEnv>(async function csrfForCookieSession(c, next) {
    const refreshToken = refreshCookieOf(c);
    if (refreshToken === undefined) return next();
    checkOrigin(c);
    const header = c.req.header(CSRF_HEADER);
    if (!header) throw fail(`the ${CSRF_HEADER} header is missing`);
    const cookie = csrfCookieOf(c);
    if (!cookie || !timingSafeEqual(header, cookie)) {
      throw fail(`the ${CSRF_HEADER} header does not match the CSRF cookie`);
    }
    if (!(await csrfTokenMatches(header, refreshToken, c.var.config.keys.ring))) {
      throw fail(`the ${CSRF_HEADER} header does not belong to this session`);
    }
    c.set('cookieRefreshToken', refreshToken);
    await next();
  });
}
