// The page the verification mail links to. GET only shows a button: mail scanners and link
// previews fetch links before the user clicks, and a GET that consumed the token would spend
// it for them. The button POSTs the token (a plain form: no JavaScript needed); that verifies
// the address and signs the browser in with the cookie session of browser mode, so an app on
// this origin (or an allowed one) continues with POST /refresh.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { verifyEmail } from '../auth/account-lifecycle.ts';
import { looksLikeOneTimeToken } from '../auth/one-time-tokens.ts';
import { startSession } from '../auth/token-service.ts';
import { checkOrigin } from '../browser/csrf.ts';
import { htmlPageHeaders } from '../browser/security-headers.ts';
import { issueCookieSession } from '../browser/session-cookies.ts';
import { AuthError } from '../errors.ts';
import { audit, sessionIdOf } from '../http/audit.ts';
import type { AppEnv } from '../http/context.ts';
import { lifecycleDeps } from '../http/lifecycle-services.ts';
import { clientInfo, tokenDeps } from '../http/services.ts';

const page = (title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title}</title>
        <style>
          body {
            font:
              16px/1.5 system-ui,
              sans-serif;
            max-width: 32rem;
            margin: 4rem auto;
            padding: 0 1rem;
            color: #1a1a1a;
          }
          h1 {
            font-size: 1.4rem;
          }
          button {
            font: inherit;
            padding: 0.6rem 1.2rem;
            border: 0;
            border-radius: 6px;
            background: #1f5fbf;
            color: #fff;
            cursor: pointer;
          }
          button:focus-visible {
            outline: 3px solid #f5b400;
            outline-offset: 2px;
          }
          .error {
            color: #a30000;
          }
        </style>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;

const FORM_PATH = '/api/v1/auth/verify-email/confirm';
const noStore = { 'Cache-Control': 'no-store' } as const;

export const verifyEmailPage = new Hono<AppEnv>()
  .use('/verify-email', htmlPageHeaders())
  .use('/verify-email/confirm', htmlPageHeaders())
  .get('/verify-email', (c) => {
    const token = c.req.query('token') ?? '';
    if (!looksLikeOneTimeToken(token)) {
      return c.html(
        page(
          'This link is not valid',
          html`<p class="error">
            The link is incomplete or damaged. Copy the whole link from the email, or ask for a new
            one.
          </p>`,
        ),
        400,
        noStore,
      );
    }
    return c.html(
      page(
        'Confirm your email address',
        html`<p>One click confirms the address and signs you in.</p>
          <form method="post" action="${FORM_PATH}">
            <input type="hidden" name="token" value="${token}" />
            <button type="submit">Confirm my email address</button>
          </form>`,
      ),
      200,
      noStore,
    );
  })
  .post('/verify-email/confirm', bodyLimit({ maxSize: 4096 }), async (c) => {
    try {
      // A page of another site must not sign this browser into an account of its choosing.
      checkOrigin(c);
      const form = await c.req.parseBody();
      const token = typeof form.token === 'string' ? form.token : '';
      const user = await verifyEmail(lifecycleDeps(c), token);
      const tokens = await startSession(tokenDeps(c), user, clientInfo(c), new Date());
      audit(c).record({ type: 'login_success', userId: user.id, sessionId: sessionIdOf(tokens) });
      await issueCookieSession(c, tokens);
      return c.html(
        page(
          'Email address confirmed',
          html`<p>Thank you. Your address is confirmed and this browser is signed in.</p>`,
        ),
        200,
        noStore,
      );
    } catch (error) {
      if (!(error instanceof AuthError) || error.status >= 500) throw error;
      return c.html(
        page('Could not confirm the address', html`<p class="error">${error.message}</p>`),
        error.status,
        noStore,
      );
    }
  });
