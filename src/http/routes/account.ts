// /api/v1/auth: email verification, password reset and change (the lifecycle around a
// password). The answers that must not reveal whether an address has an account are the same
// status and body in every case: 202 "accepted".
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  changePassword,
  confirmPasswordReset,
  deleteOwnAccount,
  requestPasswordReset,
  resendVerification,
  verifyEmail,
} from '../../auth/account-lifecycle.ts';
import { DisplayNameSchema } from '../../auth/display-name.ts';
import { EmailSchema } from '../../auth/email.ts';
import {
  changeDisplayName,
  confirmEmailChange,
  requestEmailChange,
} from '../../auth/profile-changes.ts';
import { startSession } from '../../auth/session-start.ts';
import { clearRefreshCookies, refreshCookieOf } from '../browser/refresh-cookies.ts';
import type { AppEnv } from '../context.ts';
import { noStore } from '../cache-control.ts';
import { jsonBody } from '../json-body.ts';
import type { RateLimitedLoginGuard } from '../../auth/login-guard.ts';
import { withRateLimitFields } from '../rate-limit-fields.ts';
import { rateLimit } from '../rate-limit.ts';
import { requireAuth } from '../require-auth.ts';
import { requireHuman } from '../turnstile.ts';
import {
  ErrorResponses,
  json,
  RateLimitHeaders,
  TokenPairSchema,
  TurnstileToken,
} from './schemas.ts';

const OneTimeToken = z
  .string()
  .min(1)
  .max(128)
  .openapi({ description: 'The token from the link.' });
const NewPassword = z.string().min(1).max(1024).openapi({ format: 'password' });

export const AcceptedSchema = z
  .object({ status: z.literal('accepted'), message: z.string() })
  .openapi('Accepted');
const accepted = (message: string) => ({ status: 'accepted' as const, message });

const verifyRoute = createRoute({
  method: 'post',
  path: '/verify-email',
  tags: ['Account'],
  summary: 'Confirm an email address with the mailed token, and log in',
  middleware: [jsonBody()] as const,
  request: { body: json(z.object({ token: OneTimeToken }).openapi('VerifyEmailRequest')) },
  responses: {
    200: { description: 'Verified; a token pair for a new session.', ...json(TokenPairSchema) },
    ...ErrorResponses([400, 403, 413, 415, 503]),
  },
});

const resendRoute = createRoute({
  method: 'post',
  path: '/verify-email/resend',
  tags: ['Account'],
  summary: 'Mail a new verification link',
  description: 'Always 202 with the same body: whether the address has an account is not said.',
  middleware: [rateLimit('reset_ip'), jsonBody()] as const,
  request: {
    body: json(
      z.object({ email: EmailSchema, turnstile_token: TurnstileToken }).openapi('ResendRequest'),
    ),
  },
  responses: {
    202: { description: 'Accepted.', headers: RateLimitHeaders, ...json(AcceptedSchema) },
    ...ErrorResponses([400, 413, 415, 429, 503]),
  },
});

const resetRoute = createRoute({
  method: 'post',
  path: '/password/reset',
  tags: ['Account'],
  summary: 'Mail a password-reset link',
  description: 'Always 202 with the same body: whether the address has an account is not said.',
  middleware: [rateLimit('reset_ip'), jsonBody()] as const,
  request: {
    body: json(
      z.object({ email: EmailSchema, turnstile_token: TurnstileToken }).openapi('ResetRequest'),
    ),
  },
  responses: {
    202: { description: 'Accepted.', headers: RateLimitHeaders, ...json(AcceptedSchema) },
    ...ErrorResponses([400, 413, 415, 429, 503]),
  },
});

const confirmRoute = createRoute({
  method: 'post',
  path: '/password/reset/confirm',
  tags: ['Account'],
  summary: 'Set a new password with the mailed token',
  description:
    'Every session of the user ends: refresh tokens die at once, access tokens are refused by requireAuth at once and expire within their TTL for offline verifiers.',
  middleware: [jsonBody()] as const,
  request: {
    body: json(
      z.object({ token: OneTimeToken, new_password: NewPassword }).openapi('ResetConfirmRequest'),
    ),
  },
  responses: {
    204: { description: 'The password is set; all sessions ended.' },
    ...ErrorResponses([400, 403, 413, 415, 503]),
  },
});

