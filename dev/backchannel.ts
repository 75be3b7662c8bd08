// The dev back-channel receiver: a relying party's backchannel_logout_uri for `npm run dev` and
// the tests (OpenID Connect Back-Channel Logout 1.0 §2.5). Register a client with
// `--backchannel-logout-uri http://127.0.0.1:<stack port>/backchannel/<name>` (loopback http is
// allowed by the registration rules) and read what the Worker POSTed:
//
//   POST   /backchannel/<name>[?fail=N&status=S]  a logout token, as the Worker sends it (no
//                                                 token: it is the party's public endpoint);
//                                                 the first N POSTs to <name> are answered S
//                                                 (default 500), the rest 200: retry tests
//   GET    /backchannel/messages[?name=]          every POST received, newest first (JSON)
//   DELETE /backchannel/messages[?name=]          clear
//
// Reads and deletes need the stack's bearer token and a loopback host name (as the mailbox's
// reads, dev/mailbox.ts): a logout token is not a secret once used, but a page on another site
// has no business listing them. Nothing here verifies a token: the tests do, with jose.
import { type BridgeRequest, type BridgeResponse, json } from './bridge.ts';

export interface BackchannelMessage {
  id: number;
  /** ISO 8601, when the stack received it. */
  at: string;
  /** The <name> of the path it was POSTed to. */
  name: string;
  contentType: string;
  /** The form's `logout_token` field; null when the body had none. */
  logoutToken: string | null;
  /** What the receiver answered (a planned failure, or 200). */
  status: number;
}

export interface BackchannelReceiver {
  /** Answers /backchannel/*; undefined for any other path. */
  handle(req: BridgeRequest, query: URLSearchParams): BridgeResponse | undefined;
  messages(): readonly BackchannelMessage[];
}

const CAPACITY = 500;
const MAX_BODY_BYTES = 64 * 1024;
const NAME = /^[\w.-]{1,64}$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

export function createBackchannelReceiver(options: { token: string }): BackchannelReceiver {
  /** Newest first. */
  let stored: BackchannelMessage[] = [];
  let nextId = 1;
  /** POSTs received per name: how many planned failures are used up. */
  const received = new Map<string, number>();

  const authorized = (req: BridgeRequest) =>
    req.headers.authorization === `Bearer ${options.token}` &&
    LOOPBACK_HOST.test(req.headers.host ?? '');

  const filtered = (query: URLSearchParams) => {
    const name = query.get('name');
    return stored.filter((m) => !name || m.name === name);
  };

  function receive(req: BridgeRequest, name: string, query: URLSearchParams): BridgeResponse {
    if (Buffer.byteLength(req.body) > MAX_BODY_BYTES) return json(413, { error: 'too large' });
    const count = (received.get(name) ?? 0) + 1;
    received.set(name, count);
    const failures = Number(query.get('fail') ?? '0');
    const failStatus = Number(query.get('status') ?? '500');
    const status = count <= failures ? failStatus : 200;
    const contentType = req.headers['content-type'] ?? '';
    const logoutToken = contentType.startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(req.body).get('logout_token')
      : null;
    stored = [
      { id: nextId++, at: new Date().toISOString(), name, contentType, logoutToken, status },
      ...stored,
    ].slice(0, CAPACITY);
    // §2.8: "If the logout succeeded, the RP MUST respond with HTTP 200 OK", no-store.
    return json(status, {}, { 'cache-control': 'no-store' });
  }

  return {
    messages: () => stored,
    handle(req, query) {
      if (!req.path.startsWith('/backchannel/')) return undefined;
      if (req.path === '/backchannel/messages') {
        if (!authorized(req)) {
          return json(401, { error: 'the stack token and a loopback host name are required' });
        }
        if (req.method === 'GET') return json(200, { messages: filtered(query) });
        if (req.method === 'DELETE') {
          const removed = filtered(query);
          stored = stored.filter((m) => !removed.includes(m));
          return json(200, { deleted: removed.length });
        }
        return json(405, { error: 'method not allowed' });
      }
      const name = req.path.slice('/backchannel/'.length);
      if (!NAME.test(name)) return json(404, { error: 'not found' });
      if (req.method !== 'POST') return json(405, { error: 'method not allowed' });
      return receive(req, name, query);
    },
  };
}
