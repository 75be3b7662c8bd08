// GET /oauth/authorize (RFC 6749 §4.1.1, RFC 7636, RFC 9207, OIDC Core 1.0 §3.1.2) and the
// consent form's POST /oauth/consent. A browser signed in on the hosted pages gets a code at
// once when its sign-in is good for the request (prompt=login, max_age, id_token_hint) and the
// client needs no consent (first-party, or the scopes were granted before); otherwise it is
// sent to the sign-in page, which comes back here, or shown the consent page. prompt=none
// never shows a page: it answers login_required or consent_required (§3.1.2.6).
// Errors about the client or the redirect URI are shown on a page and never redirected
// (§4.1.2.1: the user agent must not be sent to an unverified URI); every other error is
// redirected to the client with `state` and `iss`.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { formPageHeaders, htmlPageHeaders } from '../browser/security-headers.ts';
import { formCsrfToken } from '../browser/form-csrf.ts';
import { allowLogo, logoInCsp } from '../browser/logo-csp.ts';
import { REAUTH_PARAM, reauthAsk, reauthMarker } from '../browser/reauth-marker.ts';
import { browserSessionOf } from '../browser/sso-cookie.ts';
import { passwordAuthentication } from '../../auth/session-start.ts';
import type { WireCode } from '../../shared/errors.ts';
import { AuthError, ERRORS, wireCode } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { htmlErrors } from '../error-response.ts';
import { oauthForm, singleValued } from '../oauth-form.ts';
import { ConsentPage } from '../pages/consent.tsx';
import { continuePage } from '../pages/continue.tsx';
import { authorizePostRoute, authorizeRoute, consentRoute } from './oauth-openapi.ts';
import { form } from './page-kit.tsx';
import { issueCode } from '../../oauth/authorization-codes.ts';
import {
  authorizationRequestFor,
  type SignInReason,
  signInNeeded,
} from '../../oauth/authorization-request.ts';
import { consentNeeded } from '../../oauth/consents.ts';
import { readIdTokenHint } from '../../oauth/id-token.ts';
import { grantScope } from '../../oauth/scopes.ts';

