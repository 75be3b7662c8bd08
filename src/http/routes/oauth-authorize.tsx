// GET /oauth/authorize (RFC 6749 §4.1.1, RFC 7636, RFC 9207). First-party and consent-free:
// a browser signed in on the hosted pages gets a code at once; otherwise it is sent to the
// login page, which comes back here. Errors about the client or the redirect URI are shown
// on a page and never redirected (§4.1.2.1: the user agent must not be sent to an
// unverified URI); every other error is redirected to the client with `state` and `iss`.
import { Hono } from 'hono';
import { htmlPageHeaders } from '../browser/security-headers.ts';
import { ErrorPage } from '../pages/layout.tsx';
import { browserSessionOf } from '../browser/sso-session.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { noStore } from '../cache-control.ts';
import { singleValued } from '../oauth-form.ts';
import { issueCode } from '../../oauth/authorization-codes.ts';
import { CHALLENGE } from '../../oauth/pkce.ts';
import { grantScope, parseScope } from '../../oauth/scopes.ts';
import { redisAuthorizationCodeStore } from '../../store/authorization-codes.ts';
import { drizzleOAuthClientStore } from '../../store/oauth-clients.ts';

const errorPage = (title: string, message: string) => <ErrorPage title={title} message={message} />;

/** The redirect URI with `params` added to its query (§3.1.2: keep the URI's own query). */
function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

export const oauthAuthorizeRoutes = new Hono<AppEnv>().get(
  '/authorize',
  htmlPageHeaders(),
  async (c) => {
    const { config, stores } = c.var;
    const url = new URL(c.req.url);
    let q: Record<string, string>;
    try {
      q = singleValued(url.searchParams);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return c.html(errorPage('Invalid request', error.message), 400, noStore);
    }
    const client = q.client_id
      ? await drizzleOAuthClientStore(stores.db).find(q.client_id)
      : undefined;
    if (!client) {
      return c.html(
        errorPage('Unknown application', 'The application that sent you here is not registered.'),
        400,
        noStore,
      );
    }
    // §3.1.2.3: exact match against a registered URI; it may be left out only when there is
    // exactly one.
    const redirectUri =
      q.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
      return c.html(
        errorPage(
          'Invalid redirect address',
          'The application asked to return to an address it has not registered.',
        ),
        400,
        noStore,
      );
    }
    const fail = (error: ErrorCode, description: string) =>
      c.redirect(
        withParams(redirectUri, {
          error,
          error_description: description,
          state: q.state,
          iss: config.issuer, // RFC 9207
        }),
        303,
      );
    if (q.response_type !== 'code') {
      return fail('unsupported_response_type', 'Only response_type=code is supported.');
    }
    if (!client.grantTypes.includes('authorization_code')) {
      return fail('unauthorized_client', 'This client may not use the authorization code flow.');
    }
    if (!q.code_challenge) {
      return fail('invalid_request', 'code_challenge is required (PKCE with S256).');
    }
    if (q.code_challenge_method !== 'S256') {
      return fail('invalid_request', 'code_challenge_method must be S256; plain is refused.');
    }
    if (!CHALLENGE.test(q.code_challenge)) {
      return fail('invalid_request', 'code_challenge is not a base64url SHA-256.');
    }
    const requested = parseScope(q.scope);
    if (requested === undefined) return fail('invalid_scope', 'The scope is malformed.');
    const beyondClient = requested.filter((s) => !client.scopes.includes(s));
    if (beyondClient.length > 0) {
      return fail('invalid_scope', `Not allowed for this client: ${beyondClient.join(' ')}.`);
    }

    const session = await browserSessionOf(c);
    if (!session) {
      const back = `${url.pathname}${url.search}`;
      return c.redirect(`/login?return_to=${encodeURIComponent(back)}`, 303);
    }
    // The user's roles may grant less than asked: the code carries the narrower grant, and the
    // token response's `scope` says so (§3.3).
    const { granted } = grantScope(requested, client.scopes, session.scope);
    if (granted.length === 0) {
      return fail('access_denied', 'Your account holds none of the requested permissions.');
    }
    const code = await issueCode(
      redisAuthorizationCodeStore(stores.redis, config.redis.keyPrefix),
      {
        clientId: client.clientId,
        redirectUri,
        codeChallenge: q.code_challenge,
        userId: session.uid,
        scope: granted.join(' '),
        // The epoch the signed-in session's claims were written under: if the user changes
        // (disable, role, password) before the code is exchanged, no session comes of it.
        epoch: session.epoch,
      },
    );
    return c.redirect(withParams(redirectUri, { code, state: q.state, iss: config.issuer }), 303);
  },
);
