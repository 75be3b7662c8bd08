// Picks the mail transport the configuration names (src/config/email.ts). Adding a provider:
// an adapter returning a Mailer, a case here and a value in EMAIL_PROVIDERS (README "Email").
import type { EmailConfig } from '../config/email.ts';
import { devMailbox } from './dev-mailbox.ts';
import { EmailSendError, type Mailer } from '../email/mailer.ts';
import { resendMailer } from './resend.ts';

export function mailerFor(config: EmailConfig): Mailer {
  const { transport, from, timeoutMs } = config;
  switch (transport.provider) {
    case 'resend':
      return resendMailer({
        apiKey: transport.apiKey,
        from,
        timeoutMs,
        endpoint: transport.endpoint,
      });
    case 'dev-mailbox':
      return devMailbox({ url: transport.url, token: transport.token, from, timeoutMs });
    case 'none':
      return unconfiguredMailer;
  }
}

/** No provider configured: every send fails, so the outbox logs and audits each lost mail. */
const unconfiguredMailer: Mailer = {
  provider: 'none',
  send: () => Promise.reject(new EmailSendError('none', 'not_configured')),
};

export { EmailSendError, type EmailMessage, type EmailTag, type Mailer } from '../email/mailer.ts';
