// Schemas and helpers shared by route definitions.
import { z } from '@hono/zod-openapi';
import { WIRE_CODES } from '../../shared/errors.ts';

export const json = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
});

export const ErrorSchema = z
  .object({
    error: z.enum(WIRE_CODES),
    error_description: z.string(),
  })
  .openapi('Error');

const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed request or a field failed validation (the description names it).',
  401: 'Missing, invalid, expired or revoked credentials.',
  403: 'Not allowed.',
  409: 'Conflict.',
  413: 'Body larger than 16 KiB.',
  415: 'Body is not application/json.',
  429: 'Rate limited: wait Retry-After seconds (RateLimit-* headers say which limit).',
  503: 'A backing store is unreachable (fail closed).',
};

/** OpenAPI error responses for the listed statuses, all with the one error shape. */
export const ErrorResponses = (statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: STATUS_TEXT[status] ?? 'Error.', ...json(ErrorSchema) },
    ]),
  );

export const TokenPairSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Access-token lifetime in seconds.' }),
    refresh_token: z.string(),
    refresh_expires_in: z
      .number()
      .int()
      .openapi({ description: 'Refresh-token lifetime in seconds.' }),
  })
  .openapi('TokenPair');

/** Cookie mode: the refresh token went into an HttpOnly cookie; the CSRF token comes along. */
export const CookieSessionSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Access-token lifetime in seconds.' }),
    refresh_expires_in: z
      .number()
      .int()
      .openapi({ description: 'Lifetime of the refresh cookie, in seconds.' }),
    csrf_token: z.string().openapi({
      description:
        'Send back as X-CSRF-Token with every request that uses the refresh cookie (refresh, logout).',
    }),
  })
  .openapi('CookieSession');

/** Response headers of a cookie-mode answer, for the OpenAPI document. */
export const SessionCookieHeaders = {
  'Set-Cookie': {
    schema: { type: 'string' as const },
    description:
      'Cookie mode only: `__Secure-ea_refresh` (HttpOnly) and `__Secure-ea_csrf`, Path=/api/v1/auth, Secure, SameSite per COOKIE_SAMESITE.',
  },
};

const integerHeader = (description: string) => ({
  schema: { type: 'integer' as const },
  description,
});

/** draft-ietf-httpapi-ratelimit-headers fields, for the tightest limit that applied. */
export const RateLimitHeaders = {
  'RateLimit-Limit': integerHeader('Requests allowed in the window.'),
  'RateLimit-Remaining': integerHeader('Requests left in the window.'),
  'RateLimit-Reset': integerHeader('Seconds until the window frees a request.'),
};

export const TurnstileToken = z.string().min(1).max(2048).optional().openapi({
  description:
    'The Turnstile widget token, when the server requires Turnstile (or the CF-Turnstile-Response header).',
});
