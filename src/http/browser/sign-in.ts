// Signing a browser in on the hosted pages, the one way every sign-in does it (/login,
// /register, a finished password reset, a verified email): a new browser session, audited. The
// sign-in it replaces (a re-authentication asked by /oauth/authorize, or another account) ends,
// so it neither lingers toward SESSION_CAP nor vouches for anything later.
import type { Context } from 'hono';
import type { SessionUser } from '../../auth/session-start.ts';
import type { AppEnv } from '../context.ts';
import { signInBrowser } from './sso-cookie.ts';

/** The new browser session's id. StaleLoginError (nothing started) when the user changed. */
export async function signInReplacing<E extends AppEnv>(
  c: Context<E>,
  user: SessionUser,
  replaced: { uid: string; sid: string } | undefined,
): Promise<string> {
  const { services } = c.var;
  const sessionId = await signInBrowser(c, user);
  services.audit.record({ type: 'login_success', userId: user.id, sessionId });
  if (replaced && (await services.userSessions.revokeOwn(replaced.uid, replaced.sid))) {
    services.audit.record({
      type: 'session_revoked',
      userId: replaced.uid,
      sessionId: replaced.sid,
      details: { reason: 'replaced_by_sign_in' },
    });
  }
  return sessionId;
}
