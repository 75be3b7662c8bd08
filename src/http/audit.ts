// The audit trail of a request: `auditTrail()` (mounted once in app.ts, right after the
// request id) gives every request a trail; routes add events with one line, `audit(c).record({ type, userId, sessionId })`; once
// the response is ready the trail is logged and written in one INSERT through waitUntil.
//
// The write goes through its own store client whose round trips carry the request id plus
// ":audit", so the local stack counts them apart from the request's critical-path budget
// (login = 1 SQL + 1 Redis, ...), which the audit write does not delay.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { AuditTrail } from '../audit/trail.ts';
import type { AuditEventStore } from '../audit/store.ts';
import { drizzleAuditStore } from '../store/audit-events.ts';
import { createStores } from '../store/index.ts';
import { RequestTrace } from '../shared/trace.ts';
import type { AppEnv } from './context.ts';
import { clientInfo } from '../compose/services.ts';

declare module 'hono' {
  interface ContextVariableMap {
    audit: AuditTrail;
  }
}

export const AUDIT_TRACE_SUFFIX = ':audit';

export function auditTrail() {
  return createMiddleware<AppEnv>(async function auditTrail(c, next) {
    const { ip, userAgent } = clientInfo(c);
    const trail = new AuditTrail({ ip, userAgent, requestId: c.var.requestId });
    c.set('audit', trail);
    try {
      await next();
    } finally {
      // No config means the request failed before anything could record an event.
      if (trail.size > 0 && c.var.config) {
        const trace = new RequestTrace(`${c.var.requestId}${AUDIT_TRACE_SUFFIX}`);
        const sink = drizzleAuditStore(createStores(c.var.config, trace).db);
        afterResponse(c, trail.flush(sink));
      }
    }
  });
}

/** The request's trail. Every route runs behind auditTrail(), so it is always there. */
export function audit(c: Context<AppEnv>): AuditTrail {
  const trail = c.get('audit');
  if (!trail) throw new Error('audit(c) needs the auditTrail() middleware (src/http/app.ts)');
  return trail;
}

/** The audit table for reads on the request's own (critical-path) client: the admin API. */
export const auditEventStore = (c: Context<AppEnv>): AuditEventStore =>
  drizzleAuditStore(c.var.stores.db);

function afterResponse(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No ExecutionContext (app.request() in a unit test): the write still runs, unawaited.
    void work;
  }
}
