// /api/v1/auth: register, login, refresh, logout, me. Thin: parse (zod) -> service -> respond.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { registerPendingVerification } from '../../auth/account-lifecycle.ts';
import { authenticate, register } from '../../auth/accounts.ts';
import { DisplayNameSchema } from '../../auth/display-name.ts';
import { EmailSchema } from '../../auth/email.ts';
import { endSession } from '../../auth/logout.ts';
import {
  RefreshLimitedError,
  type Refreshed,
  refreshSession,
  RefreshTokenReusedError,
} from '../../auth/session-refresh.ts';
import { StaleLoginError, startSession } from '../../auth/session-start.ts';
import { csrfForRefreshCookie } from '../browser/refresh-cookie-csrf.ts';
import {
  clearRefreshCookies,
  issueRefreshCookies,
  wantsCookieTransport,
} from '../browser/refresh-cookies.ts';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { noStore } from '../cache-control.ts';
import { jsonBody } from '../json-body.ts';
import { withRateLimitFields } from '../rate-limit-fields.ts';
import { rateLimit } from '../rate-limit.ts';
import { requireAuth, requireAuthAlongside } from '../require-auth.ts';
import { requireHuman, turnstileTokenOf } from '../turnstile.ts';
import { AcceptedSchema } from './account.ts';
import {
  CookieSessionSchema,
  ErrorResponses,
  json,
  RateLimitHeaders,
  SessionCookieHeaders,
  TokenPairSchema,
  TurnstileToken,
} from './schemas.ts';

// Passwords are checked for length by the policy (in code points, after NFC), not by zod: a
// zod max would count UTF-16 units and give a different error code than the policy's.
const Password = z
  .string()
  .min(1)
  .max(1024)
  .openapi({ format: 'password', example: 'correct horse battery staple' });

const RegisterBody = z
  .object({
    email: EmailSchema,
    password: Password,
    name: DisplayNameSchema.pipe(z.string().min(1)).optional(),
    turnstile_token: TurnstileToken,
  })
  .openapi('RegisterRequest');
const UseCookie = z.boolean().optional().openapi({
  description:
    'Browser mode: put the refresh token in an HttpOnly cookie instead of the body (same as the header `X-Token-Transport: cookie`).',
});
const LoginBody = z
  .object({
    email: EmailSchema,
    password: Password,
    use_cookie: UseCookie,
    turnstile_token: TurnstileToken,
  })
  .openapi('LoginRequest');
const RefreshBody = z
  .object({
    refresh_token: z.string().min(1).max(512).optional().openapi({
      description: 'Required unless the refresh cookie is sent (browser mode).',
    }),
    use_cookie: UseCookie,
  })
  .openapi('RefreshRequest');
const LogoutBody = z
  .object({ refresh_token: z.string().min(1).max(512).optional() })
  .openapi('LogoutRequest');

const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    roles: z.array(z.string()),
    created_at: z.iso.datetime(),
  })
  .openapi('User');

