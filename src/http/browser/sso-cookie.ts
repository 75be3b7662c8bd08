// The one sign-in of a browser on the hosted pages (/login, /register, /account,
// /oauth/authorize, and the email-verification page): cookie `__Host-ea_sso` =
// `<user id>.<session id>.<HMAC of both>` (the session's Redis keys are named by both). The
// session is an ordinary one in Redis, started without tokens (startBrowserSession in
// src/auth/session-start.ts), so it counts toward SESSION_CAP, shows in the session list and
// dies with logout-all, a password reset or a disable; the cookie only names it, and the HMAC
// (under any KEK) means a browser cannot name a session it was not given. Reading it is one
// Redis round trip. `__Host-` pins it to this host, path /, Secure (RFC 6265bis §4.1.3.2).
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { SessionClaims } from '../../auth/session-store.ts';
import { type SessionUser, startBrowserSession } from '../../auth/session-start.ts';
import type { AppEnv } from '../context.ts';

const COOKIE = 'ea_sso';
const INFO = 'edge-auth hosted-pages sign-in v2';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const cookieOptions = <E extends AppEnv>(c: Context<E>, maxAge: number) =>
  ({
    prefix: 'host',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: c.var.config.browser.cookieSameSite,
    maxAge,
  }) as const;

/**
 * Starts a browser session for `user` and signs this browser into it; returns the session id.
 * StaleLoginError (nothing started) when the user changed since it was read.
 */
export async function signInBrowser<E extends AppEnv>(
  c: Context<E>,
  user: SessionUser,
): Promise<string> {
  const { config } = c.var;
  const { sid, expiresIn } = await startBrowserSession(
    c.var.services.tokens,
    user,
    c.var.services.client,
    new Date(),
  );
  const mac = await config.keys.ring.sign(INFO, `${user.id}.${sid}`);
  setCookie(c, COOKIE, `${user.id}.${sid}.${mac}`, cookieOptions(c, expiresIn));
  return sid;
}

/** The live session this browser is signed into, if any. */
export async function browserSessionOf<E extends AppEnv>(
  c: Context<E>,
): Promise<(SessionClaims & { epoch: number }) | undefined> {
  const value = getCookie(c, COOKIE, 'host');
  if (!value) return undefined;
  const [uid = '', sid = '', mac = ''] = value.split('.');
  if (!UUID.test(uid) || !UUID.test(sid)) return undefined;
  if (!(await c.var.config.keys.ring.verify(INFO, `${uid}.${sid}`, mac))) return undefined;
  return c.var.services.sessions.read(uid, sid);
}

/** Forgets the cookie (the caller revokes the session when that is meant). */
export function clearBrowserSession<E extends AppEnv>(c: Context<E>): void {
  deleteCookie(c, COOKIE, cookieOptions(c, 0));
}
