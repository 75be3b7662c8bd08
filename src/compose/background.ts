// The one way work outlives a request, and the one place audit rows are written from.
//
// The request's own trail is written once the response is ready; work that runs after the
// response (the enumeration-safe mail endpoints, a failed send) records on a trail of its own,
// written when that work ends. Every such write runs under a trace of its own whose round trips
// carry "<request id>:audit", so the local stack counts them apart from the request's
// critical-path budget (login = 1 SQL + 1 Redis, ...), which auditing never delays.
import type { AuditSink } from '../audit/store.ts';
import { AuditTrail } from '../audit/trail.ts';
import type { Later } from '../auth/account-lifecycle.ts';
import { describeCause } from '../shared/safe-cause.ts';
import { RequestTrace } from '../shared/trace.ts';
import { drizzleAuditStore } from '../store/audit-events.ts';
import { sharedDb } from '../store/index.ts';
import { traced } from '../store/trace-scope.ts';
import type { RequestScope } from './request-scope.ts';

export const AUDIT_TRACE_SUFFIX = ':audit';

/** Audit rows of `scope`, written under a trace of their own. */
export function auditSink(scope: RequestScope): AuditSink {
  return {
    append: (rows) =>
      traced(new RequestTrace(`${scope.requestId}${AUDIT_TRACE_SUFFIX}`), () =>
        drizzleAuditStore(sharedDb(scope.config)).append(rows),
      ),
  };
}

/** A trail attributed to the request's client. */
export function newTrail(scope: RequestScope): AuditTrail {
  const { ip, userAgent } = scope.client;
  return new AuditTrail({
    ip: ip || null,
    userAgent: userAgent || null,
    requestId: scope.requestId,
  });
}

/** Named work that runs after the response, with its own audit trail flushed when it ends. */
export function later(scope: RequestScope): Later {
  return (name, job) => {
    const trail = newTrail(scope);
    const work = job(trail)
      .catch((error: unknown) =>
        // The response is gone: the log line is where this failure goes (never the address).
        console.error(
          JSON.stringify({
            level: 'error',
            msg: `${name} failed after the response`,
            request_id: scope.requestId,
            cause: describeCause(error),
          }),
        ),
      )
      .then(() => trail.flush(auditSink(scope)));
    scope.keepAlive(work);
  };
}
