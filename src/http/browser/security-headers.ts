// Security headers on every response, errors included (hono/secure-headers). The API answers
// JSON, so its CSP forbids everything (`default-src 'none'`) and framing; the HTML pages get a
// nonce-based policy from `htmlPageHeaders()` (/docs builds its own from ONLY_CSP: docs.ts).
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { NONCE, secureHeaders } from 'hono/secure-headers';

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;
import { DEFAULT_HSTS_MAX_AGE } from '../../config/browser.ts';
import { loadConfig } from '../../config/index.ts';
import { noStore } from '../cache-control.ts';
import type { AppEnv } from '../context.ts';

const common = (hstsMaxAge: number): Partial<SecureHeadersOptions> => ({
  // RFC 6797 §6.1; max-age=0 tells browsers to forget an earlier policy.
  strictTransportSecurity:
    hstsMaxAge > 0 ? `max-age=${hstsMaxAge}; includeSubDomains` : 'max-age=0',
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  // A JSON API and one docs page: no reason for any origin to embed or open them cross-origin.
  crossOriginOpenerPolicy: 'same-origin',
  // Browsers of other origins read our JSON through CORS, which CORP does not restrict; the
  // public JWKS and discovery set `cross-origin` themselves (kept: overwrite is off).
  crossOriginResourcePolicy: 'same-origin',
  permissionsPolicy: { camera: false, microphone: false, geolocation: false, payment: false },
  // Headers a route set itself (the docs page's CSP, JWKS's CORP) win.
  overwrite: false,
});

const API_CSP = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/** Every other header is left to the app-wide middleware (which keeps what a route set). */
export const ONLY_CSP = {
  crossOriginEmbedderPolicy: false,
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xContentTypeOptions: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  removePoweredBy: false,
} as const;

const byHstsMaxAge = new Map<number, MiddlewareHandler>();

function headersFor(hstsMaxAge: number): MiddlewareHandler {
  let middleware = byHstsMaxAge.get(hstsMaxAge);
  if (!middleware) {
    middleware = secureHeaders({ ...common(hstsMaxAge), contentSecurityPolicy: API_CSP });
    byHstsMaxAge.set(hstsMaxAge, middleware);
  }
  return middleware;
}

/** App-wide; outermost, so even a response to a broken configuration carries the headers. */
export function securityHeaders() {
  return createMiddleware<AppEnv>(async function securityHeaders(c, next) {
    let hstsMaxAge = DEFAULT_HSTS_MAX_AGE;
    try {
      hstsMaxAge = loadConfig(c.env).browser.hstsMaxAge;
    } catch {
      // The config error itself is answered (and logged) by requestContext().
    }
    return headersFor(hstsMaxAge)(c, next);
  });
}

/**
 * For a server-rendered HTML page: scripts only with the per-response nonce (read it with
 * `c.get('secureHeadersNonce')`) or loaded by such a script ('strict-dynamic'), data only
 * from this origin, no framing, forms post only here.
 */
export function htmlPageHeaders(options: { scriptHosts?: string[]; fontHosts?: string[] } = {}) {
  return secureHeaders({
    ...ONLY_CSP,
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: [NONCE, "'strict-dynamic'", ...(options.scriptHosts ?? [])],
      // Component libraries set style attributes at run time; styles cannot run code.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:', ...(options.fontHosts ?? [])],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
    },
  });
}

/**
 * Besides the page CSP: `no-store` on every answer, redirects included, and a referrer policy
 * of `same-origin` instead of the API's `no-referrer`. Under `no-referrer` a browser sends
 * `Origin: null` with a form POST, even to its own origin (Fetch, "serializing a request
 * origin"), and checkOrigin() would refuse every form; `same-origin` still sends nothing to
 * other sites, so a reset link's token never leaves this origin.
 */
export function formPageHeaders(): MiddlewareHandler<AppEnv> {
  return async function pageHeaders(c, next) {
    await next();
    c.res.headers.set('Cache-Control', noStore['Cache-Control']);
    c.res.headers.set('Referrer-Policy', 'same-origin');
  };
}