/** Errors before the redirect URI is known are pages (src/http/error-response.ts). */
const pageErrors = htmlErrors({
  titles: {
    invalid_request: 'Invalid request',
    unknown_client: 'Unknown application',
    unregistered_redirect_uri: 'Invalid redirect address',
    csrf_failed: 'This form could not be accepted',
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

/** What prompt=none is told when only a sign-in would do (§3.1.2.6 login_required). */
const SIGN_IN_REFUSALS: Record<SignInReason, string> = {
  no_session: 'No user is signed in.',
  prompt_login: 'The user must sign in again.',
  max_age: 'The user signed in longer ago than max_age allows.',
  other_user: 'The signed-in user is not the one id_token_hint names.',
};

const pageHeaders = [logoInCsp, htmlPageHeaders(), formPageHeaders(), pageErrors] as const;

/** The user's answer on the consent page, and the user the page was shown to. */
type Decision = { answer: 'allow' | 'deny'; shownTo: string | undefined } | undefined;

/**
 * The authorization request in `url`, answered for this browser. `decision` is the user's
 * answer on the consent page (POST /oauth/consent), undefined on GET /oauth/authorize.
 */
async function authorizeFor<E extends AppEnv>(
  c: Context<E>,
  url: URL,
  decision: Decision,
): Promise<Response> {
  const { config, services } = c.var;
  const q = singleValued(url.searchParams);
  const client = q.client_id ? await services.oauthClients.find(q.client_id) : undefined;
  if (!client) throw new AuthError('unknown_client');
  // §3.1.2.3: exact match against a registered URI; it may be left out only when there is
  // exactly one.
  const redirectUri =
    q.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    throw new AuthError('unregistered_redirect_uri');
  }
  // After a form POST the next stop is a page that refreshes itself (src/http/pages/continue.tsx).
  const toClient = (params: Record<string, string | undefined>) => {
    const target = withParams(redirectUri, { ...params, state: q.state, iss: config.issuer });
    if (decision === undefined) return c.redirect(target, 303);
    return c.html(continuePage(target, 'Done.'));
  };
  const fail = (error: WireCode, description: string) =>
    toClient({ error, error_description: description }); // iss: RFC 9207
  const checked = authorizationRequestFor(client, q);
  if (!checked.ok) {
    const { error, description } = checked.refusal;
    return fail(wireCode(error), description ?? ERRORS[error].description);
  }
  const { request } = checked;
  const now = new Date();
  const promptNone = request.prompt.includes('none');

  // §3.1.2.1 id_token_hint: "an ID Token previously issued by the Authorization Server".
  let hintSubject: string | undefined;
  if (request.id_token_hint !== undefined) {
    const hint = await readIdTokenHint(services.keys, config.issuer, request.id_token_hint, now);
    if (!hint) return fail('invalid_request', 'id_token_hint is not an ID token of this issuer.');
    hintSubject = hint.sub;
  }

  const session = await browserSessionOf(c);
  const browser = session && {
    uid: session.uid,
    sid: session.sid,
    authTime: session.auth?.time ?? 0,
  };
  const ask = await reauthAsk(c, client.clientId, q[REAUTH_PARAM], now);
  const reauthenticated = Boolean(browser && ask && (await ask.answeredBy(browser)));
  const reason = signInNeeded(request, browser, hintSubject, reauthenticated, now);
  if (reason !== undefined || !session) {
    if (promptNone) return fail('login_required', SIGN_IN_REFUSALS[reason ?? 'no_session']);
    // The way back carries when the sign-in was asked (src/http/browser/reauth-marker.ts), so
    // the sign-in that answers it is not asked for again.
    const back = new URLSearchParams(url.search);
    back.set(REAUTH_PARAM, await reauthMarker(c, client.clientId, session?.sid, now));
    const returnTo = `/oauth/authorize?${back}`;
    return c.redirect(`/login?return_to=${encodeURIComponent(returnTo)}`, 303);
  }

  // The user's roles may grant less than asked: the code carries the narrower grant, and the
  // token response's `scope` says so (§3.3).
  const { granted } = grantScope(request.scope, client.scopes, session.scope);
  if (granted.length === 0) {
    return fail('access_denied', 'Your account holds none of the requested permissions.');
  }

  // §3.1.2.6 access_denied: "The Resource Owner or Authorization Server denied the request."
  if (decision?.answer === 'deny') return fail('access_denied', 'The user denied the request.');
  if (!client.firstParty) {
    const store = services.consents.consents;
    // An allow counts only from the user the page was shown to: if another account signed in
    // in between (another tab), that user is asked themselves.
    if (decision?.answer === 'allow' && decision.shownTo === session.uid) {
      const scopes = await store.grant(session.uid, client.clientId, granted);
      services.audit.record({
        type: 'consent_granted',
        userId: session.uid,
        sessionId: session.sid,
        details: { client_id: client.clientId, scopes },
      });
    } else {
      const remembered = await store.scopesOf(session.uid, client.clientId);
      if (consentNeeded(client, granted, remembered, request.prompt.includes('consent'))) {
        if (promptNone) return fail('consent_required', ERRORS.consent_required.description);
        allowLogo(c, client.logoUri);
        return c.html(
          <ConsentPage
            csrf={await formCsrfToken(c)}
            action={`/oauth/consent${url.search}`}
            clientName={client.name}
            logoUri={client.logoUri}
            email={session.email}
            scopes={granted}
            remembered={remembered}
            userId={session.uid}
          />,
        );
      }
    }
  }

  const code = await issueCode(services.authorizationCodes, {
    clientId: client.clientId,
    redirectUri,
    codeChallenge: request.code_challenge,
    userId: session.uid,
    scope: granted.join(' '),
    // The epoch the signed-in session's claims were written under: if the user changes
    // (disable, role, password) before the code is exchanged, no session comes of it.
    epoch: session.epoch,
    // The ID token's auth_time, amr and sid: those of the browser session's sign-in (after a
    // re-authentication, the fresh one: the browser session it started).
    authentication: {
      ...(session.auth ?? passwordAuthentication(now)),
      ssoSid: session.sid,
    },
    nonce: request.nonce,
  });
  return toClient({ code });
}

// Documented, not validated, by zod-openapi: errors about the client are pages, the rest
// redirects (RFC 6749 §4.1.2.1), which a validation hook's JSON could not be.
const documentedAuthorize = new OpenAPIHono<AppEnv>();
documentedAuthorize.openAPIRegistry.registerPath(authorizeRoute);
documentedAuthorize.openAPIRegistry.registerPath(authorizePostRoute);
documentedAuthorize.openAPIRegistry.registerPath(consentRoute);

export const oauthAuthorizeRoutes = documentedAuthorize
  .get('/authorize', ...pageHeaders, (c) => authorizeFor(c, new URL(c.req.url), undefined))
  // OIDC Core §3.1.2.1: GET and POST both. The form's parameters become the request's query,
  // so the way back from the sign-in page (and the consent form's action) carries them as a GET.
  .post('/authorize', ...pageHeaders, async (c) => {
    const url = new URL(c.req.url);
    url.search = new URLSearchParams(await oauthForm(c)).toString();
    return authorizeFor(c, url, undefined);
  })
  .post('/consent', ...pageHeaders, ...form, (c) => {
    const { decision: answer, user } = c.var.pageForm;
    if (answer !== 'allow' && answer !== 'deny') {
      throw new AuthError('invalid_request', 'Choose Allow or Deny.');
    }
    return authorizeFor(c, new URL(c.req.url), { answer, shownTo: user });
  });
