// OpenID Connect RP-Initiated Logout 1.0: the end_session_endpoint, `${issuer}/oauth/end-session`
// (GET and POST, §2). A relying party sends the user here to sign out of this provider:
// - with an id_token_hint whose user is the one this browser is signed in as, the sign-in ends
//   at once (the request proves which user it is about);
// - otherwise the user is asked on a page (a CSRF-protected POST) before anything ends (§6:
//   "logout requests without a valid id_token_hint value are a potential means of denial of
//   service"; the OP should ask the user);
// then back to the application's registered post_logout_redirect_uri with `state` (§3), or a
// "signed out" page. Errors are pages, never redirects (§3.1: only to a registered URI).
// Ending the sign-in ends every session a client was granted from it, and each such client
// with a backchannel_logout_uri gets a logout token after the response (src/http/browser/sign-out.ts).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import type { SessionClaims } from '../../auth/session-store.ts';
import { checkEndSessionRequest, type EndSessionRequest } from '../../oauth/end-session.ts';
import { AuthError } from '../../shared/errors.ts';
import { formCsrfToken } from '../browser/form-csrf.ts';
import { formPageHeaders, htmlPageHeaders } from '../browser/security-headers.ts';
import { signOutBrowser } from '../browser/sign-out.ts';
import { browserSessionOf } from '../browser/sso-cookie.ts';
import type { AppEnv } from '../context.ts';
import { htmlErrors } from '../error-response.ts';
import { singleValued } from '../oauth-form.ts';
import { ConfirmSignOutPage, SignedOutPage } from '../pages/end-session.tsx';
import { form } from './page-kit.tsx';

const PATH = '/end-session';
const CONFIRM = '/end-session/confirm';

const pageErrors = htmlErrors({
  titles: {
    invalid_request: 'Invalid sign-out request',
    invalid_id_token_hint: 'Invalid sign-out request',
    unknown_client: 'Unknown application',
    unregistered_post_logout_redirect_uri: 'Invalid return address',
    csrf_failed: 'This form could not be accepted',
  },
});

/** The parameters the confirmation form carries over (checked again when it comes back). */
const CARRIED = ['client_id', 'post_logout_redirect_uri', 'state'] as const;

/** The request's parameters: the query of a GET, the form body of a POST (§2). */
async function paramsOf(c: Context<AppEnv>): Promise<Record<string, string>> {
  if (c.req.method === 'GET') return singleValued(new URL(c.req.url).searchParams);
  const type = c.req.header('Content-Type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new AuthError(
      'invalid_request',
      'Send the parameters as a form (application/x-www-form-urlencoded).',
    );
  }
  return singleValued(new URLSearchParams(await c.req.text()));
}

const check = <E extends AppEnv>(c: Context<E>, params: Record<string, string>) =>
  checkEndSessionRequest(
    {
      issuer: c.var.config.issuer,
      keys: c.var.services.keys,
      clients: c.var.services.oauthClients,
    },
    params,
    new Date(),
  );

