// /api/v1/admin/clients: register, list, read, rotate the secret of and delete OAuth clients.
// Every route needs the `admin` scope and every call is audited. A secret appears in exactly
// two responses, the creation and the rotation, and never in a log.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv, EnvWith } from '../context.ts';
import type { AuthVariables } from '../require-auth.ts';
import { noStore } from '../cache-control.ts';
import { jsonBody } from '../json-body.ts';
import { requireScope } from '../require-scope.ts';
import { GRANT_TYPES, type OAuthClient } from '../../oauth/clients.ts';
import { ErrorResponses, json } from './schemas.ts';

const ClientFields = {
  client_id: z.string(),
  name: z.string(),
  type: z.enum(['confidential', 'public']),
  grant_types: z.array(z.enum(GRANT_TYPES)),
  scopes: z.array(z.string()),
  redirect_uris: z.array(z.string()),
  audience: z.array(z.string()).openapi({ description: 'Empty: the service AUDIENCES.' }),
  resource_audiences: z.array(z.string()).openapi({
    description:
      'The audiences this client serves as a resource server: it may introspect access tokens whose aud names one (RFC 7662 §4). Empty: only its own tokens.',
  }),
  access_token_ttl: z.number().int().nullable().openapi({ description: 'Seconds; null: default.' }),
  refresh_token_ttl: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'Seconds; null: default.' }),
  first_party: z.boolean().openapi({
    description:
      'Trusted: its users are not asked for consent. False: a consent page, once per scope.',
  }),
  logo_uri: z.string().nullable(),
  post_logout_redirect_uris: z.array(z.string()),
  backchannel_logout_uri: z.string().nullable(),
  created_at: z.iso.datetime(),
};
const ClientSchema = z.object(ClientFields).openapi('OAuthClient');
const SecretField = z.string().openapi({
  description: 'Shown this once: only its SHA-256 is stored. Null for a public client.',
});

const view = (client: OAuthClient) => ({
  client_id: client.clientId,
  name: client.name,
  type: client.type,
  grant_types: client.grantTypes,
  scopes: client.scopes,
  redirect_uris: client.redirectUris,
  audience: client.audience,
  resource_audiences: client.resourceAudiences,
  access_token_ttl: client.accessTokenTtl,
  refresh_token_ttl: client.refreshTokenTtl,
  first_party: client.firstParty,
  logo_uri: client.logoUri,
  post_logout_redirect_uris: client.postLogoutRedirectUris,
  backchannel_logout_uri: client.backchannelLogoutUri,
  created_at: client.createdAt.toISOString(),
});

/** The body's names, for the problems parseNewClient reports. */
const FIELD_NAMES = {
  clientId: 'client_id',
  grantTypes: 'grant_types',
  redirectUris: 'redirect_uris',
  resourceAudiences: 'resource_audiences',
  accessTokenTtl: 'access_token_ttl',
  refreshTokenTtl: 'refresh_token_ttl',
  firstParty: 'first_party',
  logoUri: 'logo_uri',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  backchannelLogoutUri: 'backchannel_logout_uri',
} as const;

const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const admin = { tags: ['Admin'], security: [{ bearerAuth: [] }] };

const listRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/clients',
  summary: 'List OAuth clients, by id',
  middleware: [requireScope('admin')] as const,
  responses: {
    200: {
      description: 'Every client (never a secret).',
      ...json(z.object({ clients: z.array(ClientSchema) }).openapi('OAuthClientList')),
    },
    ...ErrorResponses([401, 403, 503]),
  },
});

const getRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/clients/{id}',
  summary: 'One OAuth client',
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam },
  responses: {
    200: { description: 'The client.', ...json(ClientSchema) },
    ...ErrorResponses([400, 401, 403, 404, 503]),
  },
});

