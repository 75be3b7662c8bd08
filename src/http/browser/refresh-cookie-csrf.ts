// CSRF defence for requests authenticated by the refresh cookie (/refresh, /logout). A request
// that carries the cookie must pass both checks, or it gets 403 `csrf_failed`:
//
// 1. Where it comes from: checkOrigin() (src/http/browser/origin-check.ts).
// 2. Signed double submit. The X-CSRF-Token header must equal the CSRF cookie, and be the HMAC
//    of the refresh cookie (src/http/browser/refresh-cookie-csrf-token.ts). A page of another
//    origin can make the browser send the cookies, but cannot read them to fill in the header,
//    and cannot send the header at all without a CORS preflight, which only allowlisted
//    origins pass.
//
// Requests without the cookie (a refresh token in the body, a Bearer token) are not CSRF-able
// and pass untouched. Runs before the body is parsed, so a forged form post is refused as
// CSRF, not as a wrong content type.
import { createMiddleware } from 'hono/factory';
import { timingSafeEqual } from '../../shared/hmac-keys.ts';
import { AuthError } from '../../shared/errors.ts';
import type { EnvWith } from '../context.ts';
import { checkOrigin } from './origin-check.ts';
import { csrfTokenMatches } from './refresh-cookie-csrf-token.ts';
import { CSRF_HEADER, csrfCookieOf, refreshCookieOf } from './refresh-cookies.ts';

/** What this module's middleware sets, for the routes behind it. */
export interface CookieCsrfVariables {
  /** The refresh cookie's token, set only once the request passed the CSRF checks. */
  cookieRefreshToken: string | undefined;
}

const fail = (why: string) => new AuthError('csrf_failed', `CSRF check failed: ${why}.`);

export function csrfForRefreshCookie() {
  return createMiddleware<EnvWith<CookieCsrfVariables>>(
    async function csrfForRefreshCookie(c, next) {
      const refreshToken = refreshCookieOf(c);
      c.set('cookieRefreshToken', undefined);
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
    },
  );
}
