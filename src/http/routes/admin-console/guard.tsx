// Who may use the admin console: a browser signed in on the hosted pages (the `__Host-ea_sso`
// session, src/http/browser/sso-cookie.ts) whose session carries the `admin` scope. The admin
// API decides with requireScope('admin') on the access token's `scope`; the browser session's
// `scope` is the same union of the roles' scopes (ROLE_SCOPES, src/config/roles.ts), kept
// current by a role change (src/auth/user-admin.ts setRoles rewrites every live session), so
// the console decides the same way from it. Not signed in: to the sign-in page and back here.
// Signed in without the scope: a 403 page.
import type { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { SessionClaims } from '../../../auth/session-store.ts';
import { formPageHeaders, htmlPageHeaders } from '../../browser/security-headers.ts';
import { browserSessionOf } from '../../browser/sso-cookie.ts';
import type { AppEnv, EnvWith } from '../../context.ts';
import { htmlErrors } from '../../error-response.ts';
import { ErrorPage } from '../../pages/layout.tsx';

/** The scope the admin API's routes require (src/http/routes/admin-users.ts). */
export const ADMIN_SCOPE = 'admin';

export interface AdminPageVariables {
  /** The signed-in administrator's browser session. */
  admin: SessionClaims;
}

/** The acting administrator, as the audit events of the admin API name it. */
export const actorOf = (admin: SessionClaims) => ({ userId: admin.uid, sessionId: admin.sid });

/** RFC 6749 §3.3: the scope is a space-delimited, case-sensitive list. */
export const hasAdminScope = (session: Pick<SessionClaims, 'scope'>) =>
  session.scope.split(' ').includes(ADMIN_SCOPE);

/**
 * Sets `c.var.admin`, or answers: a redirect to /login (back to this page after a GET; to
 * /admin after a POST, whose form would be gone) or the 403 page.
 */
export function adminOnly() {
  return createMiddleware<EnvWith<AdminPageVariables>>(async function adminOnly(c, next) {
    const session = await browserSessionOf(c);
    if (!session) {
      const url = new URL(c.req.url);
      const back = c.req.method === 'GET' ? `${url.pathname}${url.search}` : '/admin';
      return c.redirect(`/login?return_to=${encodeURIComponent(back)}`, 303);
    }
    if (!hasAdminScope(session)) {
      return c.html(
        <ErrorPage
          title="Administrators only"
          message="The admin console needs the admin role, and your account does not have it."
          link={{ href: '/account', label: 'Go to your account' }}
        />,
        403,
      );
    }
    c.set('admin', session);
    await next();
  });
}

const consoleErrors = htmlErrors({
  titles: { csrf_failed: 'This form could not be accepted', not_found: 'Not found' },
  link: () => ({ href: '/admin', label: 'Back to the console' }),
});

/** The hosted pages' headers (page CSP, no-store, same-origin referrer) and error pages. */
export function withConsoleHeaders(app: Hono<AppEnv>): Hono<AppEnv> {
  const headers = htmlPageHeaders();
  for (const path of ['/admin', '/admin/*']) {
    app.use(path, consoleErrors, headers, formPageHeaders());
  }
  return app;
}

/** A short message after an action, carried by the redirect (`?done=<code>&n=<count>`). */
export function doneNotice(
  messages: Record<string, (n: number) => string>,
  done: string | undefined,
  n: string | undefined,
): string | undefined {
  const count = Number(n ?? 0);
  const message = done ? messages[done] : undefined;
  return message?.(Number.isSafeInteger(count) && count >= 0 ? count : 0);
}
