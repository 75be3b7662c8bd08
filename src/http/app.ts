// App assembly: middleware order, route mounting, error handling. Built once per isolate.
import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { corsForAllowedOrigins } from './browser/cors.ts';
import { securityHeaders } from './browser/security-headers.ts';
import { AuthError } from '../shared/errors.ts';
import type { AppEnv } from './context.ts';
import { renderError } from './error-response.ts';
import { requestContext } from './request-context.ts';
import { validationHook } from './validation.ts';
import { accountRoutes } from './routes/account.ts';
import { adminClientRoutes } from './routes/admin-clients.ts';
import { adminUserRoutes } from './routes/admin-users.ts';
import { adminRoutes } from './routes/admin.ts';
import { mountDocs } from './routes/docs.ts';
import { authRoutes } from './routes/auth.ts';
import { consentRoutes } from './routes/consents.ts';
import { endSessionRoutes } from './routes/end-session.tsx';
import { healthRoutes } from './routes/health.ts';
import { accountPages } from './routes/account-pages.tsx';
import { adminConsole } from './routes/admin-console/index.tsx';
import { hostedPages } from './routes/hosted-pages.tsx';
import { oauthAuthorizeRoutes } from './routes/oauth-authorize.tsx';
import { oauthRoutes } from './routes/oauth.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { verifyEmailPage } from './routes/verify-email-page.tsx';
import { wellKnownRoutes } from './routes/well-known.ts';
import { revocationFeedRoutes } from './routes/revocation-feed.ts';

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // Outermost: every response, errors and preflights included, carries the security headers.
  app.use(securityHeaders());
  app.use(requestId({ headerName: 'X-Request-Id', limitLength: 128 }));
  app.use(requestContext());
  // Needs the config (the allowlist); answers preflights before any route runs.
  app.use(corsForAllowedOrigins());

  app.route('/', healthRoutes);
  app.route('/', wellKnownRoutes);
  app.route('/', revocationFeedRoutes);
  app.route('/api/v1/auth', authRoutes);
  app.route('/api/v1/auth', sessionRoutes);
  app.route('/api/v1/auth', accountRoutes);
  app.route('/api/v1/auth', verifyEmailPage);
  app.route('/api/v1/account', consentRoutes);
  app.route('/oauth', oauthRoutes);
  app.route('/oauth', oauthAuthorizeRoutes);
  app.route('/oauth', endSessionRoutes);
  app.route('/', hostedPages);
  app.route('/', accountPages);
  app.route('/', adminConsole);
  app.route('/api/v1/admin', adminRoutes);
  app.route('/api/v1/admin', adminUserRoutes);
  app.route('/api/v1/admin', adminClientRoutes);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  mountDocs(app);

  app.notFound(() => {
    throw new AuthError('not_found');
  });
  app.onError(renderError);
  return app;
}

export type App = ReturnType<typeof createApp>;
