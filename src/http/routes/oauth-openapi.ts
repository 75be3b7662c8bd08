// The OAuth endpoints in the OpenAPI document. They are only documented here, not validated by
// zod-openapi: their bodies go through src/http/oauth-form.ts (form-urlencoded only, each
// parameter once, 16 KiB) and then the domain's schemas (src/oauth/token-request.ts,
// token-reference.ts, authorization-request.ts), which answer in RFC 6749 §5.2 terms.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { ErrorResponses, json } from './schemas.ts';

const form = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/x-www-form-urlencoded': { schema } },
});

const noStoreHeaders = {
  'Cache-Control': { schema: { type: 'string' as const }, description: 'no-store' },
  Pragma: { schema: { type: 'string' as const }, description: 'no-cache' },
};

// Basic, or client_secret_post in the body (no scheme: {}).
const basicAuth: Record<string, string[]>[] = [{ clientBasic: [] }, {}];

/** RFC 6749 §2.3.1: client_secret_post (or a public client naming itself). */
const ClientFields = {
  client_id: z.string().optional().openapi({
    description: 'With client_secret (client_secret_post), or alone for a public client.',
  }),
  client_secret: z.string().optional().openapi({
    description: 'client_secret_post; not together with an Authorization header.',
  }),
};

const scope = z.string().optional().openapi({ description: 'Space-separated scope tokens.' });

const TokenRequestForm = z
  .union([
    z
      .object({
        grant_type: z.literal('authorization_code'),
        code: z.string(),
        redirect_uri: z.string(),
        code_verifier: z.string().openapi({ description: 'PKCE (RFC 7636), S256 only.' }),
        ...ClientFields,
      })
      .openapi('AuthorizationCodeTokenRequest'),
    z
      .object({
        grant_type: z.literal('refresh_token'),
        refresh_token: z.string(),
        scope: scope.openapi({ description: 'A narrower scope than the session holds (§6).' }),
        ...ClientFields,
      })
      .openapi('RefreshTokenRequest'),
    z
      .object({ grant_type: z.literal('client_credentials'), scope, ...ClientFields })
      .openapi('ClientCredentialsTokenRequest'),
  ])
  .openapi('OAuthTokenRequest');

const OAuthTokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    refresh_token: z.string().optional().openapi({
      description:
        'Only for a client allowed the refresh_token grant; never for client_credentials.',
    }),
    scope: z.string(),
    id_token: z.string().optional().openapi({
      description:
        "OIDC Core §3.1.3.3: when the granted scope holds openid. An RS256 JWT (typ JWT, kid of the current key) for this client alone: iss, sub, aud (the client_id), exp (never past the access token), iat, auth_time (the user's actual sign-in, kept across SSO reuse and refreshes), amr, acr, sid (the browser session), at_hash, nonce (echoed from the authorization request; never on a refresh, §12.2), and name / email, email_verified as the profile / email scopes release them. A refresh of an openid grant brings a new one (§12.2).",
    }),
  })
  .openapi('OAuthTokenResponse');

const tokenRoute = createRoute({
  method: 'post',
  path: '/token',
  tags: ['OAuth'],
  summary: 'Token endpoint (RFC 6749 §3.2)',
  description:
    'Grants: authorization_code (with PKCE), refresh_token (rotating; a reused token revokes the session), client_credentials (confidential clients). With openid granted, authorization_code and refresh_token also return an id_token. The client authenticates with HTTP Basic (client_secret_basic) or client_id and client_secret in the body (client_secret_post), never both; a public client names itself with client_id. The body is application/x-www-form-urlencoded, at most 16 KiB, each parameter at most once.',
  security: basicAuth,
  request: { body: { required: true, ...form(TokenRequestForm) } },
  responses: {
    200: {
      description: 'The tokens (RFC 6749 §5.1).',
      headers: noStoreHeaders,
      ...json(OAuthTokenResponse),
    },
    ...ErrorResponses([400, 401, 413, 429, 503]),
  },
});

const TokenReferenceForm = z
  .object({
    token: z.string(),
    token_type_hint: z
      .string()
      .optional()
      .openapi({ description: 'Accepted and not needed: the token says what it is.' }),
    ...ClientFields,
  })
  .openapi('OAuthTokenReference');

