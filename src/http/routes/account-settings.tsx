// The account page's forms: the display name, the password, the email address (a mailed link
// to the new address finishes it: /account/email/confirm) and deleting the account. Every POST
// passes the `form` middleware (origin + synchronizer token); every change is audited by the
// domain (src/auth/profile-changes.ts, src/auth/account-lifecycle.ts), over the same services
// as the JSON API. A refused form comes back on the account page with its message and the
// error's status; a done one redirects (303, so a reload does not post again) with a notice.
import { type Context, Hono } from 'hono';
import { changePassword, deleteOwnAccount } from '../../auth/account-lifecycle.ts';
import { EmailSchema } from '../../auth/email.ts';
import type { RateLimitedLoginGuard } from '../../auth/login-guard.ts';
import { looksLikeOneTimeToken } from '../../auth/one-time-tokens.ts';
import {
  changeDisplayName,
  confirmEmailChange,
  requestEmailChange,
} from '../../auth/profile-changes.ts';
import { StaleLoginError } from '../../auth/session-start.ts';
import type { SessionClaims } from '../../auth/session-store.ts';
import { AuthError } from '../../shared/errors.ts';
import { formCsrfToken } from '../browser/form-csrf.ts';
import { browserSessionOf, clearBrowserSession, signInBrowser } from '../browser/sso-cookie.ts';
import type { AppEnv } from '../context.ts';
import { renderErrorPage } from '../error-response.ts';
import type { SettingsForm, SettingsState } from '../pages/account-settings.tsx';
import { PageForm } from '../pages/form.tsx';
import { ErrorPage, Layout } from '../pages/layout.tsx';
import { withRateLimitFields } from '../rate-limit-fields.ts';
import { renderAccount } from './account-view.tsx';
import { ACCOUNT, form, LOGIN_FOR_ACCOUNT, withPageHeaders } from './page-kit.tsx';

const showable = (error: unknown): error is AuthError =>
  error instanceof AuthError && error.status < 500;

/** The login guard for a password re-check on a page (no Turnstile: the user is signed in). */
function guarded<E extends AppEnv, T>(
  c: Context<E>,
  work: (guardFor: (email: string) => RateLimitedLoginGuard) => Promise<T>,
): Promise<T> {
  const guards: RateLimitedLoginGuard[] = [];
  return withRateLimitFields(
    c,
    () => guards,
    work((email) => {
      const guard = c.var.services.loginGuard(email, undefined, { turnstile: false });
      guards.push(guard);
      return guard;
    }),
  );
}

/**
 * Runs a form's action for the signed-in browser: the login page when signed out; the account
 * page again, with the message and status, when the action refuses.
 */
async function settingsAction<E extends AppEnv>(
  c: Context<E>,
  which: SettingsForm,
  kept: Omit<SettingsState, 'error'>,
  action: (session: SessionClaims) => Promise<Response>,
): Promise<Response> {
  const session = await browserSessionOf(c);
  if (!session) return c.redirect(LOGIN_FOR_ACCOUNT, 303);
  try {
    return await action(session);
  } catch (error) {
    if (!showable(error)) throw error;
    const settings = { ...kept, error: { form: which, message: error.message } };
    return renderAccount(c, session, { settings, status: error.status, headers: error.headers });
  }
}

const field = (fields: Record<string, string>, name: string) => fields[name] ?? '';
const tooLong = (password: string) => password.length > 1024;

