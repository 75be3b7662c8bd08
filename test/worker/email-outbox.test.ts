// Mail goes out after the response and is never lost silently: a message sent through the dev
// mailbox adapter shows up in the stack's listing; a refused or unreachable provider leaves an
// error log line and an `email_send_failed` audit row, naming neither the address nor a token.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { AuthError } from '../../src/shared/errors.ts';
import { auditEvents } from '../../src/store/schema.ts';
import { devMailbox } from '../../src/mailers/dev-mailbox.ts';
import { EmailSendError, type Mailer, mailerFor } from '../../src/mailers/index.ts';
import { deliver, type OutboxDeps, sendLater } from '../../src/email/outbox.ts';
import { resendMailer } from '../../src/mailers/resend.ts';
import {
  passwordResetMessage,
  verifyEmailLink,
  verifyEmailMessage,
} from '../../src/email/templates.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { requestContext } from '../../src/http/request-context.ts';
import { drizzleAuditStore } from '../../src/store/audit-events.ts';
import { auditRowsWhere, secretsIn } from './audit-fixtures.ts';
import { freshEmail } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';

const ISSUER = 'http://auth.test';
const TOKEN = `eaot_${'x'.repeat(43)}`;
const { url: stackUrl, token: stackToken } = inject('stack');

interface Listed {
  to: string;
  subject: string;
  tag: string;
  links: string[];
}

async function mailTo(to: string): Promise<Listed[]> {
  const res = await fetch(`${stackUrl}/mailbox/messages?to=${encodeURIComponent(to)}`);
  return (await res.json<{ messages: Listed[] }>()).messages;
}

function depsWith(mailer: Mailer, requestId = `t-${crypto.randomUUID()}`): OutboxDeps {
  return {
    mailer,
    defer: () => {
      throw new Error('use deliver() or a real ExecutionContext');
    },
    auditSink: drizzleAuditStore(testDb()),
    origin: { ip: '203.0.113.9', userAgent: 'email-test', requestId },
  };
}

const failuresOf = (requestId: string) =>
  auditRowsWhere(
    and(eq(auditEvents.requestId, requestId), eq(auditEvents.type, 'email_send_failed')),
  );

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the dev mailbox adapter', () => {
  it('is what the test configuration picks', () => {
    expect(mailerFor(loadConfig(env).email).provider).toBe('dev-mailbox');
  });

  it('delivers after the response (waitUntil) into the stack listing', async () => {
    const to = freshEmail('mailbox');
    const ctx = createExecutionContext();
    const deps = depsWith(mailerFor(loadConfig(env).email));
    sendLater(
      { ...deps, defer: (work) => ctx.waitUntil(work) },
      verifyEmailMessage(to, { issuer: ISSUER, token: TOKEN, ttlSeconds: 86_400 }),
    );
    await waitOnExecutionContext(ctx);

    const [message, ...rest] = await mailTo(to);
    expect(rest).toEqual([]);
    expect(message).toMatchObject({
      to,
      subject: 'Confirm your email address',
      tag: 'verify_email',
    });
    expect(message?.links).toEqual([verifyEmailLink(ISSUER, TOKEN)]);
  });
});

describe('a failed send', () => {
  it('a provider answering non-2xx: log line + audit row with its status, nothing secret', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The stack's mailbox refuses a wrong bearer token with 401: a provider rejecting the call.
    const mailer = resendMailer({
      apiKey: 're_not_a_key',
      from: 'edge-auth <no-reply@example.test>',
      timeoutMs: 5000,
      endpoint: `${stackUrl}/mailbox/messages`,
    });
    const to = freshEmail('refused');
    const userId = crypto.randomUUID();
    const deps = depsWith(mailer);
    const message = passwordResetMessage(to, { issuer: ISSUER, token: TOKEN, ttlSeconds: 3600 });

    expect(await deliver(deps, message, { userId })).toBe(false);

    const line = errors.mock.calls
      .map(([first]) => String(first))
      .find((l) => l.includes('email send failed'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      level: 'error',
      msg: 'email send failed',
      tag: 'password_reset',
      provider: 'resend',
      status: 401,
      reason: 'rejected',
      user_id: userId,
    });
    expect(line).not.toContain(to);
    expect(line).not.toContain(TOKEN);

    const [row] = await failuresOf(deps.origin.requestId ?? '');
    expect(row).toMatchObject({
      userId,
      details: { tag: 'password_reset', provider: 'resend', status: 401, reason: 'rejected' },
    });
    expect(secretsIn(row!, [TOKEN, to])).toEqual([]);
    expect(await mailTo(to)).toEqual([]);
  });

  it('an unreachable provider: reason unreachable, no status', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const deps = depsWith(
      devMailbox({
        url: 'http://127.0.0.1:9/mailbox',
        token: stackToken,
        from: 'x@y.test',
        timeoutMs: 5000,
      }),
    );
    const message = verifyEmailMessage(freshEmail(), {
      issuer: ISSUER,
      token: TOKEN,
      ttlSeconds: 60,
    });
    expect(await deliver(deps, message)).toBe(false);
    const [row] = await failuresOf(deps.origin.requestId ?? '');
    expect(row?.details).toEqual({
      tag: 'verify_email',
      provider: 'dev-mailbox',
      status: null,
      reason: 'unreachable',
    });
  });

  it('an adapter that throws something unexpected is still accounted for', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken: Mailer = { provider: 'broken', send: () => Promise.reject(new TypeError('bug')) };
    const deps = depsWith(broken);
    const message = verifyEmailMessage(freshEmail(), {
      issuer: ISSUER,
      token: TOKEN,
      ttlSeconds: 60,
    });
    expect(await deliver(deps, message)).toBe(false);
    const [row] = await failuresOf(deps.origin.requestId ?? '');
    expect(row?.details).toMatchObject({ provider: 'broken', reason: 'unreachable' });
  });
});

