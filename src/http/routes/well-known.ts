// Public metadata for downstream verifiers: the JWKS (RFC 7517), OIDC discovery and RFC 8414
// authorization server metadata.

const authServerMetadataUrl = (issuer: string) =>
  `${issuer}/.well-known/oauth-authorization-server`;
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { discoveryUrl, jwksUrl } from '../../shared/well-known-urls.ts';
import { revocationFeedUrl } from '../../shared/revocation-feed-url.ts';
import type { Config } from '../../config/index.ts';
import { CLAIMS_SUPPORTED } from '../../oauth/claims.ts';
import { ACR_SINGLE_FACTOR } from '../../oauth/id-token.ts';
import { IDENTITY_SCOPES } from '../../oauth/scopes.ts';
import { publishedKeySet } from '../../auth/keys/service.ts';
import type { AppEnv } from '../context.ts';
import { serveEdgeCachedJson } from '../edge-cache.ts';

const Jwk = z
  .object({
    kty: z.literal('RSA'),
    n: z.string(),
    e: z.string(),
    kid: z.string(),
    alg: z.literal('RS256'),
    use: z.literal('sig'),
  })
  .openapi('Jwk');

const cachedHeaders = {
  'Cache-Control': {
    schema: { type: 'string' as const },
    description: 'public, max-age, s-maxage, stale-while-revalidate, stale-if-error',
  },
  ETag: { schema: { type: 'string' as const }, description: 'Strong entity tag of the body.' },
};

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['Keys'],
  summary: 'Public signing keys (JWKS)',
  description:
    'The next, current and still-valid retired keys. Served from the edge cache; supports If-None-Match.',
  responses: {
    200: {
      description: 'The key set.',
      headers: cachedHeaders,
      content: { 'application/json': { schema: z.object({ keys: z.array(Jwk) }).openapi('Jwks') } },
    },
    304: { description: 'The copy the client holds (If-None-Match) is current.' },
  },
});

const Discovery = z
  .object({
    issuer: z.string(),
    jwks_uri: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    introspection_endpoint: z.string(),
    revocation_endpoint: z.string(),
    userinfo_endpoint: z.string(),
    response_types_supported: z.array(z.string()),
    response_modes_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    claims_supported: z.array(z.string()),
    claim_types_supported: z.array(z.string()),
    claims_parameter_supported: z.boolean(),
    authorization_response_iss_parameter_supported: z.boolean(),
    subject_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()),
    acr_values_supported: z.array(z.string()),
    prompt_values_supported: z.array(z.string()),
    request_parameter_supported: z.boolean(),
    request_uri_parameter_supported: z.boolean(),
    end_session_endpoint: z.string(),
    frontchannel_logout_supported: z.boolean(),
    backchannel_logout_supported: z.boolean(),
    backchannel_logout_session_supported: z.boolean(),
    service_documentation: z.string(),
    /** Not registered with IANA: edge-auth's revocation feed (packages/verify follows it). */
    revocation_feed_uri: z.string(),
  })
  .openapi('OpenIdConfiguration');

