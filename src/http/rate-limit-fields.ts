// The RateLimit-* fields a login guard (src/auth/login-guard.ts) measured go on the response,
// success or refusal alike, as soon as the guarded work ends: before any response exists, so
// the error renderer's response carries them too.
import type { Context } from 'hono';
import type { RateLimitedLoginGuard } from '../auth/login-guard.ts';

export async function withRateLimitFields<T>(
  c: Context,
  guards: () => readonly RateLimitedLoginGuard[],
  work: Promise<T>,
): Promise<T> {
  try {
    return await work;
  } finally {
    for (const guard of guards()) {
      for (const [field, value] of Object.entries(guard.rateLimitFields)) c.header(field, value);
    }
  }
}