/** Where the user goes once signed out: the registered URI with `state` (§3), or our page. */
function afterSignOut<E extends AppEnv>(
  c: Context<E>,
  request: EndSessionRequest,
  byForm: boolean,
) {
  const appName = request.client?.name;
  if (!request.redirectUri) return c.html(<SignedOutPage appName={appName} />);
  const url = new URL(request.redirectUri);
  if (request.state !== undefined) url.searchParams.set('state', request.state);
  const target = url.toString();
  if (!byForm) return c.redirect(target, 303);
  // After our own form, a page that refreshes itself rather than a 303: a redirect chain that
  // starts with a form submission is held to our page's CSP `form-action 'self'`, which does
  // not list the application (as after sign-in, src/http/routes/hosted-pages.tsx).
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta http-equiv="refresh" content="0;url=${target}" />
          <title>Signed out</title>
        </head>
        <body>
          <main>
            <p>You are signed out. <a href="${target}">Return to the application</a>.</p>
          </main>
        </body>
      </html>`,
  );
}

async function endSession(c: Context<AppEnv>, params: Record<string, string>) {
  const request = await check(c, params);
  const { hint } = request;
  const session: (SessionClaims & { epoch: number }) | undefined = await browserSessionOf(c);
  const { services } = c.var;
  const clientId = request.client?.clientId ?? null;

  if (session && hint?.sub === session.uid) {
    const ended = await signOutBrowser(c, session);
    // The application's own sign-in may have come from another browser session of the same
    // user (the hint's sid): that one ends too, with the clients granted from it.
    if (hint.sid && hint.sid !== session.sid) {
      const more = await services.userSessions.endBrowserSession(hint.sub, hint.sid);
      services.notifyLoggedOut(hint.sub, more);
      ended.push(...more);
    }
    services.audit.record({
      type: 'oidc_logout',
      userId: session.uid,
      sessionId: session.sid,
      details: { client_id: clientId, sessions: ended.length, confirmed: false },
    });
    return afterSignOut(c, request, false);
  }

  if (!session) {
    // Nobody is signed in here (or the cookie did not come: a cross-site POST does not carry a
    // SameSite=Lax cookie). A hint still names the sign-in the application's session came
    // from: that one ends, as the application asked.
    if (hint?.sid) {
      const ended = await services.userSessions.endBrowserSession(hint.sub, hint.sid);
      services.notifyLoggedOut(hint.sub, ended);
      services.audit.record({
        type: 'oidc_logout',
        userId: hint.sub,
        sessionId: hint.sid,
        details: { client_id: clientId, sessions: ended.length, confirmed: false },
      });
    } else if (c.req.method === 'POST') {
      // Once more as a GET (a top-level navigation carries the Lax cookie), so that a signed-in
      // user is asked rather than left signed in.
      const url = new URL(c.req.url);
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    return afterSignOut(c, request, false);
  }

  // Signed in, and the request does not prove it is about this user: ask (§6).
  const hidden: Record<string, string> = {};
  const carried = {
    client_id: request.client?.clientId,
    post_logout_redirect_uri: request.redirectUri,
    state: request.state,
  };
  for (const name of CARRIED) {
    const value = carried[name];
    if (value !== undefined) hidden[name] = value;
  }
  return c.html(
    <ConfirmSignOutPage
      csrf={await formCsrfToken(c)}
      action={`/oauth${CONFIRM}`}
      appName={request.client?.name}
      email={session.email}
      hidden={hidden}
    />,
  );
}

// Documented, not validated, by zod-openapi: every refusal is a page (§3.1), which a validation
// hook's JSON could not be.
const param = (description: string) => z.string().optional().openapi({ description });
const endSessionParams = z.object({
  id_token_hint: param(
    'An ID token this provider issued to the application (expired ones are accepted). When it names the user this browser is signed in as, the sign-out happens without asking.',
  ),
  client_id: param('The application; must be the hint audience when both are sent.'),
  post_logout_redirect_uri: param(
    "Exactly one of the application's registered post_logout_redirect_uris; needs client_id or id_token_hint.",
  ),
  state: param('Returned unchanged on the redirect.'),
  logout_hint: param('Accepted, not acted on.'),
  ui_locales: param('Accepted, not acted on.'),
});
const endSessionResponses = {
  200: {
    description:
      'An HTML page: the question "Sign out?" (no matching id_token_hint: the user confirms with a CSRF-protected POST to /oauth/end-session/confirm), or "You are signed out".',
  },
  303: {
    description: 'Signed out: to post_logout_redirect_uri with state.',
    headers: { Location: { schema: { type: 'string' as const } } },
  },
  400: {
    description:
      'An HTML page: invalid or foreign id_token_hint, unknown client, or an unregistered post_logout_redirect_uri. Never a redirect.',
  },
};
const summary = 'End-session endpoint (OpenID Connect RP-Initiated Logout 1.0)';
const description =
  'Ends the browser sign-in and every session an application was granted from it; applications with a backchannel_logout_uri receive a logout token (Back-Channel Logout 1.0) after the response.';

export const endSessionRoutes = new OpenAPIHono<AppEnv>();
endSessionRoutes.openAPIRegistry.registerPath(
  createRoute({
    method: 'get',
    path: PATH,
    tags: ['OAuth'],
    summary,
    description,
    request: { query: endSessionParams },
    responses: endSessionResponses,
  }),
);
endSessionRoutes.openAPIRegistry.registerPath(
  createRoute({
    method: 'post',
    path: PATH,
    tags: ['OAuth'],
    summary,
    description,
    request: {
      body: {
        content: { 'application/x-www-form-urlencoded': { schema: endSessionParams } },
      },
    },
    responses: endSessionResponses,
  }),
);
for (const path of [PATH, CONFIRM]) {
  endSessionRoutes.use(path, pageErrors, htmlPageHeaders(), formPageHeaders());
}

endSessionRoutes
  .get(PATH, async (c) => endSession(c, await paramsOf(c)))
  // A hint is at most 8 KiB (src/oauth/id-token.ts); the rest are short.
  .post(PATH, bodyLimit({ maxSize: 16 * 1024 }), async (c) => endSession(c, await paramsOf(c)))
  .post(CONFIRM, ...form, async (c) => {
    const fields = c.var.pageForm;
    const params: Record<string, string> = {};
    for (const name of CARRIED) {
      const value = fields[name];
      if (value) params[name] = value;
    }
    // Checked again: the hidden fields came back through the browser.
    const request = await check(c, params);
    const session = await browserSessionOf(c);
    if (session) {
      const ended = await signOutBrowser(c, session);
      c.var.services.audit.record({
        type: 'oidc_logout',
        userId: session.uid,
        sessionId: session.sid,
        details: {
          client_id: request.client?.clientId ?? null,
          sessions: ended.length,
          confirmed: true,
        },
      });
    }
    return afterSignOut(c, request, true);
  });
