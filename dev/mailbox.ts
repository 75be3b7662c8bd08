// The dev mailbox: where the Worker's mail goes in `npm run dev` and in tests (its dev-mailbox
// adapter, src/mailers/dev-mailbox.ts). Messages live in memory, newest first, at most CAPACITY.
//
//   POST   /mailbox/messages          a message as JSON (stack token required)
//   GET    /mailbox                   the page: newest first, links clickable
//   GET    /mailbox/messages?to=&tag= the same as JSON, for tests
//   DELETE /mailbox/messages[?to=]    clear (stack token required)
//
// Writes need the stack's bearer token, which a browser cannot attach without a CORS preflight
// that this server never grants, so no web page can plant mail here. Reads answer only requests
// addressed to a loopback host name, so a DNS-rebound page cannot read the links either.
import { type BridgeRequest, type BridgeResponse, json } from './bridge.ts';

export interface MailboxMessage {
  id: number;
  /** ISO 8601, when the stack received it. */
  at: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  tag: string | null;
  /** Every http(s) URL in the text body, in order: what a test clicks. */
  links: string[];
}

export interface Mailbox {
  /** Answers /mailbox and /mailbox/*; undefined for any other path. */
  handle(req: BridgeRequest, query: URLSearchParams): BridgeResponse | undefined;
  messages(): readonly MailboxMessage[];
}

const CAPACITY = 500;
/** Per message; the transactional mails this service sends are a few kilobytes. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;
const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

export function createMailbox(options: { token: string; capacity?: number }): Mailbox {
  const capacity = options.capacity ?? CAPACITY;
  /** Newest first. */
  let stored: MailboxMessage[] = [];
  let nextId = 1;

  const authorized = (req: BridgeRequest) =>
    req.headers.authorization === `Bearer ${options.token}`;

  const filtered = (query: URLSearchParams) => {
    const to = query.get('to')?.toLowerCase();
    const tag = query.get('tag');
    return stored.filter((m) => (!to || m.to.toLowerCase() === to) && (!tag || m.tag === tag));
  };

  function receive(req: BridgeRequest): BridgeResponse {
    if (!authorized(req)) return json(401, { error: 'the stack token is required' });
    if (Buffer.byteLength(req.body) > MAX_MESSAGE_BYTES) {
      return json(413, { error: 'message too large' });
    }
    const parsed = parseMessage(req.body);
    if (typeof parsed === 'string') return json(400, { error: parsed });
    const message: MailboxMessage = {
      id: nextId++,
      at: new Date().toISOString(),
      ...parsed,
      links: parsed.text.match(URL_IN_TEXT) ?? [],
    };
    stored = [message, ...stored].slice(0, capacity);
    return json(202, { id: message.id });
  }

  return {
    messages: () => stored,
    handle(req, query) {
      if (req.path !== '/mailbox' && !req.path.startsWith('/mailbox/')) return undefined;
      if (req.path === '/mailbox/messages' && req.method === 'POST') return receive(req);
      if (req.path === '/mailbox/messages' && req.method === 'DELETE') {
        if (!authorized(req)) return json(401, { error: 'the stack token is required' });
        const removed = filtered(query);
        stored = stored.filter((m) => !removed.includes(m));
        return json(200, { deleted: removed.length });
      }
      if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
      if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
        return json(421, { error: 'the mailbox answers loopback host names only' });
      }
      if (req.path === '/mailbox/messages') return json(200, { messages: filtered(query) });
      if (req.path === '/mailbox') return page(filtered(query));
      return json(404, { error: 'not found' });
    },
  };
}

type Incoming = Omit<MailboxMessage, 'id' | 'at' | 'links'>;

function parseMessage(body: string): Incoming | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'body must be JSON';
  }
  if (typeof value !== 'object' || value === null) return 'body must be a JSON object';
  const record = value as Record<string, unknown>;
  const text = (name: string) => (typeof record[name] === 'string' ? record[name] : undefined);
  const to = text('to');
  const subject = text('subject');
  const textBody = text('text');
  const html = text('html');
  if (!to || subject === undefined || textBody === undefined || html === undefined) {
    return 'to, subject, text and html are required strings';
  }
  return { from: text('from') ?? '', to, subject, text: textBody, html, tag: text('tag') ?? null };
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

/** The text body, escaped, with every URL turned into a link that opens in a new tab. */
function linkify(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = match[0];
    out += escapeHtml(text.slice(last, match.index));
    out += `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(url)}</a>`;
    last = match.index + url.length;
  }
  return out + escapeHtml(text.slice(last));
}

function page(messages: readonly MailboxMessage[]): BridgeResponse {
  const items = messages.map((m) => {
    // The HTML body runs in a sandboxed frame: no scripts, no same-origin access to this page;
    // its links open in a new, unsandboxed tab.
    const frame = /<head[^>]*>/i.test(m.html)
      ? m.html.replace(/<head[^>]*>/i, (head) => `${head}<base target="_blank">`)
      : `<base target="_blank">${m.html}`;
    return `<article id="message-${m.id}">
<h2>${escapeHtml(m.subject) || '(no subject)'}</h2>
<dl>
<dt>To</dt><dd>${escapeHtml(m.to)}</dd>
<dt>From</dt><dd>${escapeHtml(m.from)}</dd>
<dt>Received</dt><dd><time datetime="${m.at}">${m.at}</time></dd>
${m.tag ? `<dt>Tag</dt><dd>${escapeHtml(m.tag)}</dd>` : ''}
</dl>
<pre>${linkify(m.text)}</pre>
<details><summary>HTML version</summary>
<iframe title="HTML version of: ${escapeHtml(m.subject)}" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(frame)}"></iframe>
</details>
</article>`;
  });
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dev mailbox (${messages.length})</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }
article { border-top: 1px solid #ccc; padding: 0.5rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; margin: 0; }
dt { font-weight: bold; }
dd { margin: 0; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5rem; }
iframe { width: 100%; height: 20rem; border: 1px solid #ccc; }
</style>
</head>
<body>
<h1>Dev mailbox</h1>
<p>${messages.length} message(s), newest first. Mail the Worker sends in <code>npm run dev</code> lands here; <a href="/mailbox">refresh</a>.</p>
${items.join('\n') || '<p>No messages yet.</p>'}
</body>
</html>
`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Nothing on this page runs script; mail bodies only get inline styles.
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}
