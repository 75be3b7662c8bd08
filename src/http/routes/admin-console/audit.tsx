// /admin/audit: the audit log with the admin API's filters and keyset pages
// (src/audit/read.ts), newest first; the read itself is audited as the API's.
import { Hono } from 'hono';
import { readAuditPage } from '../../../audit/read.ts';
import { AuthError } from '../../../shared/errors.ts';
import type { AppEnv } from '../../context.ts';
import { type AuditFilters, AuditPage } from '../../pages/admin/audit.tsx';
import { actorOf, adminOnly } from './guard.tsx';
import { pageSizeOf } from './users.tsx';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPE = /^[a-z][a-z0-9_]{0,63}$/;
/** A datetime-local field's value ("2026-12-02T16:30" or with seconds), read as UTC. */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** The filters, or the message saying which one is wrong (the page shows it, no events). */
function filtersOf(query: Record<string, string>): { filters: AuditFilters; error?: string } {
  const filters: AuditFilters = {
    user_id: query.user_id?.trim().toLowerCase() || undefined,
    type: query.type?.trim() || undefined,
    since: query.since?.trim() || undefined,
    limit: query.limit ? String(pageSizeOf(query.limit)) : undefined,
  };
  if (filters.user_id && !UUID.test(filters.user_id)) {
    return { filters, error: 'User id: enter a user id (a UUID).' };
  }
  if (filters.type && !TYPE.test(filters.type)) {
    return { filters, error: 'Type: an event type is lower case, like login_failure.' };
  }
  if (filters.since) {
    const since = LOCAL_TIME.test(filters.since) ? new Date(`${filters.since}Z`) : undefined;
    if (!since || Number.isNaN(since.getTime())) {
      return { filters, error: 'Since: enter a date and time (UTC).' };
    }
  }
  return { filters };
}

export const adminConsoleAudit = new Hono<AppEnv>().get('/admin/audit', adminOnly(), async (c) => {
  const query = c.req.query();
  const { filters, error } = filtersOf(query);
  if (error) {
    return c.html(
      <AuditPage events={[]} filters={filters} next={undefined} paged={false} error={error} />,
      400,
    );
  }
  const cursor = query.cursor?.slice(0, 200) || undefined;
  const since = filters.since ? new Date(`${filters.since}Z`) : undefined;
  let page;
  try {
    page = await readAuditPage(c.var.services.auditEvents, {
      userId: filters.user_id,
      type: filters.type,
      since,
      cursor,
      limit: pageSizeOf(query.limit),
    });
  } catch (cause) {
    if (!(cause instanceof AuthError) || cause.code !== 'invalid_request') throw cause;
    const message = 'That page link is damaged: start again from the newest events.';
    return c.html(
      <AuditPage events={[]} filters={filters} next={undefined} paged={true} error={message} />,
      400,
    );
  }
  c.var.services.audit.record({
    type: 'admin_audit_read',
    ...actorOf(c.var.admin),
    details: {
      filters: { user_id: filters.user_id, type: filters.type, since: since?.toISOString() },
      returned: page.events.length,
    },
  });
  return c.html(
    <AuditPage
      events={page.events}
      filters={filters}
      next={page.nextCursor ?? undefined}
      paged={cursor !== undefined}
    />,
  );
});
