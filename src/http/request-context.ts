// Per-request plumbing: config (parsed once per env), the trace, lazily created stores, and
// the Server-Timing header (RFC-less but W3C Server Timing) on every response, errors included.
import { createMiddleware } from 'hono/factory';
import { loadConfig } from '../config/index.ts';
import { createStores } from '../store/index.ts';
import { RequestTrace } from '../shared/trace.ts';
import type { AppEnv } from './context.ts';
import { renderError } from './error-response.ts';

const fmt = (ms: number) => ms.toFixed(2);

export function requestContext() {
  return createMiddleware<AppEnv>(async function requestContext(c, next) {
    const started = performance.now();
    const trace = new RequestTrace(c.get('requestId'));
    c.set('trace', trace);
    try {
      const config = loadConfig(c.env);
      c.set('config', config);
      c.set('stores', createStores(config, trace));
      await next();
    } catch (err) {
      // Errors from later middleware reach app.onError; this catches the config failing here.
      c.res = await renderError(err, c);
    } finally {
      // Runs after onError has produced its response too, so failures are timed as well.
      const spent = new Map(trace.entries().map((e) => [e.metric, e]));
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

/** Responses from fetch() or the Cache API have immutable headers; copy those first. */
function setHeader(c: { res: Response }, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(name, value);
  }
}
