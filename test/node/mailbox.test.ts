// The local stack's dev mailbox (dev/mailbox.ts): the Worker's dev adapter posts mail there with
// the stack token; developers read it at /mailbox, tests as JSON. The stack is shared with tests
// running in parallel, so every test reads only its own (random) recipients.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { createMailbox, type MailboxMessage } from '../../dev/mailbox.ts';

const stack = inject('stack');
const auth = { Authorization: `Bearer ${stack.token}` };
const recipient = () => `mailbox-${randomUUID().slice(0, 8)}@example.test`;

function post(message: Record<string, unknown>, headers: Record<string, string> = auth) {
  return fetch(`${stack.url}/mailbox/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(message),
  });
}

const mail = (to: string, subject: string, text = 'hello') => ({
  from: 'edge-auth <no-reply@localhost>',
  to,
  subject,
  text,
  html: `<p>${text}</p>`,
  tag: 'verify_email',
});

async function listed(query: string): Promise<MailboxMessage[]> {
  const res = await fetch(`${stack.url}/mailbox/messages?${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: MailboxMessage[] }).messages;
}

describe('dev mailbox: receiving', () => {
  it('requires the stack token and a complete message', async () => {
    const to = recipient();
    expect((await post(mail(to, 'x'), {})).status).toBe(401);
    expect((await post(mail(to, 'x'), { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post({ to, subject: 'no bodies' })).status).toBe(400);
    const bad = await fetch(`${stack.url}/mailbox/messages`, {
      method: 'POST',
      headers: auth,
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect(await listed(`to=${encodeURIComponent(to)}`)).toEqual([]);
  });

  it('lists JSON newest first, filtered by recipient (any case) and tag, with the links', async () => {
    const to = recipient();
    const link = 'http://auth.test/api/v1/auth/verify-email?token=eaot_abc';
    expect((await post(mail(to, 'first'))).status).toBe(202);
    expect((await post({ ...mail(to, 'second', `Confirm:\n${link}\n`), tag: 'x' })).status).toBe(
      202,
    );
    await post(mail(recipient(), 'someone else'));

    const messages = await listed(`to=${encodeURIComponent(to.toUpperCase())}`);
    expect(messages.map((m) => m.subject)).toEqual(['second', 'first']);
    expect(messages[0]).toMatchObject({ to, tag: 'x', links: [link] });
    expect(messages[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await listed(`to=${encodeURIComponent(to)}&tag=x`)).map((m) => m.subject)).toEqual([
      'second',
    ]);
  });

  it('DELETE clears one recipient (with the token)', async () => {
    const [mine, theirs] = [recipient(), recipient()];
    await post(mail(mine, 'a'));
    await post(mail(theirs, 'b'));
    const url = `${stack.url}/mailbox/messages?to=${encodeURIComponent(mine)}`;
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(401);
    const res = await fetch(url, { method: 'DELETE', headers: auth });
    expect(await res.json()).toEqual({ deleted: 1 });
    expect(await listed(`to=${encodeURIComponent(mine)}`)).toEqual([]);
    expect(await listed(`to=${encodeURIComponent(theirs)}`)).toHaveLength(1);
  });
});

describe('dev mailbox: the page', () => {
  it('shows messages newest first, escapes them, and makes links clickable', async () => {
    const to = recipient();
    const link = 'http://auth.test/reset-password?token=eaot_x&next=/a';
    await post(mail(to, 'older message'));
    await post({
      ...mail(
        to,
        '<script>alert(1)</script> newer',
        `Reset:\n${link}\n<img src=x onerror=alert(1)>`,
      ),
      html: `<html><head><title>t</title></head><body><a href="${link}">Reset</a></body></html>`,
    });

    const res = await fetch(`${stack.url}/mailbox?to=${encodeURIComponent(to)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();

    expect(page.indexOf('newer')).toBeLessThan(page.indexOf('older message'));
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; newer');
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    const escapedLink = link.replace(/&/g, '&amp;');
    expect(page).toContain(
      `<a href="${escapedLink}" target="_blank" rel="noopener noreferrer">${escapedLink}</a>`,
    );
    // The HTML body is shown in a sandboxed frame (no scripts), its links opening a new tab.
    expect(page).toMatch(/<iframe [^>]*sandbox="allow-popups allow-popups-to-escape-sandbox"/);
    expect(page).toContain(
      'srcdoc="&lt;html&gt;&lt;head&gt;&lt;base target=&quot;_blank&quot;&gt;',
    );
  });

  it('answers loopback host names only (no DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${stack.url}/mailbox/messages`,
        { headers: { Host: 'rebound.example.com' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('dev mailbox: capacity', () => {
  it('keeps the newest messages only', () => {
    const box = createMailbox({ token: 't', capacity: 2 });
    for (const subject of ['1', '2', '3']) {
      const reply = box.handle(
        {
          method: 'POST',
          path: '/mailbox/messages',
          headers: { authorization: 'Bearer t' },
          body: JSON.stringify(mail('a@b.test', subject)),
          requestId: undefined,
        },
        new URLSearchParams(),
      );
      expect(reply?.status).toBe(202);
    }
    expect(box.messages().map((m) => m.subject)).toEqual(['3', '2']);
  });
});