const createClientRoute = createRoute({
  ...admin,
  method: 'post',
  path: '/clients',
  summary: 'Register an OAuth client',
  description:
    'Redirect URIs: absolute https URLs (http only for localhost, 127.0.0.1, [::1]), no fragment, matched exactly. Scopes: among the service scopes (those of ROLE_SCOPES, plus openid profile email). A public client gets no secret and cannot use client_credentials.',
  middleware: [requireScope('admin'), jsonBody()] as const,
  request: {
    body: json(
      z
        .object({
          client_id: z.string().optional().openapi({
            description: 'A chosen slug (^[a-z0-9][a-z0-9._-]{2,63}$); generated if left out.',
          }),
          name: z.string(),
          public: z.boolean().default(false),
          grant_types: z.array(z.enum(GRANT_TYPES)),
          scopes: z.array(z.string()),
          redirect_uris: z.array(z.string()).default([]),
          audience: z.array(z.string()).optional(),
          resource_audiences: z.array(z.string()).optional().openapi({
            description:
              'Register the client as a resource server for these audiences (confidential clients only).',
          }),
          access_token_ttl: z.number().int().nullable().optional().openapi({
            description: 'Seconds, at most the service ACCESS_TOKEN_TTL.',
          }),
          refresh_token_ttl: z.number().int().nullable().optional().openapi({
            description: 'Seconds, at most the service SESSION_MAX_LIFETIME.',
          }),
          first_party: z.boolean().default(false).openapi({
            description:
              'Trusted (your own app): no consent page. Leave false for anything another party runs.',
          }),
          logo_uri: z.string().nullable().optional().openapi({
            description: 'An https image shown on the sign-in and consent pages.',
          }),
          post_logout_redirect_uris: z.array(z.string()).optional().openapi({
            description:
              'Where end-session may send the browser back to (OIDC RP-Initiated Logout 1.0), matched exactly.',
          }),
          backchannel_logout_uri: z.string().nullable().optional().openapi({
            description:
              'Receives a signed logout token when a user it signed in logs out (OIDC Back-Channel Logout 1.0).',
          }),
        })
        .strict()
        .openapi('NewOAuthClient'),
    ),
  },
  responses: {
    201: {
      description: 'Registered.',
      ...json(
        z
          .object({ ...ClientFields, client_secret: SecretField.nullable() })
          .openapi('RegisteredOAuthClient'),
      ),
    },
    ...ErrorResponses([400, 401, 403, 409, 413, 415, 503]),
  },
});

const rotateRoute = createRoute({
  ...admin,
  method: 'post',
  path: '/clients/{id}/rotate-secret',
  summary: "Replace a confidential client's secret",
  description: 'The old secret stops working at once.',
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam },
  responses: {
    200: {
      description: 'The new secret.',
      ...json(
        z
          .object({ client_id: z.string(), client_secret: SecretField })
          .openapi('RotatedClientSecret'),
      ),
    },
    ...ErrorResponses([400, 401, 403, 404, 503]),
  },
});

const deleteRoute = createRoute({
  ...admin,
  method: 'delete',
  path: '/clients/{id}',
  summary: 'Delete an OAuth client',
  description:
    'It can no longer authenticate, refresh or start an authorization; access tokens already issued stay valid until they expire.',
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam },
  responses: {
    204: { description: 'Deleted.' },
    ...ErrorResponses([400, 401, 403, 404, 503]),
  },
});

const clientAdmin = (c: Context<EnvWith<AuthVariables>>) =>
  c.var.services.clientAdmin({ userId: c.var.auth.sub, sessionId: c.var.auth.sid });
const notFound = () => new AuthError('not_found', 'No such client.');

export const adminClientRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const clients = await clientAdmin(c).list();
    return c.json({ clients: clients.map(view) }, 200, noStore);
  })
  .openapi(getRoute, async (c) => {
    const client = await clientAdmin(c).get(c.req.valid('param').id);
    if (!client) throw notFound();
    return c.json(view(client), 200, noStore);
  })
  .openapi(createClientRoute, async (c) => {
    const body = c.req.valid('json');
    const created = await clientAdmin(c).create(
      {
        clientId: body.client_id,
        name: body.name,
        public: body.public,
        grantTypes: body.grant_types,
        scopes: body.scopes,
        redirectUris: body.redirect_uris,
        audience: body.audience,
        resourceAudiences: body.resource_audiences,
        accessTokenTtl: body.access_token_ttl,
        refreshTokenTtl: body.refresh_token_ttl,
        firstParty: body.first_party,
        logoUri: body.logo_uri,
        postLogoutRedirectUris: body.post_logout_redirect_uris,
        backchannelLogoutUri: body.backchannel_logout_uri,
      },
      FIELD_NAMES,
    );
    if (!created.ok) {
      if (created.reason === 'invalid') {
        throw new AuthError('invalid_request', created.problems.join('; '));
      }
      throw new AuthError('client_id_taken', created.message);
    }
    const { client, secret } = created;
    return c.json({ ...view(client), client_secret: secret }, 201, noStore);
  })
  .openapi(rotateRoute, async (c) => {
    const { id } = c.req.valid('param');
    const rotated = await clientAdmin(c).rotateSecret(id);
    if (!rotated.ok) {
      if (rotated.reason === 'not_found') throw notFound();
      throw new AuthError('invalid_request', 'A public client has no secret to rotate.');
    }
    return c.json({ client_id: id, client_secret: rotated.secret }, 200, noStore);
  })
  .openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await clientAdmin(c).delete(id))) throw notFound();
    return c.body(null, 204, noStore);
  });
