// The hosted sign-in pages: /login, /register and /reset-password (the account page and its
// buttons are src/http/routes/account-pages.tsx). Plain server-rendered forms (no JavaScript needed) over the same
// services as the JSON API. A browser is signed in with the `__Host-ea_sso` cookie
// (src/http/browser/sso-cookie.ts); every POST passes verifiedForm() (origin + synchronizer
// token, src/http/browser/form-csrf.ts); every response is `no-store` and carries the HTML page
// CSP. Errors a user can act on re-render the form with the message and the error's status;
// anything else becomes an error page, never the API's JSON.
import { type Context, Hono } from 'hono';
import {
  confirmPasswordReset,
  registerPendingVerification,
  requestPasswordReset,
} from '../../auth/account-lifecycle.ts';
import { authenticate, register } from '../../auth/accounts.ts';
import { DISPLAY_NAME_MAX, hasForbiddenNameCharacter } from '../../auth/display-name.ts';
import { EmailSchema } from '../../auth/email.ts';
import { looksLikeOneTimeToken } from '../../auth/one-time-tokens.ts';
import { StaleLoginError } from '../../auth/session-start.ts';
import type { UserRecord } from '../../auth/users.ts';
import { formCsrfToken } from '../browser/form-csrf.ts';
import { reauthAskIn } from '../browser/reauth-marker.ts';
import { allowLogo } from '../browser/logo-csp.ts';
import { signInReplacing } from '../browser/sign-in.ts';
import { browserSessionOf, clearBrowserSession } from '../browser/sso-cookie.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { renderErrorPage } from '../error-response.ts';
import { withRateLimitFields } from '../rate-limit-fields.ts';
import { rateLimit } from '../rate-limit.ts';
import { requireHuman } from '../turnstile.ts';
import {
  ResetConfirmPage,
  ResetDonePage,
  ResetRequestPage,
  ResetSentPage,
} from '../pages/reset-password.tsx';
import { continuePage } from '../pages/continue.tsx';
import { ErrorPage } from '../pages/layout.tsx';
import { CheckInboxPage, LoginPage, RegisterPage } from '../pages/sign-in.tsx';
import { ACCOUNT, form, withPageHeaders } from './page-kit.tsx';

/** The form field the Turnstile widget fills in (a TURNSTILE_SITE_KEY would be needed to show it). */
const TURNSTILE_FIELD = 'cf-turnstile-response';

/**
 * Where a sign-in may send the browser: only back to /oauth/authorize on this origin (which
 * re-checks everything), to the admin console (/admin, which checks the role itself) or to
 * /account. Anything else, `//evil.example`, `https://...` and `/\evil` included, is an open
 * redirect waiting to happen and becomes /account.
 */
export function safeReturnTo(raw: string | undefined, issuer: string): string {
  if (!raw || raw.length > 4096 || /[\\\u0000-\u001f\u007f]/.test(raw)) return ACCOUNT;
  if (/^\/admin(?:[/?]|$)/.test(raw)) {
    const url = new URL(raw, new URL(issuer));
    const admin = url.pathname === '/admin' || url.pathname.startsWith('/admin/');
    return admin ? `${url.pathname}${url.search}` : ACCOUNT;
  }
  if (!raw.startsWith('/oauth/authorize?')) return ACCOUNT;
  const base = new URL(issuer);
  const url = new URL(raw, base);
  if (url.origin !== base.origin || url.pathname !== '/oauth/authorize') return ACCOUNT;
  return `${url.pathname}${url.search}`;
}

/** What a mailed link carries: nothing for the default (the account page). */
export const linkReturnTo = (returnTo: string): string | undefined =>
  returnTo === ACCOUNT ? undefined : returnTo;

/**
 * Sends a browser just signed in on: back to /oauth/authorize by a page that refreshes itself,
 * not a 303 (src/http/pages/continue.tsx), anywhere else (the account page) by a 303.
 */
export function continueTo<E extends AppEnv>(
  c: Context<E>,
  returnTo: string,
): Response | Promise<Response> {
  if (!returnTo.startsWith('/oauth/authorize?')) return c.redirect(returnTo, 303);
  return c.html(continuePage(returnTo, 'Signed in.'));
}

const showable = (error: unknown): error is AuthError =>
  error instanceof AuthError && error.status < 500;

const tooLong = (password: string) => password.length > 1024;

/**
 * Signs the browser in (src/http/browser/sign-in.ts: the sign-in it replaces ends) and sends
 * it on. Back to /oauth/authorize it goes by a page that refreshes itself, not a 303
 * (src/http/pages/continue.tsx).
 */
