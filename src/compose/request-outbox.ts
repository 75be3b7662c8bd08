// The outbox of a Hono request: its configured mailer, ctx.waitUntil, and an audit write on a
// store client of its own (traced as "<request id>:audit", like the request's audit trail, so
// the local stack counts it apart from the request's round-trip budget).
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { AUDIT_TRACE_SUFFIX } from '../http/audit.ts';
import { clientInfo } from './services.ts';
import { drizzleAuditStore } from '../store/audit-events.ts';
import { createStores } from '../store/index.ts';
import { RequestTrace } from '../shared/trace.ts';
import { mailerFor } from '../mailers/index.ts';
import { createOutbox, type Outbox } from '../email/outbox.ts';

export function outboxFor(c: Context<AppEnv>): Outbox {
  const { config, requestId } = c.var;
  const { ip, userAgent } = clientInfo(c);
  return createOutbox({
    mailer: mailerFor(config.email),
    defer: (work) => {
      try {
        c.executionCtx.waitUntil(work);
      } catch {
        // No ExecutionContext (app.request() in a unit test): the send still runs, unawaited.
        void work;
      }
    },
    auditSink: {
      // Opens the client only when a failure has to be written.
      append: (rows) =>
        drizzleAuditStore(
          createStores(config, new RequestTrace(`${requestId}${AUDIT_TRACE_SUFFIX}`)).db,
        ).append(rows),
    },
    origin: { ip: ip || null, userAgent: userAgent || null, requestId },
  });
}
