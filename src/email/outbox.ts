// Sending after the response: the request hands a message over and answers at once; the send
// runs under ctx.waitUntil. A failed send is never silent: one error log line plus an
// `email_send_failed` audit event, both naming what the mail was for (its tag), the provider
// and its status, and neither holding the body (a one-time token) or the recipient address.
import type { AuditSink } from '../audit/store.ts';
import type { AuditOrigin } from '../audit/trail.ts';
import { AuditTrail } from '../audit/trail.ts';
import { describeCause } from '../shared/safe-cause.ts';
import { EmailSendError, type EmailMessage, type Mailer } from './mailer.ts';

export interface OutboxDeps {
  mailer: Mailer;
  /** Keeps the send alive after the response (ctx.waitUntil). */
  defer: (work: Promise<unknown>) => void;
  /**
   * Where a failure is audited. The request's own trail has been written by the time a send
   * fails, so the failure gets a write of its own.
   */
  auditSink: AuditSink;
  origin: AuditOrigin;
}

/** Who the mail is about: logged instead of the address. */
export interface Recipient {
  userId?: string | null | undefined;
}

/** The port routes and services use: fire and forget, with the failure accounted for. */
export interface Outbox {
  send(message: EmailMessage, about?: Recipient): void;
}

export const createOutbox = (deps: OutboxDeps): Outbox => ({
  send: (message, about) => sendLater(deps, message, about),
});

/** Schedules `message` after the response. Never throws into the request. */
export function sendLater(deps: OutboxDeps, message: EmailMessage, about: Recipient = {}): void {
  deps.defer(deliver(deps, message, about));
}

/** Sends now; resolves true when the provider accepted it, false after logging and auditing. */
export async function deliver(
  deps: OutboxDeps,
  message: EmailMessage,
  about: Recipient = {},
): Promise<boolean> {
  const userId = about.userId ?? null;
  const { tag } = message;
  try {
    await deps.mailer.send(message);
    console.log(
      JSON.stringify({
        level: 'info',
        msg: 'email sent',
        tag,
        provider: deps.mailer.provider,
        user_id: userId,
        request_id: deps.origin.requestId,
      }),
    );
    return true;
  } catch (error) {
    const failure = failureOf(error, deps.mailer.provider);
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'email send failed',
        tag,
        ...failure,
        provider_code: error instanceof EmailSendError ? error.providerCode : null,
        user_id: userId,
        request_id: deps.origin.requestId,
        cause: causeOf(error),
      }),
    );
    const trail = new AuditTrail(deps.origin);
    trail.record({ type: 'email_send_failed', userId, details: { tag, ...failure } });
    await trail.flush(deps.auditSink); // never throws: a failed write is logged by the trail
    return false;
  }
}

function failureOf(error: unknown, provider: string) {
  if (error instanceof EmailSendError) {
    return { provider: error.provider, status: error.providerStatus, reason: error.reason };
  }
  // An adapter bug rather than a provider answer; still a lost mail, still accounted for.
  return { provider, status: null, reason: 'unreachable' as const };
}

/**
 * Names the underlying failure (timeout, refused connection) without any message content: a
 * provider's or a fetch error's message may quote the recipient.
 */
function causeOf(error: unknown): string | null {
  const cause = error instanceof EmailSendError ? error.cause : error;
  return cause === undefined ? null : describeCause(cause);
}