async function signIn<E extends AppEnv>(
  c: Context<E>,
  user: UserRecord,
  returnTo: string,
  replaced: { uid: string; sid: string } | undefined,
): Promise<Response> {
  await signInReplacing(c, user, replaced);
  return continueTo(c, returnTo);
}

/**
 * The email /oauth/authorize's `login_hint` suggests (OIDC Core §3.1.2.1), when it looks like
 * one; the page escapes it like any value.
 */
function loginHintOf(returnTo: string): string | undefined {
  if (!returnTo.startsWith('/oauth/authorize?')) return undefined;
  const hint = new URL(returnTo, 'http://return.to').searchParams.get('login_hint') ?? undefined;
  return hint && hint.length <= 254 && EmailSchema.safeParse(hint).success ? hint : undefined;
}

/**
 * The registered name and logo of the application a sign-in for /oauth/authorize continues to;
 * the logo's origin is let into this page's CSP.
 */
async function clientOf<E extends AppEnv>(
  c: Context<E>,
  returnTo: string,
): Promise<{ name: string; logoUri: string | null } | undefined> {
  if (!returnTo.startsWith('/oauth/authorize?')) return undefined;
  const clientId = new URL(returnTo, 'http://return.to').searchParams.get('client_id');
  if (!clientId || clientId.length > 128) return undefined;
  const client = await c.var.services.oauthClients.find(clientId);
  if (!client) return undefined;
  allowLogo(c, client.logoUri);
  return { name: client.name, logoUri: client.logoUri };
}

const resetLimit = rateLimit('reset_ip');

export const hostedPages = withPageHeaders(new Hono<AppEnv>(), [
  '/login',
  '/register',
  '/reset-password',
]);

