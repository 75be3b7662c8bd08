// Resend (https://resend.com/docs/api-reference/emails/send-email): POST /emails with a Bearer
// API key and a JSON body. Any 2xx means accepted; anything else is an EmailSendError with the
// status. Resend is one choice among many: see README "Email" for plugging in another provider.
import { RESEND_API_URL } from '../config/email.ts';
import { postJson } from './post-json.ts';
import type { Mailer } from '../email/mailer.ts';

export interface ResendOptions {
  apiKey: string;
  /** RFC 5322 mailbox, on a domain verified in Resend. */
  from: string;
  timeoutMs: number;
  /** Overrides the API URL (tests point it at a server that fails). */
  endpoint?: string;
}

export function resendMailer({
  apiKey,
  from,
  timeoutMs,
  endpoint = RESEND_API_URL,
}: ResendOptions): Mailer {
  return {
    provider: 'resend',
    async send(message) {
      await postJson({
        provider: 'resend',
        url: endpoint,
        headers: { Authorization: `Bearer ${apiKey}` },
        body: {
          from,
          to: [message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
          // Lets the Resend dashboard break deliveries down by purpose.
          tags: [{ name: 'category', value: message.tag }],
        },
        timeoutMs,
      });
    },
  };
}
