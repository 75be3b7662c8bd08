// The account page (/account) and its buttons: revoke one session, withdraw an application's
// access (its consent), sign out, sign out everywhere. The profile's forms (name, password,
// email, delete) are src/http/routes/account-settings.tsx. A browser signed out (or never
// signed in) is sent to the login page.
import { Hono } from 'hono';
import { signOutBrowser } from '../browser/sign-out.ts';
import { browserSessionOf, clearBrowserSession } from '../browser/sso-cookie.ts';
import type { AppEnv } from '../context.ts';
import { revokeConsent } from '../../oauth/consents.ts';
import { accountSettings } from './account-settings.tsx';
import { noticeOf, renderAccount } from './account-view.tsx';
import { ACCOUNT, form, LOGIN_FOR_ACCOUNT, withPageHeaders } from './page-kit.tsx';

export const accountPages = withPageHeaders(new Hono<AppEnv>(), [
  '/account',
  '/account/sessions/*',
  '/account/consents/*',
  '/logout',
  '/logout-all',
])
  .get('/account', async (c) => {
    const session = await browserSessionOf(c);
    if (!session) return c.redirect(LOGIN_FOR_ACCOUNT, 303);
    return renderAccount(c, session, { notice: noticeOf(c.req.query('done')) });
  })
  .post('/account/sessions/:id/revoke', ...form, async (c) => {
    const session = await browserSessionOf(c);
    if (!session) return c.redirect(LOGIN_FOR_ACCOUNT, 303);
    const id = c.req.param('id').slice(0, 64);
    // Another user's session id is refused like an ended one; a second click just comes back.
    if (await c.var.services.userSessions.revokeOwn(session.uid, id)) {
      const current = id === session.sid;
      c.var.services.audit.record({
        type: 'session_revoked',
        userId: session.uid,
        sessionId: id,
        details: { reason: current ? 'user_revoked_current' : 'user_revoked' },
      });
      if (current) {
        clearBrowserSession(c);
        return c.redirect('/login', 303);
      }
    }
    return c.redirect(ACCOUNT, 303);
  })
  .post('/account/consents/:client/revoke', ...form, async (c) => {
    const session = await browserSessionOf(c);
    if (!session) return c.redirect(LOGIN_FOR_ACCOUNT, 303);
    const clientId = c.req.param('client').slice(0, 128);
    // A second click (or another user's client id) finds no grant and just comes back.
    const { revoked, ended } = await revokeConsent(c.var.services.consents, session.uid, clientId);
    // The client learns its sessions ended (OIDC Back-Channel Logout), after the response.
    c.var.services.notifyLoggedOut(session.uid, ended);
    if (revoked) {
      c.var.services.audit.record({
        type: 'consent_revoked',
        userId: session.uid,
        sessionId: session.sid,
        details: { client_id: clientId, sessions_revoked: ended.length, source: 'page' },
      });
    }
    return c.redirect(ACCOUNT, 303);
  })
  .post('/logout', ...form, async (c) => {
    const session = await browserSessionOf(c);
    // The sign-in ends with every client session granted from it (OIDC logout, the same way).
    if (session) {
      await signOutBrowser(c, session);
      c.var.services.audit.record({ type: 'logout', userId: session.uid, sessionId: session.sid });
    }
    clearBrowserSession(c);
    return c.redirect('/login', 303);
  })
  .post('/logout-all', ...form, async (c) => {
    const session = await browserSessionOf(c);
    if (session) {
      const ended = await c.var.services.userSessions.revokeAll(session.uid);
      c.var.services.audit.record({
        type: 'logout_all',
        userId: session.uid,
        sessionId: session.sid,
        details: { sessions: ended },
      });
    }
    clearBrowserSession(c);
    return c.redirect('/login', 303);
  })
  .route('/', accountSettings);