hostedPages
  .get('/login', async (c) => {
    const returnTo = safeReturnTo(c.req.query('return_to'), c.var.config.issuer);
    const session = await browserSessionOf(c);
    // A browser signed in already goes on, unless /oauth/authorize asked for a sign-in newer
    // than its own (prompt=login, max_age, another user's id_token_hint).
    const ask = session ? await reauthAskIn(c, returnTo, new Date()) : undefined;
    const stale = Boolean(
      session &&
      ask &&
      !(await ask.answeredBy({ sid: session.sid, authTime: session.auth?.time ?? 0 })),
    );
    if (session && !stale) return c.redirect(returnTo, 303);
    const [csrf, client] = await Promise.all([formCsrfToken(c), clientOf(c, returnTo)]);
    return c.html(
      <LoginPage
        csrf={csrf}
        returnTo={returnTo}
        email={loginHintOf(returnTo) ?? session?.email}
        reauthenticate={stale}
        clientName={client?.name}
        logoUri={client?.logoUri}
      />,
    );
  })
  .post('/login', ...form, async (c) => {
    const { email: rawEmail = '', password = '', return_to } = c.var.pageForm;
    const returnTo = safeReturnTo(return_to, c.var.config.issuer);
    // Shown again after a refusal, the page still names the application it continues to.
    const again = async (error: AuthError) => {
      const [csrf, client] = await Promise.all([formCsrfToken(c), clientOf(c, returnTo)]);
      return c.html(
        <LoginPage
          csrf={csrf}
          returnTo={returnTo}
          email={rawEmail.slice(0, 254)}
          error={error.message}
          clientName={client?.name}
          logoUri={client?.logoUri}
        />,
        error.status,
        error.headers,
      );
    };
    const email = EmailSchema.safeParse(rawEmail);
    if (!email.success || !password || tooLong(password)) {
      return again(new AuthError('invalid_request', 'Enter your email address and password.'));
    }
    try {
      const guard = c.var.services.loginGuard(email.data, c.var.pageForm[TURNSTILE_FIELD]);
      const credentials = { email: email.data, password };
      const check = () =>
        withRateLimitFields(
          c,
          () => [guard],
          authenticate(c.var.services.accounts, credentials, guard),
        );
      const user = await check();
      const replaced = await browserSessionOf(c);
      try {
        return await signIn(c, user, returnTo, replaced);
      } catch (error) {
        if (!(error instanceof StaleLoginError)) throw error;
        // The account changed while we checked the password: once more from its new state.
        return await signIn(c, await check(), returnTo, replaced);
      }
    } catch (error) {
      if (!showable(error)) throw error;
      return again(error);
    }
  })
  .get('/register', async (c) => {
    const returnTo = safeReturnTo(c.req.query('return_to'), c.var.config.issuer);
    if (await browserSessionOf(c)) return c.redirect(returnTo, 303);
    return c.html(<RegisterPage csrf={await formCsrfToken(c)} returnTo={returnTo} />);
  })
  .post('/register', ...form, rateLimit('register_ip'), async (c) => {
    const { email: rawEmail = '', password = '', name: rawName = '', return_to } = c.var.pageForm;
    const returnTo = safeReturnTo(return_to, c.var.config.issuer);
    const name = rawName.trim().slice(0, DISPLAY_NAME_MAX) || undefined;
    const again = async (error: AuthError) =>
      c.html(
        <RegisterPage
          csrf={await formCsrfToken(c)}
          returnTo={returnTo}
          email={rawEmail.slice(0, 254)}
          name={name}
          error={error.message}
        />,
        error.status,
        error.headers,
      );
    const email = EmailSchema.safeParse(rawEmail);
    if (!email.success) return again(new AuthError('invalid_request', 'Enter an email address.'));
    if (name !== undefined && hasForbiddenNameCharacter(name)) {
      return again(new AuthError('invalid_request', 'Enter a name without control characters.'));
    }
    if (tooLong(password)) return again(new AuthError('password_too_long'));
    const input = { email: email.data, password, name };
    try {
      await requireHuman(c, c.var.pageForm[TURNSTILE_FIELD]);
      if (c.var.config.email.requireVerification) {
        // The same page whether or not the address already had an account (as the API's 202).
        await registerPendingVerification(c.var.services.lifecycle, input, linkReturnTo(returnTo));
        return c.html(<CheckInboxPage />);
      }
      const user = await register(c.var.services.accounts, input);
      c.var.services.audit.record({ type: 'register', userId: user.id });
      return await signIn(c, user, returnTo, await browserSessionOf(c));
    } catch (error) {
      if (!showable(error)) throw error;
      return again(error);
    }
  })
  .get('/reset-password', async (c) => {
    const token = c.req.query('token');
    const returnTo = linkReturnTo(safeReturnTo(c.req.query('return_to'), c.var.config.issuer));
    const csrf = await formCsrfToken(c);
    if (token === undefined) return c.html(<ResetRequestPage csrf={csrf} returnTo={returnTo} />);
    if (!looksLikeOneTimeToken(token)) {
      return c.html(
        <ErrorPage
          title="This link is not valid"
          message="The link is incomplete or damaged. Copy the whole link from the email, or ask for a new one."
          link={{ href: '/reset-password', label: 'Ask for a new link' }}
        />,
        400,
      );
    }
    return c.html(<ResetConfirmPage csrf={csrf} token={token} returnTo={returnTo} />);
  })
  .post(
    '/reset-password',
    ...form,
    // Only the request mails anything; the confirm is bounded by its single-use token.
    (c, next) => (c.var.pageForm.token === undefined ? resetLimit(c, next) : next()),
    async (c) => {
      const { email: rawEmail = '', password = '', token, return_to } = c.var.pageForm;
      const returnTo = safeReturnTo(return_to, c.var.config.issuer);
      const carried = linkReturnTo(returnTo);
      const csrf = await formCsrfToken(c);
      if (token === undefined) {
        const email = EmailSchema.safeParse(rawEmail);
        const again = (error: string) => (
          <ResetRequestPage csrf={csrf} email={rawEmail} error={error} returnTo={carried} />
        );
        if (!email.success) return c.html(again('Enter the email address of your account.'), 400);
        try {
          await requireHuman(c, c.var.pageForm[TURNSTILE_FIELD]);
        } catch (error) {
          if (!showable(error)) throw error;
          return c.html(again(error.message), error.status, error.headers);
        }
        requestPasswordReset(c.var.services.lifecycle, email.data, carried);
        return c.html(<ResetSentPage />);
      }
      let user: UserRecord;
      try {
        if (tooLong(password)) throw new AuthError('password_too_long');
        user = await confirmPasswordReset(c.var.services.lifecycle, token, password);
      } catch (error) {
        if (!showable(error)) throw error;
        // A spent or unknown link cannot be retried with another password: say so on its own.
        if (error.code === 'invalid_one_time_token' || error.code === 'account_disabled') {
          const link = { href: '/reset-password', label: 'Ask for a new link' };
          return renderErrorPage(error, c, { title: 'This link cannot be used', link: () => link });
        }
        const page = (
          <ResetConfirmPage csrf={csrf} token={token} error={error.message} returnTo={carried} />
        );
        return c.html(page, error.status);
      }
      // Every session ended with the reset, this browser's included; whoever followed the link
      // (they hold the account's inbox) is signed in afresh, with the new epoch, and goes on.
      clearBrowserSession(c);
      try {
        const next = returnTo === ACCOUNT ? `${ACCOUNT}?done=reset` : returnTo;
        return await signIn(c, user, next, undefined);
      } catch (error) {
        // The account changed again meanwhile: the reset stands; signing in is up to them.
        if (!(error instanceof StaleLoginError)) throw error;
        return c.html(<ResetDonePage />);
      }
    },
  );
