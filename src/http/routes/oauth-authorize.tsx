// GET /oauth/authorize (RFC 6749 §4.1.1, RFC 7636, RFC 9207). First-party and consent-free:
// a browser signed in on the hosted pages gets a code at once; otherwise it is sent to the
// login page, which comes back here. Errors about the client or the redirect URI are shown
// on a page and never redirected (§4.1.2.1: the user agent must not be sent to an
// unverified URI); every other error is redirected to the client with `state` and `iss`.
import { OpenAPIHono } from '@hono/zod-openapi';
import { htmlPageHeaders } from '../browser/security-headers.ts';
import { browserSessionOf } from '../browser/sso-cookie.ts';
import { passwordAuthentication } from '../../auth/session-start.ts';
import type { WireCode } from '../../shared/errors.ts';
import { AuthError, ERRORS, wireCode } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { htmlErrors } from '../error-response.ts';
import { singleValued } from '../oauth-form.ts';
import { authorizeRoute } from './oauth-openapi.ts';
import { issueCode } from '../../oauth/authorization-codes.ts';
import { authorizationRequestFor } from '../../oauth/authorization-request.ts';
import { grantScope } from '../../oauth/scopes.ts';

/** Errors before the redirect URI is known are pages (src/http/error-response.ts). */
const pageErrors = htmlErrors({
  titles: {
    invalid_request: 'Invalid request',
    unknown_client: 'Unknown application',
    unregistered_redirect_uri: 'Invalid redirect address',
  },
});

/** The redirect URI with `params` added to its query (§3.1.2: keep the URI's own query). */
function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

// Documented, not validated, by zod-openapi: errors about the client are pages, the rest
// redirects (RFC 6749 §4.1.2.1), which a validation hook's JSON could not be.
const documentedAuthorize = new OpenAPIHono<AppEnv>();
documentedAuthorize.openAPIRegistry.registerPath(authorizeRoute);

export const oauthAuthorizeRoutes = documentedAuthorize.get(
  '/authorize',
  htmlPageHeaders(),
  pageErrors,
  async (c) => {
    const { config } = c.var;
    const url = new URL(c.req.url);
    const q = singleValued(url.searchParams);
    const client = q.client_id ? await c.var.services.oauthClients.find(q.client_id) : undefined;
    if (!client) throw new AuthError('unknown_client');
    // §3.1.2.3: exact match against a registered URI; it may be left out only when there is
    // exactly one.
    const redirectUri =
      q.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
      throw new AuthError('unregistered_redirect_uri');
    }
    const fail = (error: WireCode, description: string) =>
      c.redirect(
        withParams(redirectUri, {
          error,
          error_description: description,
          state: q.state,
          iss: config.issuer, // RFC 9207
        }),
        303,
      );
    const checked = authorizationRequestFor(client, q);
    if (!checked.ok) {
      const { error, description } = checked.refusal;
      return fail(wireCode(error), description ?? ERRORS[error].description);
    }
    const { request } = checked;

    const session = await browserSessionOf(c);
    if (!session) {
      const back = `${url.pathname}${url.search}`;
      return c.redirect(`/login?return_to=${encodeURIComponent(back)}`, 303);
    }
    // The user's roles may grant less than asked: the code carries the narrower grant, and the
    // token response's `scope` says so (§3.3).
    const { granted } = grantScope(request.scope, client.scopes, session.scope);
    if (granted.length === 0) {
      return fail('access_denied', 'Your account holds none of the requested permissions.');
    }
    const code = await issueCode(c.var.services.authorizationCodes, {
      clientId: client.clientId,
      redirectUri,
      codeChallenge: request.code_challenge,
      userId: session.uid,
      scope: granted.join(' '),
      // The epoch the signed-in session's claims were written under: if the user changes
      // (disable, role, password) before the code is exchanged, no session comes of it.
      epoch: session.epoch,
      // The ID token's auth_time, amr and sid: those of the browser session's sign-in.
      authentication: {
        ...(session.auth ?? passwordAuthentication(new Date())),
        ssoSid: session.sid,
      },
      nonce: q.nonce,
    });
    return c.redirect(withParams(redirectUri, { code, state: q.state, iss: config.issuer }), 303);
  },
);