const IntrospectionResponse = z
  .object({
    active: z.boolean(),
    token_type: z.enum(['Bearer', 'refresh_token']).optional(),
    scope: z.string().optional(),
    client_id: z.string().optional(),
    sub: z.string().optional(),
    username: z.string().optional(),
    exp: z.number().int().optional(),
    iat: z.number().int().optional(),
    nbf: z.number().int().optional(),
    aud: z.union([z.string(), z.array(z.string())]).optional(),
    iss: z.string().optional(),
    jti: z.string().optional(),
    sid: z.string().optional(),
  })
  .openapi('Introspection');

const introspectRoute = createRoute({
  method: 'post',
  path: '/introspect',
  tags: ['OAuth'],
  summary: 'Token introspection (RFC 7662)',
  description:
    'For confidential clients. A client learns about the tokens issued to it, and a resource server about the access tokens meant for its audiences; any other token is answered {"active": false}, as a dead one is.',
  security: basicAuth,
  request: { body: { required: true, ...form(TokenReferenceForm) } },
  responses: {
    200: {
      description: "The token's state; an inactive token says nothing else.",
      headers: noStoreHeaders,
      ...json(IntrospectionResponse),
    },
    ...ErrorResponses([400, 401, 413, 503]),
  },
});

const revokeRoute = createRoute({
  method: 'post',
  path: '/revoke',
  tags: ['OAuth'],
  summary: 'Token revocation (RFC 7009)',
  description:
    'A refresh token ends its session; an access token is blacklisted until it expires. Unknown, expired or malformed tokens are a success; a live token of another client is refused with unauthorized_client.',
  security: basicAuth,
  request: { body: { required: true, ...form(TokenReferenceForm) } },
  responses: {
    200: { description: 'Revoked, or nothing to revoke (empty body).', headers: noStoreHeaders },
    ...ErrorResponses([400, 401, 413, 503]),
  },
});

const UserInfo = z
  .object({
    sub: z.string().openapi({ description: "Always; the same as the ID token's sub." }),
    name: z
      .string()
      .optional()
      .openapi({ description: 'With the profile scope, when the user has one set.' }),
    email: z.string().optional().openapi({ description: 'With the email scope.' }),
    email_verified: z.boolean().optional().openapi({ description: 'With the email scope.' }),
  })
  .openapi('UserInfo');

const UserInfoForm = z
  .object({
    access_token: z.string().openapi({
      description:
        'RFC 6750 §2.2: the access token in the body instead of the Authorization header (never both).',
    }),
  })
  .openapi('UserInfoRequest');

const userinfo = (method: 'get' | 'post') =>
  createRoute({
    method,
    path: '/userinfo',
    tags: ['OAuth'],
    summary: 'UserInfo (OIDC Core §5.3)',
    description:
      'The claims the granted scopes release (OIDC Core §5.4): sub always, name with profile, email and email_verified with email. The access token must be live, hold the openid scope (otherwise 403 insufficient_scope, with scope="openid" in the WWW-Authenticate challenge) and be sent one way only: the Authorization header' +
      (method === 'post'
        ? ', or access_token in an application/x-www-form-urlencoded body (RFC 6750 §2.2); both at once, or a token in the query string, is 400 invalid_request.'
        : '; a token in the query string is 400 invalid_request.'),
    security: method === 'post' ? [{ bearerAuth: [] }, {}] : [{ bearerAuth: [] }],
    ...(method === 'post' ? { request: { body: { required: false, ...form(UserInfoForm) } } } : {}),
    responses: {
      200: { description: "The user's claims.", headers: noStoreHeaders, ...json(UserInfo) },
      ...ErrorResponses([400, 401, 403, 413, 503]),
    },
  });
const userinfoRoutes = [userinfo('get'), userinfo('post')];

const query = (description: string, required = false) =>
  z
    .string()
    .optional()
    .openapi({ description, param: { in: 'query', required } });

