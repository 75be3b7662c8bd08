// The marker /oauth/authorize puts in the URL it sends to the sign-in page when it asks for a
// (re-)authentication (prompt=login, max_age, an id_token_hint for another user): when it
// asked and which browser session was signed in then (a short hash of its id, never the id),
// HMAC-signed under the KEK ring (as the sign-in cookie is, src/http/browser/sso-cookie.ts) and
// bound to the client. Coming back, a browser session that is not the one it replaced and whose
// authentication is not older than the ask is the sign-in that was asked for, and the request
// goes on; without this, prompt=login or max_age=0 would send the user to the sign-in page
// forever. The sign-in page reads it too, to show its form to a browser that is signed in
// already. A marker is honoured for a short while only, so an old authorize URL cannot vouch
// for a later session.
import type { Context } from 'hono';
import { sha256Base64Url } from '../../shared/base64url.ts';
import type { AppEnv } from '../context.ts';

export const REAUTH_PARAM = 'ea_reauth';
const INFO = 'edge-auth authorize re-authentication v1';
/** Seconds a marker is honoured: time enough to sign in, not to bookmark. */
const HONOURED_FOR = 15 * 60;
/** Stands for "no browser session was signed in". */
const NONE = '-';
const MARKER = /^(\d{1,12})\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{1,128})$/;

const sessionTag = async (sid: string | undefined) =>
  sid === undefined ? NONE : (await sha256Base64Url(sid)).slice(0, 12);

/** The marker saying "a sign-in replacing `signedInSid`, at or after `now`, was asked". */
export async function reauthMarker<E extends AppEnv>(
  c: Context<E>,
  clientId: string,
  signedInSid: string | undefined,
  now: Date,
): Promise<string> {
  const at = Math.floor(now.getTime() / 1000);
  const tag = await sessionTag(signedInSid);
  return `${at}.${tag}.${await c.var.config.keys.ring.sign(INFO, `${clientId}.${at}.${tag}`)}`;
}

/** A genuine, recent marker for `clientId`: when the sign-in was asked, and what it replaces. */
export interface ReauthAsk {
  at: number;
  /** Whether `session` is the sign-in that was asked for. */
  answeredBy(session: { sid: string; authTime: number }): Promise<boolean>;
}

/** The ask `marker` records, if it is a genuine, recent one for `clientId`. */
export async function reauthAsk<E extends AppEnv>(
  c: Context<E>,
  clientId: string | undefined,
  marker: string | undefined,
  now: Date,
): Promise<ReauthAsk | undefined> {
  if (!clientId || !marker) return undefined;
  const match = MARKER.exec(marker);
  if (!match) return undefined;
  const [, rawAt = '', tag = '', mac = ''] = match;
  const at = Number(rawAt);
  const age = Math.floor(now.getTime() / 1000) - at;
  // A minute of clock difference between isolates is tolerated.
  if (age < -60 || age > HONOURED_FOR) return undefined;
  if (!(await c.var.config.keys.ring.verify(INFO, `${clientId}.${at}.${tag}`, mac))) {
    return undefined;
  }
  return {
    at,
    answeredBy: async (session) =>
      session.authTime >= at && (await sessionTag(session.sid)) !== tag,
  };
}

/** The same, read from a return_to URL (already checked by safeReturnTo). */
export function reauthAskIn<E extends AppEnv>(
  c: Context<E>,
  returnTo: string,
  now: Date,
): Promise<ReauthAsk | undefined> {
  const query = new URL(returnTo, 'http://return.to').searchParams;
  const clientId = query.get('client_id') ?? undefined;
  return reauthAsk(c, clientId, query.get(REAUTH_PARAM) ?? undefined, now);
}
