// Signing a browser out of the hosted pages, the one way every sign-out does it (the account
// page's button, OIDC RP-initiated logout): the browser session ends together with every
// session an OAuth client was granted from it, those clients hear of it by back-channel logout
// (after the response), and the cookie goes. The caller audits, in its own words.
import type { Context } from 'hono';
import type { EndedSession } from '../../auth/user-session-sweeps.ts';
import type { AppEnv } from '../context.ts';
import { clearBrowserSession } from './sso-cookie.ts';

export async function signOutBrowser<E extends AppEnv>(
  c: Context<E>,
  session: { uid: string; sid: string },
): Promise<EndedSession[]> {
  const { services } = c.var;
  const ended = await services.userSessions.endBrowserSession(session.uid, session.sid);
  services.notifyLoggedOut(session.uid, ended);
  clearBrowserSession(c);
  return ended;
}
