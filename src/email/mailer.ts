// The email port: one message in, delivered or an EmailSendError out. Adapters (resend.ts,
// dev-mailbox.ts) speak a provider's HTTP API; index.ts picks one from the configuration.
// Nothing here knows HTTP requests of our own API: the outbox sends after the response.
import { AuthError } from '../shared/errors.ts';

import type { EmailFailureReason, EmailTag } from '../audit/events.ts';

// Named in the audit log's vocabulary (src/audit sits below src/email), used here.
export type { EmailFailureReason, EmailTag };

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  tag: EmailTag;
}

export interface Mailer {
  /** Names the transport in logs and audit events: `resend`, `dev-mailbox`, `none`. */
  readonly provider: string;
  /** Resolves once the provider accepted the message; otherwise rejects with EmailSendError. */
  send(message: EmailMessage): Promise<void>;
}

/**
 * A failed send. Carries what an operator needs (provider, status, the provider's error code)
 * and never the message: its body holds a one-time token, its recipient is personal data.
 */
export class EmailSendError extends AuthError {
  readonly provider: string;
  readonly reason: EmailFailureReason;
  /** The provider's HTTP status, when it answered (`status` is the registry's, a 500). */
  readonly providerStatus: number | null;
  /** The provider's machine-readable error name (Resend: `validation_error`, ...), if any. */
  readonly providerCode: string | null;

  constructor(
    provider: string,
    reason: EmailFailureReason,
    options: { status?: number; providerCode?: string | null; cause?: unknown } = {},
  ) {
    const status = options.status ?? null;
    super(
      'email_send_failed',
      `${provider}: email not sent (${reason}${status === null ? '' : `, HTTP ${status}`})`,
      { cause: options.cause },
    );
    this.provider = provider;
    this.reason = reason;
    this.providerStatus = status;
    this.providerCode = options.providerCode ?? null;
  }
}
