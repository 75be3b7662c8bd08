// /api/v1/admin/users: list/search, read, create, set roles, disable/enable, revoke sessions,
// delete.
// Every route needs the `admin` scope and every call is audited (reads included: who looked at
// whom is part of the trail).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { textFromBase64Url, textToBase64Url } from '../../shared/base64url.ts';
import { DisplayNameSchema } from '../../auth/display-name.ts';
import { EmailSchema, hasForbiddenEmailCharacter } from '../../auth/email.ts';
import {
  createUser,
  deleteUser,
  getUser,
  revokeSessions,
  setDisabled,
  setRoles,
} from '../../auth/user-admin.ts';
import type { UserRecord } from '../../auth/users.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv, EnvWith } from '../context.ts';
import type { AuthVariables } from '../require-auth.ts';
import { noStore } from '../cache-control.ts';
import { jsonBody } from '../json-body.ts';
import { requireScope } from '../require-scope.ts';
import { ErrorResponses, json } from './schemas.ts';

const AdminUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    roles: z.array(z.string()),
    email_verified_at: z.iso.datetime().nullable(),
    disabled_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
  })
  .openapi('AdminUser');

const view = (user: UserRecord) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  roles: user.roles,
  email_verified_at: user.emailVerifiedAt?.toISOString() ?? null,
  disabled_at: user.disabledAt?.toISOString() ?? null,
  created_at: user.createdAt.toISOString(),
});

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const admin = { tags: ['Admin'], security: [{ bearerAuth: [] }] };
const userResponse = (description: string) => ({ description, ...json(AdminUserSchema) });

const listRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/users',
  summary: 'List or search users, by email',
  middleware: [requireScope('admin')] as const,
  request: {
    query: z.object({
      query: z
        .string()
        .min(1)
        .max(254)
        // NUL cannot reach Postgres text; no stored address holds these characters anyway.
        .refine((q) => !hasForbiddenEmailCharacter(q), 'must not contain control characters')
        .optional()
        .openapi({
          description: 'Case-insensitive substring of the email.',
        }),
      cursor: z
        .string()
        .max(400)
        .optional()
        .openapi({ description: '`next_cursor` of the last page.' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'One page, ordered by email.',
      ...json(
        z
          .object({ users: z.array(AdminUserSchema), next_cursor: z.string().nullable() })
          .openapi('AdminUserPage'),
      ),
    },
    ...ErrorResponses([400, 401, 403, 503]),
  },
});

const getRoute = createRoute({
  ...admin,
  method: 'get',
  path: '/users/{id}',
  summary: 'One user',
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam },
  responses: { 200: userResponse('The user.'), ...ErrorResponses([400, 401, 403, 404, 503]) },
});

const createUserRoute = createRoute({
  ...admin,
  method: 'post',
  path: '/users',
  summary: 'Create a user (email counted as verified)',
  middleware: [requireScope('admin'), jsonBody()] as const,
  request: {
    body: json(
      z
        .object({
          email: EmailSchema,
          password: z.string().min(1).max(1024),
          name: DisplayNameSchema.pipe(z.string().min(1)).optional(),
          roles: z.array(z.string().min(1).max(64)).max(32).optional(),
        })
        .openapi('AdminCreateUser'),
    ),
  },
  responses: {
    201: userResponse('Created.'),
    ...ErrorResponses([400, 401, 403, 409, 413, 415, 503]),
  },
});

const rolesRoute = createRoute({
  ...admin,
  method: 'put',
  path: '/users/{id}/roles',
  summary: "Replace a user's roles",
  description:
    'Live sessions get the new roles (and scopes) at their next refresh, with no SQL read; access tokens already issued keep the old ones until they expire.',
  middleware: [requireScope('admin'), jsonBody()] as const,
  request: {
    params: IdParam,
    body: json(z.object({ roles: z.array(z.string().min(1).max(64)).max(32) }).openapi('SetRoles')),
  },
  responses: {
    200: userResponse('The user with the new roles.'),
    ...ErrorResponses([400, 401, 403, 404, 413, 415, 503]),
  },
});

const stateRoute = (action: 'disable' | 'enable') =>
  createRoute({
    ...admin,
    method: 'post',
    path: `/users/{id}/${action}`,
    summary: action === 'disable' ? 'Disable a user and end all their sessions' : 'Enable a user',
    middleware: [requireScope('admin')] as const,
    request: { params: IdParam },
    responses: {
      200: userResponse('The user.'),
      ...ErrorResponses([400, 401, 403, 404, 503]),
    },
  });

