import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { noStore } from '../cache-control.ts';

const StoreHealth = z.object({
  ok: z.boolean(),
  ms: z.number().openapi({ description: 'Round-trip time of the probe in milliseconds.' }),
});

const HealthBody = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    db: StoreHealth,
    redis: StoreHealth,
    failing: z.array(z.enum(['db', 'redis'])).optional(),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Operations'],
  summary: 'Liveness of the worker and both stores',
  description: 'Runs one cheap call against Postgres and one against Redis, in parallel.',
  responses: {
    200: {
      description: 'Both stores answer.',
      content: { 'application/json': { schema: HealthBody } },
    },
    503: {
      description: 'At least one store is unreachable; `failing` names it.',
      content: { 'application/json': { schema: HealthBody } },
    },
  },
});

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { db, redis } = await c.var.services.health();
  const failing = (['db', 'redis'] as const).filter((store) => !{ db, redis }[store].ok);
  c.header('Cache-Control', noStore['Cache-Control']);
  if (failing.length > 0) {
    return c.json({ status: 'unavailable' as const, db, redis, failing }, 503);
  }
  return c.json({ status: 'ok' as const, db, redis }, 200);
});
