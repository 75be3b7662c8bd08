// The marker /oauth/authorize puts in the URL it sends to the sign-in page when it asks for a
// (re-)authentication (prompt=login, max_age, an id_token_hint for another user): when it
// asked, HMAC-signed under the KEK ring (as the sign-in cookie is, src/http/browser/sso-cookie.ts)
// and bound to the client. Coming back, a browser session whose authentication is not older
// than the marker is the sign-in that was asked for, and the request goes on; without it,
// prompt=login or max_age=0 would send the user to the sign-in page forever. The sign-in page
// reads it too, to show its form to a browser that is already signed in. A marker is honoured
// for a short while only, so an old authorize URL cannot vouch for a later session.
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';

export const REAUTH_PARAM = 'ea_reauth';
const INFO = 'edge-auth authorize re-authentication v1';
/** Seconds a marker is honoured: time enough to sign in, not to bookmark. */
const HONOURED_FOR = 15 * 60;

/** The marker saying "a sign-in at or after `now` was asked for this client". */
export async function reauthMarker<E extends AppEnv>(
  c: Context<E>,
  clientId: string,
  now: Date,
): Promise<string> {
  const at = Math.floor(now.getTime() / 1000);
  return `${at}.${await c.var.config.keys.ring.sign(INFO, `${clientId}.${at}`)}`;
}

/** When the sign-in was asked, if `marker` is a genuine, recent one for `clientId`. */
export async function reauthAskedAt<E extends AppEnv>(
  c: Context<E>,
  clientId: string | undefined,
  marker: string | undefined,
  now: Date,
): Promise<number | undefined> {
  if (!clientId || !marker) return undefined;
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{1,128})$/.exec(marker);
  if (!match) return undefined;
  const at = Number(match[1]);
  const age = Math.floor(now.getTime() / 1000) - at;
  // A minute of clock difference between isolates is tolerated.
  if (age < -60 || age > HONOURED_FOR) return undefined;
  const genuine = await c.var.config.keys.ring.verify(INFO, `${clientId}.${at}`, match[2]!);
  return genuine ? at : undefined;
}

/** The same, read from a return_to URL (already checked by safeReturnTo). */
export function reauthAskedIn<E extends AppEnv>(
  c: Context<E>,
  returnTo: string,
  now: Date,
): Promise<number | undefined> {
  const query = new URL(returnTo, 'http://return.to').searchParams;
  return reauthAskedAt(
    c,
    query.get('client_id') ?? undefined,
    query.get(REAUTH_PARAM) ?? undefined,
    now,
  );
}