const revokeRoute = createRoute({
  ...admin,
  method: 'post',
  path: '/users/{id}/revoke-sessions',
  summary: 'End every session of a user',
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam },
  responses: {
    200: {
      description: 'How many sessions ended.',
      ...json(z.object({ revoked: z.number().int() }).openapi('RevokedSessions')),
    },
    ...ErrorResponses([400, 401, 403, 404, 503]),
  },
});

const deleteRoute = createRoute({
  ...admin,
  method: 'delete',
  path: '/users/{id}',
  summary: 'Delete a user and end all their sessions',
  description:
    "The row and the user's one-time links are deleted; every session ends at once (refresh tokens die, requireAuth and introspection refuse the access tokens; offline verifiers accept them until they expire). Audit events keep the user's id.",
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam },
  responses: {
    200: {
      description: 'Deleted; how many sessions ended.',
      ...json(
        z.object({ id: z.uuid(), sessions_revoked: z.number().int() }).openapi('DeletedUser'),
      ),
    },
    ...ErrorResponses([400, 401, 403, 404, 503]),
  },
});

/** The acting admin and the target, on every admin event. */
const actor = (c: Context<EnvWith<AuthVariables>>) => ({
  userId: c.var.auth.sub,
  sessionId: c.var.auth.sid,
});

export const adminUserRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const { query, cursor, limit } = c.req.valid('query');
    // The cursor is the last email of the page (emails are unique), opaque to clients.
    const afterEmail = cursor === undefined ? undefined : textFromBase64Url(cursor);
    if (cursor !== undefined && afterEmail === undefined) {
      throw new AuthError('invalid_request', 'Malformed cursor.');
    }
    const rows = await c.var.services.userAdmin.admin.list({ query, afterEmail, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    c.var.services.audit.record({
      type: 'admin_users_listed',
      ...actor(c),
      details: { search: query !== undefined, returned: page.length },
    });
    return c.json(
      {
        users: page.map(view),
        next_cursor: rows.length > limit && last ? textToBase64Url(last.email) : null,
      },
      200,
      noStore,
    );
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const user = await getUser(c.var.services.userAdmin, id);
    c.var.services.audit.record({ type: 'admin_user_read', ...actor(c), details: { target: id } });
    return c.json(view(user), 200, noStore);
  })
  .openapi(createUserRoute, async (c) => {
    const body = c.req.valid('json');
    const user = await createUser(c.var.services.userAdmin, body);
    c.var.services.audit.record({
      type: 'admin_user_created',
      ...actor(c),
      details: { target: user.id, roles: user.roles, source: 'api' },
    });
    return c.json(view(user), 201, noStore);
  })
  .openapi(rolesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { user, previous, sessions } = await setRoles(
      c.var.services.userAdmin,
      id,
      c.req.valid('json').roles,
    );
    c.var.services.audit.record({
      type: 'admin_roles_set',
      ...actor(c),
      details: { target: id, roles: user.roles, previous, sessions_updated: sessions },
    });
    return c.json(view(user), 200, noStore);
  })
  .openapi(stateRoute('disable'), async (c) => {
    const { id } = c.req.valid('param');
    const { user, sessions } = await setDisabled(c.var.services.userAdmin, id, true);
    c.var.services.audit.record({
      type: 'admin_user_disabled',
      ...actor(c),
      details: { target: id, sessions_revoked: sessions },
    });
    return c.json(view(user), 200, noStore);
  })
  .openapi(stateRoute('enable'), async (c) => {
    const { id } = c.req.valid('param');
    const { user } = await setDisabled(c.var.services.userAdmin, id, false);
    c.var.services.audit.record({
      type: 'admin_user_enabled',
      ...actor(c),
      details: { target: id },
    });
    return c.json(view(user), 200, noStore);
  })
  .openapi(revokeRoute, async (c) => {
    const { id } = c.req.valid('param');
    const revoked = await revokeSessions(c.var.services.userAdmin, id);
    c.var.services.audit.record({
      type: 'admin_sessions_revoked',
      ...actor(c),
      details: { target: id, sessions_revoked: revoked },
    });
    return c.json({ revoked }, 200, noStore);
  })
  .openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { sessions } = await deleteUser(c.var.services.userAdmin, id);
    c.var.services.audit.record({
      type: 'admin_user_deleted',
      ...actor(c),
      details: { target: id, sessions_revoked: sessions, source: 'api' },
    });
    return c.json({ id, sessions_revoked: sessions }, 200, noStore);
  });
