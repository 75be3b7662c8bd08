// CORS (Fetch Standard §3.2) for the browser apps in ALLOWED_ORIGINS, with credentials so they
// can use the refresh cookie. Any other origin gets no CORS header at all: hono/cors alone would
// still send Access-Control-Allow-Credentials to everyone, so it only runs for allowed origins.
// The public JWKS and discovery are left alone: they answer `Access-Control-Allow-Origin: *`
// without credentials themselves, and are edge-cached for every origin alike.
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { BrowserConfig } from '../../config/browser.ts';
import type { AppEnv } from '../context.ts';
import { CSRF_HEADER, TRANSPORT_HEADER } from './refresh-cookies.ts';

const byConfig = new WeakMap<BrowserConfig, MiddlewareHandler>();

function corsFor(browser: BrowserConfig): MiddlewareHandler {
  let middleware = byConfig.get(browser);
  if (!middleware) {
    middleware = cors({
      origin: (origin) => origin,
      credentials: true,
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: [
        'Content-Type',
        'Authorization',
        CSRF_HEADER,
        TRANSPORT_HEADER,
        'X-Request-Id',
        'CF-Turnstile-Response',
      ],
      exposeHeaders: [
        'X-Request-Id',
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'WWW-Authenticate',
      ],
      maxAge: browser.corsMaxAge,
    });
    byConfig.set(browser, middleware);
  }
  return middleware;
}

const isPreflight = (req: Request) =>
  req.method === 'OPTIONS' &&
  req.headers.has('Origin') &&
  req.headers.has('Access-Control-Request-Method');

export function corsForAllowedOrigins() {
  return createMiddleware<AppEnv>(async function corsForAllowedOrigins(c, next) {
    if (c.req.path.startsWith('/.well-known/')) return next();
    const origin = c.req.header('Origin');
    const { browser } = c.var.config;
    if (origin && browser.allowedOrigins.includes(origin)) return corsFor(browser)(c, next);
    // A preflight from elsewhere: an empty answer without grants, which the browser refuses.
    if (isPreflight(c.req.raw)) return c.body(null, 204, { Vary: 'Origin' });
    await next();
    // The answer differs by Origin, so shared caches must key on it.
    c.header('Vary', 'Origin', { append: true });
  });
}
