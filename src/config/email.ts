// Email settings: which transport delivers mail (Resend in production, the local stack's dev
// mailbox in development), the sender, and the lifetimes of the one-time tokens mails carry.
//
// Choosing the transport: EMAIL_PROVIDER when set (its credentials are then required); unset,
// DEV_MAILBOX_URL picks the dev mailbox and RESEND_API_KEY picks Resend, and both at once is an
// error (a forgotten DEV_MAILBOX_URL must not divert production mail). Neither configured still
// loads, so an upgrade does not take login down, but every send then fails, and each failure is
// logged and audited as `email_send_failed` (reason `not_configured`).
import { z } from 'zod';
import { ConfigError } from '../shared/errors.ts';
import { DAY, duration, httpUrl } from './fields.ts';

export interface EmailBindings {
  EMAIL_PROVIDER?: string;
  EMAIL_FROM?: string;
  RESEND_API_KEY?: string;
  DEV_MAILBOX_URL?: string;
  DEV_MAILBOX_TOKEN?: string;
  EMAIL_TIMEOUT?: string;
  REQUIRE_EMAIL_VERIFICATION?: string;
  VERIFY_EMAIL_TTL?: string;
  PASSWORD_RESET_TTL?: string;
}

export const EMAIL_PROVIDERS = ['resend', 'dev-mailbox'] as const;

/** The sender when EMAIL_FROM is unset; only the dev mailbox accepts it (Resend needs a domain). */
export const DEV_EMAIL_FROM = 'edge-auth <no-reply@localhost>';

/** Resend's send endpoint (https://resend.com/docs/api-reference/emails/send-email). */
export const RESEND_API_URL = 'https://api.resend.com/emails';

// `addr@host` or `Display Name <addr@host>`; no CR/LF, so nothing can be smuggled into headers.
const MAILBOX = /^(?:[^\r\n<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

const bool = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default(fallback)
    .transform((raw) => raw === 'true');

export const emailFields = {
  EMAIL_PROVIDER: z
    .enum(EMAIL_PROVIDERS, { error: `must be one of ${EMAIL_PROVIDERS.join(', ')}` })
    .optional(),
  EMAIL_FROM: z
    .string()
    .trim()
    .regex(MAILBOX, 'must be like "edge-auth <no-reply@example.com>"')
    .optional(),
  RESEND_API_KEY: z.string().min(1).optional(),
  DEV_MAILBOX_URL: httpUrl.optional(),
  DEV_MAILBOX_TOKEN: z.string().min(1).optional(),
  EMAIL_TIMEOUT: duration('5s', { min: 1, max: 25 }),
  REQUIRE_EMAIL_VERIFICATION: bool('true'),
  VERIFY_EMAIL_TTL: duration('24h', { min: 300, max: 30 * DAY }),
  PASSWORD_RESET_TTL: duration('1h', { min: 300, max: DAY }),
};

type EmailEnv = z.output<z.ZodObject<typeof emailFields>>;

export type EmailTransport =
  | { provider: 'resend'; apiKey: string; endpoint: string }
  | { provider: 'dev-mailbox'; url: string; token: string | undefined }
  /** Nothing configured: every send fails loudly (logged and audited), nothing else does. */
  | { provider: 'none' };

export interface EmailConfig {
  transport: EmailTransport;
  /** RFC 5322 mailbox of the sender. */
  from: string;
  /** Per send, in milliseconds. */
  timeoutMs: number;
  /** Unverified users may not log in; register answers 202 whether or not the email exists. */
  requireVerification: boolean;
  /** Lifetimes of the one-time tokens, in seconds. */
  verifyEmailTtl: number;
  passwordResetTtl: number;
}

export function toEmailConfig(env: EmailEnv): EmailConfig {
  return {
    transport: transportOf(env),
    from: env.EMAIL_FROM ?? DEV_EMAIL_FROM,
    timeoutMs: env.EMAIL_TIMEOUT * 1000,
    requireVerification: env.REQUIRE_EMAIL_VERIFICATION,
    verifyEmailTtl: env.VERIFY_EMAIL_TTL,
    passwordResetTtl: env.PASSWORD_RESET_TTL,
  };
}

// Cross-field rules live here rather than in the shared schema's superRefine; a ConfigError
// thrown here reaches the caller of loadConfig exactly like a field's own failure.
function transportOf(env: EmailEnv): EmailTransport {
  const provider =
    env.EMAIL_PROVIDER ??
    (env.DEV_MAILBOX_URL && env.RESEND_API_KEY
      ? fail('EMAIL_PROVIDER', 'is required when both DEV_MAILBOX_URL and RESEND_API_KEY are set')
      : env.DEV_MAILBOX_URL
        ? 'dev-mailbox'
        : env.RESEND_API_KEY
          ? 'resend'
          : undefined);
  switch (provider) {
    case 'resend':
      if (!env.RESEND_API_KEY)
        return fail('RESEND_API_KEY', 'is required by EMAIL_PROVIDER=resend');
      if (!env.EMAIL_FROM) return fail('EMAIL_FROM', 'is required to send through Resend');
      return { provider, apiKey: env.RESEND_API_KEY, endpoint: RESEND_API_URL };
    case 'dev-mailbox':
      if (!env.DEV_MAILBOX_URL) {
        return fail('DEV_MAILBOX_URL', 'is required by EMAIL_PROVIDER=dev-mailbox');
      }
      return { provider, url: env.DEV_MAILBOX_URL, token: env.DEV_MAILBOX_TOKEN };
    case undefined:
      return { provider: 'none' };
  }
}

function fail(variable: string, problem: string): never {
  throw new ConfigError([{ variable, problem }]);
}
