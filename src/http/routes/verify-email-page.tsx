// The page the verification mail links to. GET only shows a button: mail scanners and link
// previews fetch links before the user clicks, and a GET that consumed the token would spend
// it for them. The button POSTs the token (a plain form: no JavaScript needed); that verifies
// the address and signs the browser into the hosted pages (the `__Host-ea_sso` sign-in of
// src/http/browser/sso-cookie.ts), so /account and /oauth/authorize know it at once, and the
// browser goes on to where the user came from: the link's `return_to` (the /oauth/authorize
// request that sent them to register, re-checked by safeReturnTo), else the account page.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { verifyEmail } from '../../auth/account-lifecycle.ts';
import { looksLikeOneTimeToken } from '../../auth/one-time-tokens.ts';
import { checkOrigin } from '../browser/origin-check.ts';
import { formPageHeaders, htmlPageHeaders } from '../browser/security-headers.ts';
import { signInReplacing } from '../browser/sign-in.ts';
import { browserSessionOf } from '../browser/sso-cookie.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { renderErrorPage } from '../error-response.ts';
import { noStore } from '../cache-control.ts';
import { ErrorPage, Layout } from '../pages/layout.tsx';
import { continueTo, linkReturnTo, safeReturnTo } from './hosted-pages.tsx';
import { ACCOUNT } from './page-kit.tsx';

const FORM_PATH = '/api/v1/auth/verify-email/confirm';
export const verifyEmailPage = new Hono<AppEnv>()
  // The page's form posts to its own origin, which needs a referrer policy that still sends
  // Origin (src/http/browser/security-headers.ts formPageHeaders).
  .use('/verify-email', htmlPageHeaders(), formPageHeaders())
  .use('/verify-email/confirm', htmlPageHeaders(), formPageHeaders())
  .get('/verify-email', (c) => {
    const token = c.req.query('token') ?? '';
    const returnTo = linkReturnTo(safeReturnTo(c.req.query('return_to'), c.var.config.issuer));
    if (!looksLikeOneTimeToken(token)) {
      return c.html(
        <ErrorPage
          title="This link is not valid"
          message="The link is incomplete or damaged. Copy the whole link from the email, or ask for a new one."
        />,
        400,
        noStore,
      );
    }
    return c.html(
      <Layout title="Confirm your email address">
        <p>One click confirms the address and signs you in.</p>
        <form method="post" action={FORM_PATH}>
          <input type="hidden" name="token" value={token} />
          {returnTo ? <input type="hidden" name="return_to" value={returnTo} /> : null}
          <button type="submit">Confirm my email address</button>
        </form>
      </Layout>,
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
      const rawReturn = typeof form.return_to === 'string' ? form.return_to : undefined;
      const returnTo = safeReturnTo(rawReturn, c.var.config.issuer);
      const user = await verifyEmail(c.var.services.lifecycle, token);
      // Another account's sign-in in this browser gives way to the one just proven.
      const replaced = await browserSessionOf(c);
      await signInReplacing(c, user, replaced);
      c.header('Cache-Control', noStore['Cache-Control']);
      return continueTo(c, returnTo === ACCOUNT ? `${ACCOUNT}?done=verified` : returnTo);
    } catch (error) {
      if (!(error instanceof AuthError) || error.status >= 500) throw error;
      return renderErrorPage(error, c, { title: 'Could not confirm the address' });
    }
  });