/** OIDC Discovery 1.0 §3 / RFC 8414 §2: one document, served at both well-known paths. */
function metadata(config: Config): z.input<typeof Discovery> {
  const at = (path: string) => `${config.issuer}${path}`;
  const clientAuth = ['client_secret_basic', 'client_secret_post'];
  return {
    issuer: config.issuer,
    jwks_uri: jwksUrl(config.issuer),
    authorization_endpoint: at('/oauth/authorize'),
    token_endpoint: at('/oauth/token'),
    introspection_endpoint: at('/oauth/introspect'),
    revocation_endpoint: at('/oauth/revoke'),
    userinfo_endpoint: at('/oauth/userinfo'),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    // `none`: public clients (PKCE) at the token endpoint.
    token_endpoint_auth_methods_supported: [...clientAuth, 'none'],
    introspection_endpoint_auth_methods_supported: clientAuth,
    revocation_endpoint_auth_methods_supported: [...clientAuth, 'none'],
    scopes_supported: [...new Set([...config.roleScopes.values()].flat()), ...IDENTITY_SCOPES],
    // Exactly what an ID token or userinfo can hold (src/oauth/claims.ts); all "normal" (§5.6:
    // no aggregated or distributed claims), none asked for one by one (no `claims` parameter).
    claims_supported: [...CLAIMS_SUPPORTED],
    claim_types_supported: ['normal'],
    claims_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    // One `sub` per user for every client (OIDC Core §8: no pairwise identifiers).
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    acr_values_supported: [ACR_SINGLE_FACTOR],
    prompt_values_supported: ['none', 'login', 'consent'],
    // §6: request objects by value or by reference are answered request_not_supported /
    // request_uri_not_supported at the authorization endpoint.
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // RP-Initiated Logout 1.0 §2.1; Back-Channel Logout 1.0 §2.1 (logout tokens carry `sid`).
    end_session_endpoint: at('/oauth/end-session'),
    frontchannel_logout_supported: false,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    service_documentation: at('/docs'),
    revocation_feed_uri: revocationFeedUrl(config.issuer),
  };
}

// The metadata depends on configuration only: a deploy that changes it (scopes, issuer)
// replaces cached copies at once. Computed once per config (stable per isolate).
const metadataVersions = new WeakMap<Config, Promise<string>>();

function metadataVersion(config: Config): Promise<string> {
  let version = metadataVersions.get(config);
  if (!version) {
    const text = JSON.stringify(metadata(config));
    version = crypto.subtle
      .digest('SHA-256', new TextEncoder().encode(text))
      .then((d) => `metadata ${btoa(String.fromCharCode(...new Uint8Array(d)))}`);
    metadataVersions.set(config, version);
  }
  return version;
}

const discoveryRoute = createRoute({
  method: 'get',
  path: '/.well-known/openid-configuration',
  tags: ['Keys'],
  summary: 'OpenID Connect discovery document',
  responses: {
    200: {
      description: 'Provider metadata.',
      headers: cachedHeaders,
      content: { 'application/json': { schema: Discovery } },
    },
    304: { description: 'The copy the client holds (If-None-Match) is current.' },
  },
});

const authServerMetadataRoute = createRoute({
  method: 'get',
  path: '/.well-known/oauth-authorization-server',
  tags: ['Keys'],
  summary: 'OAuth 2.0 authorization server metadata (RFC 8414), same document',
  responses: discoveryRoute.responses,
});

export const wellKnownRoutes = new OpenAPIHono<AppEnv>()
  .openapi(jwksRoute, async (c) => {
    const { config, services } = c.var;
    // The isolate's key set (in memory when fresh; reloaded in the background past half its
    // KEY_CACHE_TTL, in the open past all of it) decides whether this location's cached copy
    // still holds: after an emergency rotation it is replaced within KEY_CACHE_TTL.
    const keySet = await publishedKeySet(services.keys, new Date());
    return serveEdgeCachedJson(c, {
      cacheUrl: jwksUrl(config.issuer),
      policy: config.jwks,
      version: `keys ${keySet.fingerprint}`,
      build: async () => ({ keys: keySet.keys }),
    });
  })
  .openapi(discoveryRoute, async (c) => {
    const { config } = c.var;
    return serveEdgeCachedJson(c, {
      cacheUrl: discoveryUrl(config.issuer),
      policy: config.jwks,
      version: await metadataVersion(config),
      build: async () => metadata(config),
    });
  })
  .openapi(authServerMetadataRoute, async (c) => {
    const { config } = c.var;
    return serveEdgeCachedJson(c, {
      cacheUrl: authServerMetadataUrl(config.issuer),
      policy: config.jwks,
      version: await metadataVersion(config),
      build: async () => metadata(config),
    });
  });