const registerRoute = createRoute({
  method: 'post',
  path: '/register',
  tags: ['Auth'],
  summary: 'Create an account',
  middleware: [rateLimit('register_ip'), jsonBody()] as const,
  request: { body: json(RegisterBody) },
  responses: {
    201: {
      description: 'Created (REQUIRE_EMAIL_VERIFICATION=false).',
      headers: RateLimitHeaders,
      ...json(z.object({ user_id: z.uuid(), email: z.string() }).openapi('Registered')),
    },
    202: {
      description:
        'REQUIRE_EMAIL_VERIFICATION=true: the same answer whether or not the address was already registered; a verification link (or, for an existing account, a notice) is mailed.',
      headers: RateLimitHeaders,
      ...json(AcceptedSchema),
    },
    ...ErrorResponses([400, 409, 413, 415, 429, 503]),
  },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/login',
  tags: ['Auth'],
  summary: 'Log in with email and password',
  middleware: [jsonBody()] as const,
  request: { body: json(LoginBody) },
  responses: {
    200: {
      description:
        'A token pair for a new session (in cookie mode, the refresh token is a cookie).',
      headers: { ...SessionCookieHeaders, ...RateLimitHeaders },
      ...json(z.union([TokenPairSchema, CookieSessionSchema])),
    },
    ...ErrorResponses([400, 401, 403, 413, 415, 429, 503]),
  },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/refresh',
  tags: ['Auth'],
  summary: 'Rotate the refresh token and get a new access token',
  description:
    'Every refresh rotates the refresh token. Concurrent refreshes with one token inside the grace window all receive the same successor; a rotated token presented after it revokes the session (401 refresh_token_reused).',
  middleware: [csrfForRefreshCookie(), jsonBody({ optional: true })] as const,
  request: { body: { ...json(RefreshBody), required: false } },
  responses: {
    200: {
      description: 'A new token pair (in cookie mode, the refresh token is a cookie).',
      headers: SessionCookieHeaders,
      ...json(z.union([TokenPairSchema, CookieSessionSchema])),
    },
    ...ErrorResponses([400, 401, 403, 413, 415, 429, 503]),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/logout',
  tags: ['Auth'],
  summary: 'End the session of the access token',
  security: [{ bearerAuth: [] }],
  middleware: [
    csrfForRefreshCookie(),
    requireAuth({ revocationCheckedByHandler: true }),
    jsonBody({ optional: true }),
  ] as const,
  request: { body: { ...json(LogoutBody), required: false } },
  responses: {
    204: {
      description:
        'The access token is blacklisted until it expires; the session and its refresh token are gone; session cookies, if sent, are cleared.',
      headers: SessionCookieHeaders,
    },
    ...ErrorResponses([400, 401, 403, 413, 415, 503]),
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/me',
  tags: ['Auth'],
  summary: 'The user behind the access token',
  security: [{ bearerAuth: [] }],
  // The profile read and the revocation check travel together: one round trip's wait.
  middleware: [
    // The first-party API's own view of the user: an OAuth client's token reads userinfo,
    // which releases only what the granted scopes allow (OIDC Core §5.4).
    requireAuthAlongside((services, token) => services.users.profile(token.sub), {
      firstParty: true,
    }),
  ] as const,
  responses: {
    200: { description: 'The user.', ...json(UserSchema) },
    ...ErrorResponses([401, 403, 503]),
  },
});

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(registerRoute, async (c) => {
    const body = c.req.valid('json');
    await requireHuman(c, body.turnstile_token);
    if (c.var.config.email.requireVerification) {
      await registerPendingVerification(c.var.services.lifecycle, body);
      const message = 'Check your inbox: follow the link we sent to finish signing up.';
      return c.json({ status: 'accepted' as const, message }, 202, noStore);
    }
    const user = await register(c.var.services.accounts, body);
    c.var.services.audit.record({ type: 'register', userId: user.id });
    return c.json({ user_id: user.id, email: user.email }, 201, noStore);
  })
  .openapi(loginRoute, async (c) => {
    const body = c.req.valid('json');
    const guard = c.var.services.loginGuard(body.email, turnstileTokenOf(c, body.turnstile_token));
    const check = () =>
      withRateLimitFields(c, () => [guard], authenticate(c.var.services.accounts, body, guard));
    let user = await check();
    let started;
    try {
      started = await startSession(c.var.services.tokens, user, c.var.services.client, new Date());
    } catch (error) {
      if (!(error instanceof StaleLoginError)) throw error;
      // A disable, role or password change landed while we checked the password: start over
      // from the user's new state (a second refusal is a 503).
      user = await check();
      started = await startSession(c.var.services.tokens, user, c.var.services.client, new Date());
    }
    const { sid, tokens } = started;
    c.var.services.audit.record({ type: 'login_success', userId: user.id, sessionId: sid });
    return wantsCookieTransport(c, body.use_cookie)
      ? c.json(await issueRefreshCookies(c, tokens), 200, noStore)
      : c.json(tokens, 200, noStore);
  })
  .openapi(refreshRoute, async (c) => {
    const body = (c.req.valid('json') as z.infer<typeof RefreshBody> | undefined) ?? {};
    // The body's token wins; the cookie (already through the CSRF checks) is the browser's.
    const fromCookie = body.refresh_token === undefined ? c.var.cookieRefreshToken : undefined;
    const presented = body.refresh_token ?? fromCookie;
    if (presented === undefined) {
      throw new AuthError(
        'invalid_request',
        'refresh_token is required (in the body, or as the refresh cookie in browser mode).',
      );
    }
    let outcome: Refreshed;
    try {
      outcome = await refreshSession(c.var.services.tokens, presented, new Date());
    } catch (error) {
      if (error instanceof RefreshTokenReusedError) {
        c.var.services.audit.record({
          type: 'refresh_reuse_detected',
          userId: error.uid,
          sessionId: error.sid,
        });
      }
      // A cookie the server no longer accepts would only fail again: the browser drops it.
      const dead =
        error instanceof RefreshTokenReusedError ||
        (error instanceof AuthError && error.code === 'invalid_grant');
      if (fromCookie && dead) clearRefreshCookies(c);
      if (error instanceof RefreshLimitedError) {
        c.var.services.audit.record({
          type: 'rate_limited',
          userId: null,
          details: { limiter: 'refresh_session', retry_after: error.retryAfter },
        });
      }
      throw error;
    }
    // A routine rotation writes no audit row (src/audit/events.ts); the refusals above do.
    return fromCookie !== undefined || wantsCookieTransport(c, body.use_cookie)
      ? c.json(await issueRefreshCookies(c, outcome.tokens), 200, noStore)
      : c.json(outcome.tokens, 200, noStore);
  })
  .openapi(logoutRoute, async (c) => {
    // The session ends with its refresh tokens, so a refresh token sent along (body or cookie)
    // needs no work of its own; the body is only validated.
    const fromCookie = c.var.cookieRefreshToken;
    try {
      await endSession(c.var.services.tokens, c.var.auth, new Date());
    } finally {
      // Logging out forgets the cookies, even when the session had already ended.
      if (fromCookie) clearRefreshCookies(c);
    }
    c.var.services.audit.record({
      type: 'logout',
      userId: c.var.auth.sub,
      sessionId: c.var.auth.sid,
    });
    return c.body(null, 204, noStore);
  })
  .openapi(meRoute, async (c) => {
    const user = c.var.alongside;
    // The session is alive (requireAuth checked) but the user row is gone: treat as revoked.
    if (!user) throw new AuthError('invalid_token', 'The user no longer exists.');
    return c.json(
      {
        id: user.id,
        email: user.email,
        name: user.name,
        roles: user.roles,
        created_at: user.createdAt.toISOString(),
      },
      200,
      noStore,
    );
  });
