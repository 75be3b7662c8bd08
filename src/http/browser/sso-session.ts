// The sign-in of a browser on the hosted pages (/login, /account, /oauth/authorize): cookie
// `__Host-ea_sso` = `<user id>.<session id>.<HMAC of both>` (the session's Redis keys are
// named by both). The session is an ordinary one in Redis
// (started with startSession, so it counts toward SESSION_CAP, shows in the session list and
// dies with logout-all, a password reset or a disable); the cookie only names it, and the HMAC
// (under any KEK) means a browser cannot name a session it was not given. Reading it is one
// Redis round trip. `__Host-` pins it to this host, path /, Secure (RFC 6265bis §4.1.3.2).
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { SessionClaims } from '../../auth/sessions.ts';
import { sessionIdOf, startSession } from '../../auth/token-service.ts';
import type { UserRecord } from '../../auth/users.ts';
import type { AppEnv } from '../context.ts';
import { clientInfo, tokenDeps } from '../../compose/services.ts';

const COOKIE = 'ea_sso';
const INFO = 'edge-auth hosted-pages sign-in v2';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const cookieOptions = (c: Context<AppEnv>, maxAge: number) =>
  ({
    prefix: 'host',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: c.var.config.browser.cookieSameSite,
    maxAge,
  }) as const;

/** Starts a session for `user` and signs this browser into it; returns the session id. */
export async function startBrowserSession(
  c: Context<AppEnv>,
  user: Pick<UserRecord, 'id' | 'email' | 'roles' | 'securityEpoch'>,
): Promise<string> {
  const { config } = c.var;
  const tokens = await startSession(tokenDeps(c), user, clientInfo(c), new Date());
  const sid = sessionIdOf(tokens);
  if (!sid) throw new Error('session id missing from a fresh access token');
  const mac = await config.keys.ring.sign(INFO, `${user.id}.${sid}`);
  // The refresh token is not kept: this session lives until its refresh TTL, unrefreshed.
  setCookie(c, COOKIE, `${user.id}.${sid}.${mac}`, cookieOptions(c, tokens.refresh_expires_in));
  return sid;
}

/** The live session this browser is signed into, if any. */
export async function browserSessionOf(
  c: Context<AppEnv>,
): Promise<(SessionClaims & { epoch: number }) | undefined> {
  const value = getCookie(c, COOKIE, 'host');
  if (!value) return undefined;
  const [uid = '', sid = '', mac = ''] = value.split('.');
  if (!UUID.test(uid) || !UUID.test(sid)) return undefined;
  if (!(await c.var.config.keys.ring.verify(INFO, `${uid}.${sid}`, mac))) return undefined;
  return tokenDeps(c).sessions.read(uid, sid);
}

/** Forgets the cookie (the caller revokes the session when that is meant). */
export function clearBrowserSession(c: Context<AppEnv>): void {
  deleteCookie(c, COOKIE, cookieOptions(c, 0));
}
