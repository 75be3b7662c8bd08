// Browser ("cookie") mode: the refresh token travels in an HttpOnly cookie that page scripts
// cannot read, instead of the JSON body. Asked for with `"use_cookie": true` in the login or
// refresh body, or the header `X-Token-Transport: cookie`.
//
// Cookies (RFC 6265bis): `__Secure-` prefix (§4.1.3.1: Secure required; `__Host-` would force
// Path=/ and send the token to every route), Path=/api/v1/auth so only this API receives them,
// SameSite from COOKIE_SAMESITE, Max-Age = the refresh token's remaining lifetime. The CSRF
// cookie is readable by scripts of this site only; a cross-origin app reads the same value from
// the response's `csrf_token`.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { TokenPair } from '../../auth/token-pair.ts';
import type { AppEnv } from '../context.ts';
import { csrfTokenFor } from './refresh-cookie-csrf-token.ts';

export const COOKIE_PATH = '/api/v1/auth';
/** Names without the prefix; on the wire `__Secure-ea_refresh` and `__Secure-ea_csrf`. */
export const REFRESH_COOKIE = 'ea_refresh';
export const CSRF_COOKIE = 'ea_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
export const TRANSPORT_HEADER = 'X-Token-Transport';

/** What a cookie-mode login or refresh answers: the pair minus the refresh token. */
export type RefreshCookieBody = Omit<TokenPair, 'refresh_token'> & { csrf_token: string };

export function wantsCookieTransport<E extends AppEnv>(
  c: Context<E>,
  useCookie: boolean | undefined,
): boolean {
  return useCookie === true || c.req.header(TRANSPORT_HEADER)?.trim().toLowerCase() === 'cookie';
}

const options = <E extends AppEnv>(
  c: Context<E>,
  maxAge: number,
  httpOnly: boolean,
): CookieOptions => ({
  prefix: 'secure',
  path: COOKIE_PATH,
  secure: true,
  httpOnly,
  sameSite: c.var.config.browser.cookieSameSite,
  maxAge,
});

/** The refresh token in the request's cookie, if any (checked by csrfForRefreshCookie()). */
export const refreshCookieOf = <E extends AppEnv>(c: Context<E>): string | undefined =>
  getCookie(c, REFRESH_COOKIE, 'secure') || undefined;

export const csrfCookieOf = <E extends AppEnv>(c: Context<E>): string | undefined =>
  getCookie(c, CSRF_COOKIE, 'secure') || undefined;

/** Puts the refresh token and its CSRF token in cookies; returns the body to answer with. */
export async function issueRefreshCookies<E extends AppEnv>(
  c: Context<E>,
  tokens: TokenPair,
): Promise<RefreshCookieBody> {
  const { refresh_token: refreshToken, ...rest } = tokens;
  const csrfToken = await csrfTokenFor(refreshToken, c.var.config.keys.ring);
  setCookie(c, REFRESH_COOKIE, refreshToken, options(c, tokens.refresh_expires_in, true));
  setCookie(c, CSRF_COOKIE, csrfToken, options(c, tokens.refresh_expires_in, false));
  return { ...rest, csrf_token: csrfToken };
}

/** Expires both cookies (logout, or a refresh token the server no longer accepts). */
export function clearRefreshCookies<E extends AppEnv>(c: Context<E>): void {
  deleteCookie(c, REFRESH_COOKIE, options(c, 0, true));
  deleteCookie(c, CSRF_COOKIE, options(c, 0, false));
}
