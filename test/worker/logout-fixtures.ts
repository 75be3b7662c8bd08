// OIDC logout test building blocks: an ID token to send back as id_token_hint (signed by the
// Worker's own key set, exactly as the token endpoint signs one: src/oauth/id-token.ts), the
// end-session requests a browser makes, and the dev stack's back-channel receiver.
import { exports } from 'cloudflare:workers';
import { inject } from 'vitest';
import { signIdToken } from '../../src/oauth/id-token.ts';
import { keysFor } from './keys-fixtures.ts';
import { basicAuth, ISSUER, postForm } from './oauth-fixtures.ts';

export const POST_LOGOUT_URI = 'https://app.example/signed-out';

/** An ID token of `issuer` for `clientId` about `sub`, from browser session `sid`. */
export function idTokenFor(
  input: { clientId: string; sub: string; sid?: string },
  issuer = ISSUER,
): Promise<string> {
  return signIdToken(
    keysFor(issuer),
    {
      issuer,
      clientId: input.clientId,
      subject: input.sub,
      auth: { time: Math.floor(Date.now() / 1000), methods: ['pwd'], ssoSid: input.sid },
      ttl: 300,
    },
    new Date(),
  );
}

/** A request to the Worker as a browser: the cookies given, no redirect followed. */
export async function browserRequest(
  path: string,
  cookie: string | undefined,
  init: RequestInit & { headers?: Record<string, string> } = {},
) {
  const response = await exports.default.fetch(
    new Request(new URL(path, ISSUER), {
      redirect: 'manual',
      ...init,
      headers: { ...(cookie ? { Cookie: cookie } : {}), ...init.headers },
    }),
  );
  return { response, body: await response.text() };
}

/** GET /oauth/end-session with `params`, as the browser with `cookie`. */
export function endSession(params: Record<string, string>, cookie?: string) {
  return browserRequest(`/oauth/end-session?${new URLSearchParams(params)}`, cookie);
}

/** The cookies a response sets, name -> value ('' when it deletes one). */
export function setCookies(response: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of response.headers.getAll('Set-Cookie')) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    out.set(pair.slice(0, at), /max-age=0/i.test(line) ? '' : pair.slice(at + 1));
  }
  return out;
}

/** POST /oauth/token with a refresh token, as the client: the session's liveness, end to end. */
export function refreshAsClient(clientId: string, secret: string, refreshToken: string) {
  return postForm(
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    { Authorization: basicAuth(clientId, secret) },
  );
}

export interface ReceivedLogout {
  name: string;
  contentType: string;
  logoutToken: string | null;
  status: number;
}

/** A receiver URI on the dev stack (dev/backchannel.ts), unique to the test. */
export function receiverUri(label: string, plan: { fail?: number; status?: number } = {}) {
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  const url = new URL(`/backchannel/${name}`, inject('stack').url);
  if (plan.fail !== undefined) url.searchParams.set('fail', String(plan.fail));
  if (plan.status !== undefined) url.searchParams.set('status', String(plan.status));
  return { name, uri: url.toString() };
}

/** What the receiver got at `name`, oldest first, once there are `count` (or after ~5 s). */
export async function receivedAt(name: string, count = 1): Promise<ReceivedLogout[]> {
  const { url, token } = inject('stack');
  let messages: ReceivedLogout[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await fetch(`${url}/backchannel/messages?name=${encodeURIComponent(name)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    messages = (await res.json<{ messages: ReceivedLogout[] }>()).messages.reverse();
    if (messages.length >= count) return messages;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return messages;
}
