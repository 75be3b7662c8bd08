// Reading the dev mailbox of the local stack: mail is sent after the response, so the helpers
// poll until the expected message is there.
import { inject } from 'vitest';

export interface Mail {
  to: string;
  subject: string;
  tag: string;
  links: string[];
}

export async function mailTo(to: string, tag?: string, count = 1): Promise<Mail[]> {
  const { url } = inject('stack');
  const query = `to=${encodeURIComponent(to)}${tag ? `&tag=${tag}` : ''}`;
  let messages: Mail[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await fetch(`${url}/mailbox/messages?${query}`);
    messages = (await res.json<{ messages: Mail[] }>()).messages;
    if (messages.length >= count) return messages;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return messages;
}

/** The one-time token in the newest mail of `tag` to `to`. */
export async function tokenMailedTo(to: string, tag: string): Promise<string> {
  const [mail] = await mailTo(to, tag);
  const link = mail?.links.find((l) => l.includes('token='));
  const token = link ? new URL(link).searchParams.get('token') : null;
  if (!token) throw new Error(`no ${tag} link mailed to ${to}`);
  return token;
}
