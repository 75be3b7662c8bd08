// /api/v1/auth/sessions and /logout-all: a user's view of their own sessions. Each call is one
// Redis round trip after requireAuth's (the session list is one script, not one call per
// session).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { clearRefreshCookies, refreshCookieOf } from '../browser/refresh-cookies.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { noStore } from '../cache-control.ts';
import { requireAuth } from '../require-auth.ts';
import { ErrorResponses, json } from './schemas.ts';

const SessionSchema = z
  .object({
    id: z.string(),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime(),
    ip: z.string(),
    user_agent: z.string(),
    current: z.boolean().openapi({ description: 'The session of the token making this call.' }),
  })
  .openapi('Session');

const listRoute = createRoute({
  method: 'get',
  path: '/sessions',
  tags: ['Sessions'],
  summary: "The caller's live sessions, most recently used first",
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true })] as const,
  responses: {
    200: {
      description: 'The sessions.',
      ...json(z.object({ sessions: z.array(SessionSchema) }).openapi('SessionList')),
    },
    ...ErrorResponses([401, 403, 503]),
  },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/sessions/{id}',
  tags: ['Sessions'],
  summary: 'Revoke one of your sessions',
  description:
    "Its refresh token dies at once and its access tokens are refused by requireAuth and introspection; offline verifiers accept them until they expire. Another user's session id answers 404, like an unknown one.",
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true })] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    204: { description: 'Revoked.' },
    ...ErrorResponses([401, 403, 404, 503]),
  },
});

const logoutAllRoute = createRoute({
  method: 'post',
  path: '/logout-all',
  tags: ['Sessions'],
  summary: 'End every session of the caller, this one included',
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true })] as const,
  responses: {
    204: { description: 'All sessions ended; browser-mode cookies, if sent, are cleared.' },
    ...ErrorResponses([401, 403, 503]),
  },
});

export const sessionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const { sub, sid } = c.var.auth;
    const sessions = await c.var.services.userSessions.list(sub);
    return c.json(
      {
        sessions: sessions.map((s) => ({
          id: s.sid,
          created_at: s.createdAt.toISOString(),
          last_used_at: s.lastUsedAt.toISOString(),
          ip: s.ip,
          user_agent: s.userAgent,
          current: s.sid === sid,
        })),
      },
      200,
      noStore,
    );
  })
  .openapi(revokeRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { sub, sid } = c.var.auth;
    if (!(await c.var.services.userSessions.revokeOwn(sub, id))) {
      throw new AuthError('not_found', 'No such session.');
    }
    c.var.services.audit.record({
      type: 'session_revoked',
      userId: sub,
      sessionId: id,
      details: { reason: id === sid ? 'user_revoked_current' : 'user_revoked' },
    });
    return c.body(null, 204, noStore);
  })
  .openapi(logoutAllRoute, async (c) => {
    const { sub, sid } = c.var.auth;
    const ended = await c.var.services.userSessions.revokeAll(sub);
    c.var.services.audit.record({
      type: 'logout_all',
      userId: sub,
      sessionId: sid,
      details: { sessions: ended },
    });
    if (refreshCookieOf(c) !== undefined) clearRefreshCookies(c);
    return c.body(null, 204, noStore);
  });
