// /api/v1/account/consents: the third-party applications a user has granted access (OIDC
// consent, src/oauth/consents.ts), and withdrawing one. First-party tokens only, like the
// session API (src/http/routes/sessions.ts): an application must not read or withdraw the
// grants of others, nor its own on the user's behalf.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { noStore } from '../cache-control.ts';
import { requireAuth } from '../require-auth.ts';
import { revokeConsent } from '../../oauth/consents.ts';
import { ErrorResponses, json } from './schemas.ts';

const ConsentSchema = z
  .object({
    client_id: z.string(),
    client_name: z.string(),
    logo_uri: z.string().nullable(),
    scopes: z.array(z.string()).openapi({ description: 'Every scope granted so far.' }),
    granted_at: z.iso.datetime(),
    updated_at: z.iso.datetime().openapi({ description: 'When scopes were last added.' }),
  })
  .openapi('Consent');

const listRoute = createRoute({
  method: 'get',
  path: '/consents',
  tags: ['Account'],
  summary: 'The third-party applications you allowed, most recently changed first',
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true })] as const,
  responses: {
    200: {
      description: 'The remembered consents.',
      ...json(z.object({ consents: z.array(ConsentSchema) }).openapi('ConsentList')),
    },
    ...ErrorResponses([401, 403, 503]),
  },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/consents/{client_id}',
  tags: ['Account'],
  summary: "Withdraw an application's access",
  description:
    'Deletes the grant (the application must ask again) and ends every session of yours granted to it: its refresh tokens die at once. A client you have not granted answers 404.',
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true })] as const,
  request: { params: z.object({ client_id: z.string().min(1).max(128) }) },
  responses: {
    204: { description: 'Withdrawn; the application was signed out.' },
    ...ErrorResponses([401, 403, 404, 503]),
  },
});

export const consentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const consents = await c.var.services.consents.consents.list(c.var.auth.sub);
    return c.json(
      {
        consents: consents.map((g) => ({
          client_id: g.clientId,
          client_name: g.clientName,
          logo_uri: g.logoUri,
          scopes: g.scopes,
          granted_at: g.grantedAt.toISOString(),
          updated_at: g.updatedAt.toISOString(),
        })),
      },
      200,
      noStore,
    );
  })
  .openapi(revokeRoute, async (c) => {
    const { client_id: clientId } = c.req.valid('param');
    const { sub, sid } = c.var.auth;
    const { revoked, ended } = await revokeConsent(c.var.services.consents, sub, clientId);
    // The client learns its sessions ended (OIDC Back-Channel Logout), after the response.
    c.var.services.notifyLoggedOut(sub, ended);
    if (!revoked) throw new AuthError('not_found', 'No consent for this client.');
    c.var.services.audit.record({
      type: 'consent_revoked',
      userId: sub,
      sessionId: sid,
      details: { client_id: clientId, sessions_revoked: ended.length, source: 'api' },
    });
    return c.body(null, 204, noStore);
  });
