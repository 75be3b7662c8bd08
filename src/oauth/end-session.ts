// OpenID Connect RP-Initiated Logout 1.0 (the end_session_endpoint): which relying party asks,
// whether it may send the user back where it asks, and whom the request names. The HTTP side
// (src/http/routes/end-session.tsx) decides with the browser's sign-in whether to ask the user.
import type { KeyContext } from '../auth/keys/service.ts';
import { AuthError } from '../shared/errors.ts';
import type { OAuthClient, OAuthClientStore } from './clients.ts';
import { type IdTokenHint, readIdTokenHint } from './id-token.ts';

/** §2 request parameters (logout_hint and ui_locales are accepted and not acted on). */
export interface EndSessionParams {
  id_token_hint?: string | undefined;
  client_id?: string | undefined;
  post_logout_redirect_uri?: string | undefined;
  state?: string | undefined;
}

export interface EndSessionRequest {
  /** The verified hint, when one was sent. */
  hint: IdTokenHint | undefined;
  /** The relying party, when client_id or the hint's aud names one we know. */
  client: OAuthClient | undefined;
  /** Where to send the user afterwards: registered for `client`, exactly. */
  redirectUri: string | undefined;
  state: string | undefined;
}

export interface EndSessionDeps {
  issuer: string;
  keys: KeyContext;
  clients: Pick<OAuthClientStore, 'find'>;
}

/**
 * Checks an end-session request; throws the AuthError to show on a page (never a redirect:
 * §3.1, the OP redirects only to a post_logout_redirect_uri registered for the client).
 */
export async function checkEndSessionRequest(
  deps: EndSessionDeps,
  params: EndSessionParams,
  now: Date,
): Promise<EndSessionRequest> {
  let hint: IdTokenHint | undefined;
  if (params.id_token_hint !== undefined) {
    // §2: "the OP ... MUST validate that it was the issuer of the ID Token". Another issuer's,
    // a bad signature or a token of another kind are all refused alike.
    hint = await readIdTokenHint(deps.keys, deps.issuer, params.id_token_hint, now);
    if (!hint) throw new AuthError('invalid_id_token_hint');
  }
  // §2 client_id: "When both client_id and id_token_hint are present, the OP MUST verify that
  // the Client Identifier matches the one used when issuing the ID Token."
  if (hint && params.client_id !== undefined && !hint.aud.includes(params.client_id)) {
    throw new AuthError(
      'invalid_request',
      'client_id is not the application the id_token_hint was issued to.',
    );
  }
  const clientId = params.client_id ?? (hint?.aud.length === 1 ? hint.aud[0] : undefined);
  const client = clientId ? await deps.clients.find(clientId) : undefined;
  if (clientId !== undefined && !client) throw new AuthError('unknown_client');

  const redirectUri = params.post_logout_redirect_uri;
  if (redirectUri !== undefined) {
    // §3.1: "The OP MUST NOT perform post-logout redirection if the
    // post_logout_redirect_uri value supplied does not exactly match one of the previously
    // registered post_logout_redirect_uris values", and it needs the client to know them.
    if (!client) {
      throw new AuthError(
        'invalid_request',
        'post_logout_redirect_uri needs client_id or id_token_hint to name the application.',
      );
    }
    if (!client.postLogoutRedirectUris.includes(redirectUri)) {
      throw new AuthError('unregistered_post_logout_redirect_uri');
    }
  }
  return { hint, client, redirectUri, state: params.state };
}