export const authorizeRoute = createRoute({
  method: 'get',
  path: '/authorize',
  tags: ['OAuth'],
  summary: 'Authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2)',
  description:
    'Authorization code flow with PKCE (S256 only). A browser signed in on the hosted pages is sent back with a code at once when its sign-in satisfies the request (prompt, max_age, id_token_hint) and the client needs no consent (first-party, or the scopes were granted before); otherwise it goes to /login first, or is shown the consent page (a third-party client), whose form posts to /oauth/consent. prompt=none never shows a page: it answers login_required or consent_required. Errors about the client or the redirect URI are shown on a page; every other error is redirected to the client with error, error_description, state and iss (RFC 9207). Each parameter at most once.',
  request: {
    query: z.object({
      response_type: query('Must be code.', true),
      client_id: query('A registered client.', true),
      redirect_uri: query("One of the client's; may be left out when it has exactly one."),
      code_challenge: query('BASE64URL(SHA256(code_verifier)), 43 characters.', true),
      code_challenge_method: query('Must be S256.', true),
      scope: query('Space-separated; empty: what the client is allowed.'),
      state: query('Returned unchanged.'),
      nonce: query('OIDC: echoed in the ID token.'),
      prompt: query(
        'OIDC §3.1.2.1, space-separated: none (never a page: login_required / consent_required), login (sign in again even when signed in), consent (ask even if granted before). none with another value is invalid_request; other values are invalid_request.',
      ),
      max_age: query(
        'OIDC: seconds; a sign-in older than this (0: any) is asked again. The ID token then carries auth_time of the fresh sign-in.',
      ),
      login_hint: query('OIDC: an email address, prefilled on the sign-in page.'),
      id_token_hint: query(
        'OIDC: an ID token this issuer signed (else invalid_request); when it names another user than the one signed in, the user signs in again (prompt=none: login_required).',
      ),
      claims: query('OIDC §5.5: accepted and ignored; the scopes decide the claims.'),
      ui_locales: query('OIDC: accepted and ignored (the pages are in English).'),
      acr_values: query('OIDC: accepted and ignored; the ID token carries acr "1".'),
      display: query('OIDC: accepted and ignored.'),
      request: query('OIDC §6: not supported: request_not_supported.'),
      request_uri: query('OIDC §6: not supported: request_uri_not_supported.'),
      registration: query('Not supported: registration_not_supported.'),
    }),
  },
  responses: {
    200: { description: 'The consent page (a third-party client), HTML.' },
    303: {
      description:
        'To the redirect URI with code, state and iss (or error and error_description), or to /login.',
      headers: { Location: { schema: { type: 'string' as const } } },
    },
    400: { description: 'Unknown client or unregistered redirect URI: an HTML page.' },
  },
});

/**
 * OIDC Core §3.1.2.1: "Authorization Servers MUST support the use of the HTTP GET and POST
 * methods defined in RFC 7231 at the Authorization Endpoint": the same parameters, form-encoded.
 */
export const authorizePostRoute = createRoute({
  method: 'post',
  path: '/authorize',
  tags: ['OAuth'],
  summary: 'Authorization endpoint by POST (OIDC Core §3.1.2.1)',
  description:
    'The parameters of GET /oauth/authorize as an application/x-www-form-urlencoded body (at most 16 KiB, each parameter once), answered exactly as the GET.',
  request: {
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: authorizeRoute.request.query },
      },
    },
  },
  responses: authorizeRoute.responses,
});

/** The consent page's form (a hosted page; documented so the flow reads whole). */
export const consentRoute = createRoute({
  method: 'post',
  path: '/consent',
  tags: ['OAuth'],
  summary: "The consent page's decision (OIDC Core §3.1.2.4)",
  description:
    'Posted by the consent page that /oauth/authorize shows for a third-party client, with the authorization request in the query (checked again in full) and the hosted-page CSRF token in the body (origin check and synchronizer token). allow remembers the granted scopes for the user and client and continues with a code; deny answers access_denied. Either way the answer is a page that refreshes itself to the redirect URI (a form may only post to this origin).',
  request: {
    body: {
      required: true,
      ...form(
        z
          .object({
            decision: z.enum(['allow', 'deny']),
            csrf: z.string().openapi({ description: 'The hosted-page form token.' }),
          })
          .openapi('ConsentDecision'),
      ),
    },
  },
  responses: {
    200: { description: 'A page that refreshes itself to the redirect URI (code or error).' },
    303: { description: 'To /login, when the sign-in no longer satisfies the request.' },
    400: { description: 'Unknown client, unregistered redirect URI or no decision: a page.' },
    403: { description: 'The CSRF check failed: a page.' },
  },
});

type Registry = OpenAPIHono<AppEnv>['openAPIRegistry'];

/** Documents the token, introspection, revocation and userinfo endpoints (routes/oauth.ts). */
export function documentOAuthRoutes(registry: Registry): void {
  registry.registerComponent('securitySchemes', 'clientBasic', {
    type: 'http',
    scheme: 'basic',
    description:
      'client_secret_basic (RFC 6749 §2.3.1): client_id and client_secret, each form-urlencoded.',
  });
  for (const route of [tokenRoute, introspectRoute, revokeRoute, ...userinfoRoutes]) {
    registry.registerPath(route);
  }
}
