// The OpenAPI 3.1 document is generated from the same route definitions and zod schemas that
// validate requests; /docs renders it with Scalar.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { htmlPageHeaders } from '../browser/security-headers.ts';
import type { AppEnv } from '../context.ts';

export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'edge-auth',
      version: '0.1.0',
      description: 'Authentication at the edge: tokens, sessions, JWKS.',
    },
    servers: [{ url: c.var.config.issuer }],
  }));
  // Scalar's page loads its bundle from jsDelivr and fonts from fonts.scalar.com; the inline
  // bootstrap script carries the response's CSP nonce.
  app.get(
    '/docs',
    htmlPageHeaders({
      scriptHosts: ['https://cdn.jsdelivr.net'],
      fontHosts: ['https://fonts.scalar.com'],
    }),
    Scalar((c) => {
      const nonce = c.get('secureHeadersNonce');
      return {
        url: '/openapi.json',
        pageTitle: 'edge-auth API',
        ...(nonce === undefined ? {} : { nonce }),
      };
    }),
  );
}
