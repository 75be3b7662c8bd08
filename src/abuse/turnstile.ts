// Cloudflare Turnstile, server side: the widget's token is checked with one siteverify call
// (https://developers.cloudflare.com/turnstile/get-started/server-side-validation/). Tokens are
// single use and live 300 s; siteverify says which with its error codes.
import type { AbuseConfig } from '../config/abuse.ts';
import { AuthError, StoreUnavailableError } from '../shared/errors.ts';
import { SafeCause } from '../shared/safe-cause.ts';

/** Where the token may come from: the form field the widget writes, or a header for SPAs. */
export const TURNSTILE_HEADER = 'CF-Turnstile-Response';

interface SiteverifyReply {
  success: boolean;
  'error-codes'?: string[];
}

export async function verifyTurnstile(
  settings: NonNullable<AbuseConfig['turnstile']>,
  token: string | undefined,
  ip: string,
  timeoutMs: number,
): Promise<void> {
  if (!token) {
    throw new AuthError('turnstile_failed', 'A Turnstile token is required (turnstile_token).');
  }
  // The documented maximum token length; a longer one is not worth a round trip.
  if (token.length > 2048) throw new AuthError('turnstile_failed');
  const form = new FormData();
  form.set('secret', settings.secret);
  form.set('response', token);
  if (ip) form.set('remoteip', ip);
  let reply: SiteverifyReply;
  try {
    const res = await fetch(settings.verifyUrl, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // A cause of facts only (safe-cause.ts): the status is what the log line needs.
    if (!res.ok) throw new SafeCause({ classes: ['SiteverifyResponse'], http_status: res.status });
    reply = (await res.json()) as SiteverifyReply;
  } catch (error) {
    // Not the client's fault: 503, and the log line (renderError) keeps the cause.
    throw new StoreUnavailableError('turnstile', error);
  }
  if (!reply.success) {
    const codes = reply['error-codes'] ?? [];
    throw new AuthError(
      'turnstile_failed',
      codes.includes('timeout-or-duplicate')
        ? 'The Turnstile token expired or was already used; solve the challenge again.'
        : undefined,
    );
  }
}