export const accountSettings = withPageHeaders(new Hono<AppEnv>(), [
  '/account/name',
  '/account/password',
  '/account/email',
  '/account/email/confirm',
  '/account/delete',
])
  .post('/account/name', ...form, (c) => {
    const name = field(c.var.pageForm, 'name').slice(0, 1024);
    return settingsAction(c, 'name', { name }, async (session) => {
      await changeDisplayName(
        c.var.services.lifecycle,
        { userId: session.uid, sessionId: session.sid },
        name,
      );
      return c.redirect(`${ACCOUNT}?done=name`, 303);
    });
  })
  .post('/account/password', ...form, (c) => {
    const current = field(c.var.pageForm, 'current_password');
    const next = field(c.var.pageForm, 'new_password');
    return settingsAction(c, 'password', {}, async (session) => {
      if (!current || tooLong(current)) {
        throw new AuthError('invalid_request', 'Enter your current password.');
      }
      if (tooLong(next)) throw new AuthError('password_too_long');
      await guarded(c, (guardFor) =>
        changePassword(
          c.var.services.lifecycle,
          { userId: session.uid, sessionId: session.sid },
          { current, next },
          guardFor,
        ),
      );
      return c.redirect(`${ACCOUNT}?done=password`, 303);
    });
  })
  .post('/account/email', ...form, (c) => {
    const rawEmail = field(c.var.pageForm, 'new_email').slice(0, 254);
    const password = field(c.var.pageForm, 'email_current_password');
    return settingsAction(c, 'email', { newEmail: rawEmail }, async (session) => {
      const email = EmailSchema.safeParse(rawEmail);
      if (!email.success) throw new AuthError('invalid_request', 'Enter the new email address.');
      if (!password || tooLong(password)) {
        throw new AuthError('invalid_request', 'Enter your current password.');
      }
      // The same answer whether or not another account has the address.
      await guarded(c, (guardFor) =>
        requestEmailChange(
          c.var.services.lifecycle,
          { userId: session.uid, sessionId: session.sid },
          { password, newEmail: email.data },
          guardFor,
        ),
      );
      return c.redirect(`${ACCOUNT}?done=email_sent`, 303);
    });
  })
  .post('/account/delete', ...form, (c) => {
    const password = field(c.var.pageForm, 'delete_password');
    return settingsAction(c, 'delete', {}, async (session) => {
      if (!password || tooLong(password)) {
        throw new AuthError('invalid_request', 'Enter your password to delete the account.');
      }
      await guarded(c, (guardFor) =>
        deleteOwnAccount(
          c.var.services.lifecycle,
          { userId: session.uid, sessionId: session.sid },
          password,
          guardFor,
        ),
      );
      clearBrowserSession(c);
      return c.html(
        <Layout title="Account deleted">
          <p class="notice" role="status">
            Your account is deleted and every session of it is signed out.
          </p>
          <p>
            <a href="/register">Create a new account</a>
          </p>
        </Layout>,
      );
    });
  })
  // The link mailed to the new address. GET only shows a button (mail scanners fetch links;
  // a GET that consumed the token would spend it for them), as the verification page does.
  .get('/account/email/confirm', async (c) => {
    const token = c.req.query('token') ?? '';
    if (!looksLikeOneTimeToken(token)) {
      return c.html(
        <ErrorPage
          title="This link is not valid"
          message="The link is incomplete or damaged. Copy the whole link from the email, or ask for a new one on your account page."
          link={{ href: ACCOUNT, label: 'Your account' }}
        />,
        400,
      );
    }
    return c.html(
      <Layout title="Confirm your new email address">
        <p>
          One click moves your account to this address. Every session is signed out, then this
          browser is signed in.
        </p>
        <PageForm
          action="/account/email/confirm"
          csrf={await formCsrfToken(c)}
          hidden={{ token }}
          submit="Confirm my new email address"
        />
      </Layout>,
    );
  })
  .post('/account/email/confirm', ...form, async (c) => {
    let user;
    try {
      user = await confirmEmailChange(c.var.services.lifecycle, field(c.var.pageForm, 'token'));
    } catch (error) {
      if (!showable(error)) throw error;
      return renderErrorPage(error, c, {
        title: 'This link cannot be used',
        link: () => ({ href: ACCOUNT, label: 'Your account' }),
      });
    }
    // Every session ended with the change, this browser's too; whoever followed the link holds
    // the account's address now, so this browser is signed in afresh.
    clearBrowserSession(c);
    try {
      const sessionId = await signInBrowser(c, user);
      c.var.services.audit.record({ type: 'login_success', userId: user.id, sessionId });
    } catch (error) {
      if (!(error instanceof StaleLoginError)) throw error;
      return c.redirect(LOGIN_FOR_ACCOUNT, 303);
    }
    return c.redirect(`${ACCOUNT}?done=email_changed`, 303);
  });
