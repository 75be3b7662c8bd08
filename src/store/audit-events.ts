// audit_events over Drizzle: append (one batched INSERT), the admin's keyset-paginated read,
// and the retention purge. Works on neon-http (the Worker) and node-postgres (the keys CLI).
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { AuditEventStore } from '../audit/store.ts';
import type { Db } from './db.ts';
import { preparedPerClient } from './prepared.ts';
import * as schema from './schema.ts';
import { rowCountOf } from './row-count.ts';

const { auditEvents } = schema;

// Most requests write one event (a login, a logout): that INSERT is prepared once per client
// (src/store/prepared.ts) instead of built per request, a sixth of a logout's CPU.
const insertOne = preparedPerClient((db) => {
  const p = (name: string) => sql.placeholder(name);
  return db
    .insert(auditEvents)
    .values({
      at: p('at'),
      type: p('type'),
      userId: p('userId'),
      sessionId: p('sessionId'),
      ip: p('ip'),
      userAgent: p('userAgent'),
      requestId: p('requestId'),
      details: p('details'),
    })
    .prepare('audit_insert_one');
});

export function drizzleAuditStore(db: Db): AuditEventStore {
  return {
    async append(rows) {
      const [only, ...more] = rows;
      if (!only) return;
      if (more.length > 0) {
        await db.insert(auditEvents).values(rows);
        return;
      }
      // The row's fields are the placeholders' names.
      await insertOne(db).execute(only);
    },
    async list({ userId, type, since, after, limit }) {
      const where = and(
        userId ? eq(auditEvents.userId, userId) : undefined,
        type ? eq(auditEvents.type, type) : undefined,
        since ? gte(auditEvents.at, since) : undefined,
        // Row comparison: strictly after the cursor in (at DESC, id DESC) order.
        after
          ? sql`(${auditEvents.at}, ${auditEvents.id}) < (${after.at.toISOString()}::timestamptz, ${after.id}::bigint)`
          : undefined,
      );
      return db
        .select()
        .from(auditEvents)
        .where(where)
        .orderBy(desc(auditEvents.at), desc(auditEvents.id))
        .limit(limit);
    },
    async purgeBatch(cutoff, limit) {
      // DELETE has no LIMIT in Postgres: pick the ids first, oldest first, via the `at` index.
      const oldest = db
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(lt(auditEvents.at, cutoff))
        .orderBy(auditEvents.at)
        .limit(limit);
      const result = await db.delete(auditEvents).where(inArray(auditEvents.id, oldest));
      return rowCountOf(result);
    },
  };
}
