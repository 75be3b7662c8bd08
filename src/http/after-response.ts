// Work a request starts but does not wait for (ctx.waitUntil): the enumeration-safe endpoints
// answer at once, the same way for every address, and only then look the address up, issue a
// token and mail it. Such work records its audit events on a trail of its own, written when
// the work ends (the request's trail is flushed before that), under "<request id>:audit".
import type { Context } from 'hono';
import type { Later } from '../auth/account-lifecycle.ts';
import { AuditTrail } from '../audit/trail.ts';
import { describeCause } from '../shared/safe-cause.ts';
import { drizzleAuditStore } from '../store/audit-events.ts';
import { createStores } from '../store/index.ts';
import { RequestTrace } from '../shared/trace.ts';
import { AUDIT_TRACE_SUFFIX } from './audit.ts';
import type { AppEnv } from './context.ts';
import { clientInfo } from '../compose/services.ts';

export function afterResponse(c: Context<AppEnv>): Later {
  return (name, job) => {
    const { config, requestId } = c.var;
    const { ip, userAgent } = clientInfo(c);
    const trail = new AuditTrail({ ip, userAgent, requestId });
    const work = job(trail)
      .catch((error: unknown) =>
        // The response is gone: the log line is where this failure goes (never the address).
        console.error(
          JSON.stringify({
            level: 'error',
            msg: `${name} failed after the response`,
            request_id: requestId,
            cause: describeCause(error),
          }),
        ),
      )
      .then(() => {
        if (trail.size === 0) return;
        const trace = new RequestTrace(`${requestId}${AUDIT_TRACE_SUFFIX}`);
        return trail.flush(drizzleAuditStore(createStores(config, trace).db));
      });
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      void work; // no ExecutionContext (app.request() in a unit test)
    }
  };
}
