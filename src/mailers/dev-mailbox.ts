// The local stack's dev mailbox (dev/mailbox.ts): the message is POSTed as JSON and shown at
// the stack's /mailbox page, and listed as JSON for tests. Nothing leaves the machine.
import { postJson } from './post-json.ts';
import type { Mailer } from '../email/mailer.ts';

export interface DevMailboxOptions {
  /** The stack's `/mailbox/messages` endpoint. */
  url: string;
  /** The stack's bearer token; the mailbox refuses writes without it. */
  token: string | undefined;
  from: string;
  timeoutMs: number;
}

export function devMailbox({ url, token, from, timeoutMs }: DevMailboxOptions): Mailer {
  return {
    provider: 'dev-mailbox',
    async send(message) {
      await postJson({
        provider: 'dev-mailbox',
        url,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        body: { from, ...message },
        timeoutMs,
      });
    },
  };
}