const changeRoute = createRoute({
  method: 'post',
  path: '/password/change',
  tags: ['Account'],
  summary: 'Change the password (signed in)',
  description:
    'Re-checks the current password (rate limits and backoff as for login) and ends every other session of the user; this one stays.',
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true }), jsonBody()] as const,
  request: {
    body: json(
      z
        .object({ current_password: z.string().min(1).max(1024), new_password: NewPassword })
        .openapi('ChangePasswordRequest'),
    ),
  },
  responses: {
    204: { description: 'Changed; the other sessions ended.' },
    ...ErrorResponses([400, 401, 403, 413, 415, 429, 503]),
  },
});

// POST, not DELETE: the password travels in the body, and RFC 9110 §9.3.5 gives content in a
// DELETE request no defined semantics (some proxies drop it); the password-change route beside
// it is a POST too.
const deleteRoute = createRoute({
  method: 'post',
  path: '/account/delete',
  tags: ['Account'],
  summary: 'Delete your own account (password re-entered)',
  description:
    "The account and its one-time links are deleted and every session of the user ends at once: refresh tokens die, access tokens are refused by requireAuth and introspection (offline verifiers accept them until they expire). The audit trail keeps the user's id. Only a first-party session may do this: a token issued to an OAuth client gets 403 insufficient_scope. The password is checked behind the login guard (rate limits and backoff).",
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true }), jsonBody()] as const,
  request: {
    body: json(z.object({ password: z.string().min(1).max(1024) }).openapi('DeleteAccountRequest')),
  },
  responses: {
    204: { description: 'Deleted; every session ended.' },
    ...ErrorResponses([400, 401, 403, 413, 415, 429, 503]),
  },
});

const nameRoute = createRoute({
  method: 'post',
  path: '/account/name',
  tags: ['Account'],
  summary: 'Change your display name (signed in)',
  description: 'A blank name removes it. Audited as name_changed (the name itself is not logged).',
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true }), jsonBody()] as const,
  request: {
    body: json(
      z
        .object({ name: DisplayNameSchema.openapi({ description: 'Empty removes the name.' }) })
        .openapi('ChangeNameRequest'),
    ),
  },
  responses: {
    204: { description: 'Saved.' },
    ...ErrorResponses([400, 401, 403, 413, 415, 503]),
  },
});

const emailChangeRoute = createRoute({
  method: 'post',
  path: '/email/change',
  tags: ['Account'],
  summary: 'Ask to move the account to a new email address (signed in)',
  description:
    'Re-checks the current password (rate limits and backoff as for login), then mails a link to the new address; nothing changes until it is followed (POST /api/v1/auth/email/change/confirm, or the page it opens). Always 202 with the same body: whether another account has the address is not said (it gets no mail).',
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth({ firstParty: true }), jsonBody()] as const,
  request: {
    body: json(
      z
        .object({ new_email: EmailSchema, password: z.string().min(1).max(1024) })
        .openapi('ChangeEmailRequest'),
    ),
  },
  responses: {
    202: { description: 'Accepted.', headers: RateLimitHeaders, ...json(AcceptedSchema) },
    ...ErrorResponses([400, 401, 403, 413, 415, 429, 503]),
  },
});

const emailConfirmRoute = createRoute({
  method: 'post',
  path: '/email/change/confirm',
  tags: ['Account'],
  summary: 'Move the account to the new address with the mailed token',
  description:
    "The address becomes the account's (verified), every session of the user ends, and the old address is told by mail. 409 email_already_registered when another account took the address meanwhile.",
  middleware: [jsonBody()] as const,
  request: {
    body: json(z.object({ token: OneTimeToken }).openapi('ConfirmEmailChangeRequest')),
  },
  responses: {
    204: { description: 'Changed; all sessions ended.' },
    ...ErrorResponses([400, 403, 409, 413, 415, 503]),
  },
});

