// audit_events over Drizzle: append (one batched INSERT), the admin's keyset-paginated read,
// and the retention purge. Works on neon-http (the Worker) and node-postgres (the keys CLI).
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { AuditEventStore } from '../audit/store.ts';
import type { Db } from './db.ts';
import * as schema from './schema.ts';
import { rowCountOf } from './row-count.ts';

const { auditEvents } = schema;

export function drizzleAuditStore(db: Db): AuditEventStore {
  return {
    async append(rows) {
      if (rows.length > 0) await db.insert(auditEvents).values(rows);
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