describe('through a request (outboxFor)', () => {
  // The real middleware chain around a route that mails and answers at once.
  const app = new Hono<AppEnv>()
    .use(requestId({ headerName: 'X-Request-Id' }))
    .use(requestContext())
    .post('/mail', async (c) => {
      const { to } = await c.req.json<{ to: string }>();
      c.var.services.outbox.send(
        verifyEmailMessage(to, { issuer: ISSUER, token: TOKEN, ttlSeconds: 60 }),
        {
          userId: null,
        },
      );
      return c.json({ queued: true }, 202);
    });

  async function mailThroughApp(overrides: Record<string, string | undefined>) {
    const to = freshEmail('outbox');
    const id = `t-${crypto.randomUUID()}`;
    const ctx = createExecutionContext();
    const response = await app.fetch(
      new Request('http://auth.test/mail', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': id },
        body: JSON.stringify({ to }),
      }),
      { ...env, ...overrides },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { to, id, response };
  }

  it('answers first and delivers after', async () => {
    const { to, response } = await mailThroughApp({});
    expect(response.status).toBe(202);
    expect(await mailTo(to)).toHaveLength(1);
  });

  it('a refused send changes nothing in the response and is audited with the request id', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { to, id, response } = await mailThroughApp({ DEV_MAILBOX_TOKEN: 'wrong-token' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ queued: true });
    const [row] = await failuresOf(id);
    expect(row).toMatchObject({
      ip: null,
      details: { tag: 'verify_email', provider: 'dev-mailbox', status: 401, reason: 'rejected' },
    });
    expect(await mailTo(to)).toEqual([]);
  });

  it('no provider configured: the config still loads and every send is audited', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { id, response } = await mailThroughApp({ DEV_MAILBOX_URL: undefined });
    expect(response.status).toBe(202);
    const [row] = await failuresOf(id);
    expect(row?.details).toEqual({
      tag: 'verify_email',
      provider: 'none',
      status: null,
      reason: 'not_configured',
    });
  });
});

describe('choosing the transport', () => {
  const configWith = (overrides: Record<string, string | undefined>) =>
    loadConfig({ ...env, ...overrides } as typeof env);

  it('EMAIL_PROVIDER=resend needs RESEND_API_KEY and EMAIL_FROM', () => {
    expect(() => configWith({ EMAIL_PROVIDER: 'resend' })).toThrow(/RESEND_API_KEY/);
    expect(() => configWith({ EMAIL_PROVIDER: 'resend', RESEND_API_KEY: 're_x' })).toThrow(
      /EMAIL_FROM/,
    );
    const config = configWith({
      EMAIL_PROVIDER: 'resend',
      RESEND_API_KEY: 're_x',
      EMAIL_FROM: 'Example <no-reply@example.com>',
    });
    expect(config.email.transport).toMatchObject({ provider: 'resend', apiKey: 're_x' });
    expect(mailerFor(config.email).provider).toBe('resend');
  });

  it('refuses a guess between a dev mailbox and a Resend key', () => {
    expect(() => configWith({ RESEND_API_KEY: 're_x' })).toThrow(/EMAIL_PROVIDER/);
    expect(
      configWith({ RESEND_API_KEY: 're_x', EMAIL_PROVIDER: 'dev-mailbox' }).email.transport
        .provider,
    ).toBe('dev-mailbox');
  });

  it('rejects a sender that could inject headers, and unknown providers', () => {
    expect(() => configWith({ EMAIL_FROM: 'a@b.test\r\nBcc: x@y.test' })).toThrow(/EMAIL_FROM/);
    expect(() => configWith({ EMAIL_PROVIDER: 'smtp' })).toThrow(/EMAIL_PROVIDER/);
  });

  it('defaults: verification required, 24 h and 1 h tokens', () => {
    const { email } = configWith({ REQUIRE_EMAIL_VERIFICATION: undefined });
    expect(email).toMatchObject({
      requireVerification: true,
      verifyEmailTtl: 86_400,
      passwordResetTtl: 3600,
      timeoutMs: 5000,
    });
    expect(() => configWith({ REQUIRE_EMAIL_VERIFICATION: 'yes' })).toThrow(
      /REQUIRE_EMAIL_VERIFICATION/,
    );
  });
});

describe('the messages', () => {
  it('escape what they interpolate and carry the link in both bodies', () => {
    const token = 'eaot_<b>&"';
    const message = verifyEmailMessage('a@b.test', { issuer: ISSUER, token, ttlSeconds: 86_400 });
    const link = verifyEmailLink(ISSUER, token);
    expect(link).toBe(`${ISSUER}/api/v1/auth/verify-email?token=eaot_%3Cb%3E%26%22`);
    expect(message.text).toContain(link);
    expect(message.text).toContain('expires in 24 hours');
    expect(message.html).toContain(`<a href="${link}">Confirm my email address</a>`);
    expect(message.html).toContain('<html lang="en">');
    expect(message.html).not.toMatch(/<b>|&"/);
  });

  it('EmailSendError names the provider and status, never the message', () => {
    const error = new EmailSendError('resend', 'rejected', { status: 422 });
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({
      code: 'email_send_failed',
      providerStatus: 422,
      reason: 'rejected',
    });
    expect(error.message).toBe('resend: email not sent (rejected, HTTP 422)');
  });
});