export const accountRoutes = new OpenAPIHono<AppEnv>()
  .openapi(verifyRoute, async (c) => {
    const user = await verifyEmail(c.var.services.lifecycle, c.req.valid('json').token);
    const { sid, tokens } = await startSession(
      c.var.services.tokens,
      user,
      c.var.services.client,
      new Date(),
    );
    c.var.services.audit.record({ type: 'login_success', userId: user.id, sessionId: sid });
    return c.json(tokens, 200, noStore);
  })
  .openapi(resendRoute, async (c) => {
    const body = c.req.valid('json');
    await requireHuman(c, body.turnstile_token);
    resendVerification(c.var.services.lifecycle, body.email);
    return c.json(
      accepted('If the address has an unverified account, a new link is on its way.'),
      202,
      noStore,
    );
  })
  .openapi(resetRoute, async (c) => {
    const body = c.req.valid('json');
    await requireHuman(c, body.turnstile_token);
    requestPasswordReset(c.var.services.lifecycle, body.email);
    return c.json(
      accepted('If the address has an account, a reset link is on its way.'),
      202,
      noStore,
    );
  })
  .openapi(confirmRoute, async (c) => {
    const body = c.req.valid('json');
    await confirmPasswordReset(c.var.services.lifecycle, body.token, body.new_password);
    return c.body(null, 204, noStore);
  })
  .openapi(changeRoute, async (c) => {
    const body = c.req.valid('json');
    const guards: RateLimitedLoginGuard[] = [];
    await withRateLimitFields(
      c,
      () => guards,
      changePassword(
        c.var.services.lifecycle,
        { userId: c.var.auth.sub, sessionId: c.var.auth.sid },
        { current: body.current_password, next: body.new_password },
        (email) => {
          const guard = c.var.services.loginGuard(email, undefined, { turnstile: false });
          guards.push(guard);
          return guard;
        },
      ),
    );
    return c.body(null, 204, noStore);
  })
  .openapi(deleteRoute, async (c) => {
    const guards: RateLimitedLoginGuard[] = [];
    await withRateLimitFields(
      c,
      () => guards,
      deleteOwnAccount(
        c.var.services.lifecycle,
        { userId: c.var.auth.sub, sessionId: c.var.auth.sid },
        c.req.valid('json').password,
        (email) => {
          const guard = c.var.services.loginGuard(email, undefined, { turnstile: false });
          guards.push(guard);
          return guard;
        },
      ),
    );
    // A browser's refresh cookie (Path=/api/v1/auth, so sent here) names a dead session now.
    if (refreshCookieOf(c) !== undefined) clearRefreshCookies(c);
    return c.body(null, 204, noStore);
  })
  .openapi(nameRoute, async (c) => {
    await changeDisplayName(
      c.var.services.lifecycle,
      { userId: c.var.auth.sub, sessionId: c.var.auth.sid },
      c.req.valid('json').name,
    );
    return c.body(null, 204, noStore);
  })
  .openapi(emailChangeRoute, async (c) => {
    const body = c.req.valid('json');
    const guards: RateLimitedLoginGuard[] = [];
    await withRateLimitFields(
      c,
      () => guards,
      requestEmailChange(
        c.var.services.lifecycle,
        { userId: c.var.auth.sub, sessionId: c.var.auth.sid },
        { password: body.password, newEmail: body.new_email },
        (email) => {
          const guard = c.var.services.loginGuard(email, undefined, { turnstile: false });
          guards.push(guard);
          return guard;
        },
      ),
    );
    return c.json(
      accepted('A link to confirm the change is on its way to the new address.'),
      202,
      noStore,
    );
  })
  .openapi(emailConfirmRoute, async (c) => {
    await confirmEmailChange(c.var.services.lifecycle, c.req.valid('json').token);
    return c.body(null, 204, noStore);
  });
