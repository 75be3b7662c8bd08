// Per-request plumbing: the config (parsed once per env), the request's services (the
// composition root, src/compose/services.ts), the Server-Timing header (W3C Server Timing) on
// every response, errors included, and the audit trail's write once the response is ready.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { ClientInfo, KeepAlive } from '../compose/request-scope.ts';
import { createServices, type Services } from '../compose/services.ts';
import { loadConfig } from '../config/index.ts';
import type { AppEnv } from './context.ts';
import { renderError } from './error-response.ts';

const fmt = (ms: number) => ms.toFixed(2);

export function requestContext() {
  return createMiddleware<AppEnv>(async function requestContext(c, next) {
    const started = performance.now();
    let services: Services | undefined;
    try {
      const config = loadConfig(c.env);
      c.set('config', config);
      services = createServices({
        config,
        requestId: c.var.requestId,
        client: clientOf(c),
        keepAlive: keepAlive(c),
      });
      c.set('services', services);
      await services.run(next);
    } catch (err) {
      // Errors from later middleware reach app.onError; this catches the config failing here.
      c.res = await renderError(err, c);
    } finally {
      // After onError has produced its response too, so failures are timed and audited as well.
      services?.flushAudit();
      const spent = new Map((services?.trace.entries() ?? []).map((e) => [e.metric, e]));
      const parts = [
        'db',
        'redis',
        ...[...spent.keys()].filter((m) => m !== 'db' && m !== 'redis'),
      ].map((metric) => {
        const entry = spent.get(metric);
        return `${metric};dur=${fmt(entry?.ms ?? 0)};desc="${entry?.count ?? 0} calls"`;
      });
      parts.push(`total;dur=${fmt(performance.now() - started)}`);
      setHeader(c, 'Server-Timing', parts.join(', '));
    }
  });
}

function clientOf(c: Context): ClientInfo {
  return {
    // Set by Cloudflare's edge (and by wrangler dev); a client cannot forge it in production.
    ip: c.req.header('CF-Connecting-IP') ?? '',
    userAgent: (c.req.header('User-Agent') ?? '').slice(0, 256),
  };
}

function keepAlive(c: Context): KeepAlive {
  return (work) => {
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // No ExecutionContext (app.request() in a unit test): the work still runs, unawaited.
      void work;
    }
  };
}

/** Responses from fetch() or the Cache API have immutable headers; copy those first. */
function setHeader(c: { res: Response }, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(name, value);
  }
}
