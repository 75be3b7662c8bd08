// The OpenAPI 3.1 document is generated from the same route definitions and zod schemas that
// validate requests; /docs renders it with Scalar's API reference, every byte of which comes from
// this origin (./docs-assets.ts): the page works offline and calls no outside host.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { html, raw } from 'hono/html';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import { ONLY_CSP } from '../browser/security-headers.ts';
import { noStore } from '../cache-control.ts';
import type { AppEnv } from '../context.ts';
import { DOCS_ASSETS_PATH, referenceBundle, serveDocsAsset } from './docs-assets.ts';

// Scalar's options that would reach another host are turned off: its default fonts (fonts.scalar.com),
// telemetry, the AI agent and MCP panels (Scalar's services), and the developer toolbar; no
// `proxyUrl` is set, so "Test request" goes straight to this origin's API.
const REFERENCE_CONFIG = {
  url: '/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: 'never',
  agent: { disabled: true },
  mcp: { disabled: true },
  documentDownloadType: 'json',
} as const;

// The page's scripts are the bundle (this origin, with its SRI digest) and the inline call that
// starts it (the response's nonce); the reference fetches /openapi.json and, on "Test request",
// this origin's API (connect-src 'self'). The bundle injects its styles at run time (hence
// 'unsafe-inline' for styles; it would read a nonce from <meta property="csp-nonce">, which the
// page leaves out so the nonce is not in the DOM for a style to match).
const referencePageHeaders = secureHeaders({
  ...ONLY_CSP,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'", NONCE],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
});

const DESCRIPTION = [
  'Authentication at the edge: tokens, sessions, JWKS, OAuth 2.0 and OpenID Connect.',
  '',
  'Every JSON endpoint is here. The HTML pages a browser uses are not: `/login`, `/register`,',
  '`/reset-password`, `/account`, `/admin`, the pages of `/oauth/authorize` (sign-in, consent)',
  'and `/oauth/end-session`, and the email link `/api/v1/auth/verify-email?token=` (README,',
  '"HTML pages").',
].join('\n');

// The reference shows tags in this order (else in the order routes were mounted); every tag an
// operation uses is declared here (test/worker/openapi.test.ts).
const TAGS = [
  { name: 'Auth', description: 'Register, log in, refresh and log out: first-party apps.' },
  { name: 'Sessions', description: "The caller's sessions: list them, end one or all." },
  {
    name: 'Account',
    description:
      'Email verification, password reset and change, account deletion, the apps you allowed.',
  },
  {
    name: 'OAuth',
    description: 'OAuth 2.0 and OpenID Connect: authorize, token, userinfo, end-session.',
  },
  {
    name: 'Keys',
    description: 'Discovery, the signing keys (JWKS) and the revocation feed, for verifiers.',
  },
  { name: 'Admin', description: 'Users, OAuth clients and the audit log: scope `admin`.' },
  { name: 'Operations', description: 'Health and this document.' },
];

/** JSON in an inline script: `<` escaped so no value can close the element. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  // The document lists itself: it is a JSON endpoint like any other (test/worker/openapi.test.ts).
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['Operations'],
    summary: 'This OpenAPI 3.1 document',
    description: 'Generated from the route definitions and schemas that validate requests.',
    responses: {
      200: {
        description: 'The OpenAPI document.',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
    },
  });
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: { title: 'edge-auth', version: '0.1.0', description: DESCRIPTION },
    servers: [{ url: c.var.config.issuer }],
    tags: TAGS,
  }));

  app.get(`${DOCS_ASSETS_PATH}/:file`, serveDocsAsset);

  app.get('/docs', referencePageHeaders, (c) => {
    const nonce = c.get('secureHeadersNonce') ?? '';
    const { src, integrity } = referenceBundle;
    c.header('Cache-Control', noStore['Cache-Control']);
    return c.html(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>edge-auth API</title>
          </head>
          <body>
            <div id="app"></div>
            <script src="${src}" integrity="${integrity}" nonce="${nonce}"></script>
            <script nonce="${nonce}">
              Scalar.createApiReference('#app', ${raw(inlineJson(REFERENCE_CONFIG))});
            </script>
          </body>
        </html>`,
    );
  });
}
