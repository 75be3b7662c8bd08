// Browser-facing settings: CORS allowlist, the refresh-token cookie, security headers.
import { z } from 'zod';
import { DAY, duration, list } from './fields.ts';

export interface BrowserBindings {
  ALLOWED_ORIGINS?: string;
  COOKIE_SAMESITE?: string;
  CORS_MAX_AGE?: string;
  HSTS_MAX_AGE?: string;
}

const origin = z.string().transform((raw, ctx) => {
  try {
    const url = new URL(raw);
    // An origin is scheme://host[:port] and nothing else (RFC 6454 §6.2 serialisation).
    if (url.origin === raw && /^https?:$/.test(url.protocol)) return raw;
  } catch {
    // fall through
  }
  ctx.addIssue({ code: 'custom', message: `"${raw}" is not an origin like https://app.example` });
  return z.NEVER;
});

/** HSTS_MAX_AGE's default ('365d'), also used when the configuration cannot be read. */
export const DEFAULT_HSTS_MAX_AGE = 365 * DAY;

export const browserFields = {
  ALLOWED_ORIGINS: list('').pipe(z.array(origin)),
  COOKIE_SAMESITE: z.enum(['Lax', 'Strict']).default('Lax'),
  CORS_MAX_AGE: duration('10m', { min: 0, max: DAY }),
  HSTS_MAX_AGE: duration('365d', { min: 0, max: 2 * 365 * DAY }),
};

type BrowserEnv = z.output<z.ZodObject<typeof browserFields>>;

export interface BrowserConfig {
  /** Origins allowed by CORS (with credentials) and by the CSRF Origin check. */
  allowedOrigins: string[];
  cookieSameSite: 'Lax' | 'Strict';
  corsMaxAge: number;
  hstsMaxAge: number;
}

export function toBrowserConfig(env: BrowserEnv): BrowserConfig {
  return {
    allowedOrigins: env.ALLOWED_ORIGINS,
    cookieSameSite: env.COOKIE_SAMESITE,
    corsMaxAge: env.CORS_MAX_AGE,
    hstsMaxAge: env.HSTS_MAX_AGE,
  };
}
