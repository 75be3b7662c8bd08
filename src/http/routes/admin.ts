// /api/v1/admin: operator endpoints; every one needs an access token with the `admin` scope.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { readAuditPage } from '../../audit/read.ts';
import type { AppEnv } from '../context.ts';
import { auditEventJson } from '../../audit/trail.ts';
import { noStore } from '../cache-control.ts';
import { requireScope } from '../require-scope.ts';
import { ErrorResponses, json } from './schemas.ts';

const AuditQuery = z.object({
  user_id: z.uuid().optional().openapi({ description: 'Only events of this user.' }),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/)
    .optional()
    .openapi({ description: 'Only events of this type.', example: 'login_failure' }),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Only events at or after this instant (RFC 3339).' }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'The `next_cursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const AuditEventSchema = z
  .object({
    id: z.string().openapi({ description: 'Increasing integer, as a string.' }),
    at: z.iso.datetime(),
    type: z.string(),
    user_id: z.uuid().nullable(),
    session_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    request_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

const AuditPageSchema = z
  .object({
    events: z.array(AuditEventSchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next (older) page; null at the end.' }),
  })
  .openapi('AuditPage');

const auditRoute = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['Admin'],
  summary: 'Read the audit log, newest first',
  description: 'Keyset-paginated. Needs the `admin` scope. The read itself is audited.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('admin')] as const,
  request: { query: AuditQuery },
  responses: {
    200: { description: 'One page of events.', ...json(AuditPageSchema) },
    ...ErrorResponses([400, 401, 403, 503]),
  },
});

export const adminRoutes = new OpenAPIHono<AppEnv>().openapi(auditRoute, async (c) => {
  const query = c.req.valid('query');
  const page = await readAuditPage(c.var.services.auditEvents, {
    userId: query.user_id,
    type: query.type,
    since: query.since ? new Date(query.since) : undefined,
    cursor: query.cursor,
    limit: query.limit,
  });
  c.var.services.audit.record({
    type: 'admin_audit_read',
    userId: c.var.auth.sub,
    sessionId: c.var.auth.sid,
    details: {
      filters: { user_id: query.user_id, type: query.type, since: query.since },
      returned: page.events.length,
    },
  });
  const events = page.events.map((row) => ({ id: String(row.id), ...auditEventJson(row) }));
  return c.json({ events, next_cursor: page.nextCursor }, 200, noStore);
});
