// Abuse protection settings: sliding-window rate limits (@upstash/ratelimit), per-account login
// backoff, and Cloudflare Turnstile.
import { z } from 'zod';
import { parseDurationSeconds } from './duration.ts';
import { duration, httpUrl, int } from './fields.ts';

export interface AbuseBindings {
  RATE_LIMIT_LOGIN_IP?: string;
  RATE_LIMIT_LOGIN_EMAIL?: string;
  RATE_LIMIT_REGISTER_IP?: string;
  RATE_LIMIT_RESET_IP?: string;
  RATE_LIMIT_REFRESH_SESSION?: string;
  RATE_LIMIT_MAIL_RECIPIENT?: string;
  RATE_LIMIT_TIMEOUT?: string;
  LOGIN_BACKOFF_AFTER?: string;
  LOGIN_BACKOFF_BASE?: string;
  LOGIN_BACKOFF_MAX?: string;
  TURNSTILE_SECRET?: string;
  TURNSTILE_VERIFY_URL?: string;
}

/** `limit/window`, e.g. `20/1m`; `off` disables the limiter. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx): RateLimit | null => {
      if (raw.trim() === 'off') return null;
      const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(raw);
      const limit = Number(match?.[1]);
      const windowSeconds = match?.[2] ? parseDurationSeconds(match[2]) : undefined;
      if (!match || !(limit >= 1) || windowSeconds === undefined || windowSeconds < 1) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a limit like 20/1m, or off` });
        return z.NEVER;
      }
      return { limit, windowSeconds };
    });

export const abuseFields = {
  RATE_LIMIT_LOGIN_IP: rateLimit('30/1m'),
  RATE_LIMIT_LOGIN_EMAIL: rateLimit('10/5m'),
  RATE_LIMIT_REGISTER_IP: rateLimit('10/1h'),
  RATE_LIMIT_RESET_IP: rateLimit('5/1h'),
  RATE_LIMIT_REFRESH_SESSION: rateLimit('30/1m'),
  RATE_LIMIT_MAIL_RECIPIENT: rateLimit('5/1h'),
  RATE_LIMIT_TIMEOUT: duration('1s', { min: 0, max: 10 }),
  LOGIN_BACKOFF_AFTER: int(5, { min: 1, max: 100 }),
  LOGIN_BACKOFF_BASE: duration('1s', { min: 1, max: 3600 }),
  LOGIN_BACKOFF_MAX: duration('15m', { min: 1, max: 86_400 }),
  TURNSTILE_SECRET: z.string().min(1).optional(),
  TURNSTILE_VERIFY_URL: httpUrl.default(
    'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  ),
};

type AbuseEnv = z.output<z.ZodObject<typeof abuseFields>>;

export interface AbuseConfig {
  limits: {
    loginIp: RateLimit | null;
    loginEmail: RateLimit | null;
    registerIp: RateLimit | null;
    resetIp: RateLimit | null;
    refreshSession: RateLimit | null;
    /** Reset links, verification resends and notices mailed to one address. */
    mailRecipient: RateLimit | null;
  };
  /** How long a limiter call may take, in milliseconds, before its fallback applies. */
  limiterTimeoutMs: number;
  backoff: { after: number; baseSeconds: number; maxSeconds: number };
  turnstile: { secret: string; verifyUrl: string } | null;
}

export function toAbuseConfig(env: AbuseEnv): AbuseConfig {
  return {
    limits: {
      loginIp: env.RATE_LIMIT_LOGIN_IP,
      loginEmail: env.RATE_LIMIT_LOGIN_EMAIL,
      registerIp: env.RATE_LIMIT_REGISTER_IP,
      resetIp: env.RATE_LIMIT_RESET_IP,
      refreshSession: env.RATE_LIMIT_REFRESH_SESSION,
      mailRecipient: env.RATE_LIMIT_MAIL_RECIPIENT,
    },
    limiterTimeoutMs: env.RATE_LIMIT_TIMEOUT * 1000,
    backoff: {
      after: env.LOGIN_BACKOFF_AFTER,
      baseSeconds: env.LOGIN_BACKOFF_BASE,
      maxSeconds: env.LOGIN_BACKOFF_MAX,
    },
    turnstile: env.TURNSTILE_SECRET
      ? { secret: env.TURNSTILE_SECRET, verifyUrl: env.TURNSTILE_VERIFY_URL }
      : null,
  };
}
