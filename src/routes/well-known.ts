// Public metadata for downstream verifiers: the JWKS (RFC 7517) and OIDC discovery.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { discoveryUrl, jwksUrl, keyContext } from '../auth/keys/context.ts';
import { publishedKeys } from '../auth/keys/service.ts';
import type { AppEnv } from '../http/context.ts';
import { serveEdgeCachedJson } from '../http/edge-cache.ts';

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
    subject_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()).optional(),
    service_documentation: z.string(),
  })
  .openapi('OpenIdConfiguration');

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

export const wellKnownRoutes = new OpenAPIHono<AppEnv>()
  .openapi(jwksRoute, (c) => {
    const { config, stores } = c.var;
    return serveEdgeCachedJson(c, {
      cacheUrl: jwksUrl(config.issuer),
      policy: config.jwks,
      build: async () => ({ keys: await publishedKeys(keyContext(config, stores.db), new Date()) }),
    });
  })
  .openapi(discoveryRoute, (c) => {
    const { config } = c.var;
    return serveEdgeCachedJson(c, {
      cacheUrl: discoveryUrl(config.issuer),
      policy: config.jwks,
      build: async () =>
        ({
          issuer: config.issuer,
          jwks_uri: jwksUrl(config.issuer),
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          service_documentation: `${config.issuer}/docs`,
        }) satisfies z.input<typeof Discovery>,
    });
  });
