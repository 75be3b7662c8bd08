// Turnstile on the routes a bot would hammer (register, login, reset requests), only when
// TURNSTILE_SECRET is set. The token comes from the JSON body (`turnstile_token`) or, for
// single-page apps that keep bodies clean, the CF-Turnstile-Response header.
import type { Context } from 'hono';
import { TURNSTILE_HEADER, verifyTurnstile } from '../abuse/turnstile.ts';
import type { AppEnv } from './context.ts';

export const turnstileTokenOf = <E extends AppEnv>(
  c: Context<E>,
  fromBody: string | undefined,
): string | undefined => fromBody ?? c.req.header(TURNSTILE_HEADER);

/** Throws turnstile_failed (400), or 503 when siteverify is unreachable; no-op when off. */
export async function requireHuman<E extends AppEnv>(
  c: Context<E>,
  fromBody: string | undefined,
): Promise<void> {
  const settings = c.var.config.abuse.turnstile;
  if (!settings) return;
  await verifyTurnstile(
    settings,
    turnstileTokenOf(c, fromBody),
    c.var.services.client.ip,
    c.var.config.storeTimeoutMs,
  );
}
