// Opaque refresh tokens, stored only as their SHA-256:
//
//   eart_ <user id: 22> <session id: 22> <tag: 22> <secret: 43>      (base64url, 114 characters)
//
// The ids name the session's Redis keys (`u:{uid}:sess:<sid>`, one hash slot per user), so a
// refresh needs no lookup key per token: the session record holds the hashes of its current
// and previous token, and memory stays O(sessions) however often tokens rotate. The tag (HMAC
// of both ids under a key-encryption key) makes the ids unforgeable: without it anyone who
// learned them (they are the `sub` and `sid` claims of every access token) could make the
// rotation script run against a real session, e.g. spend its refresh budget. A badly tagged
// token is refused before any store work. The secret is 256 bits from the CSPRNG.
//
// Rotation hands every concurrent caller presenting the same token the SAME successor (several
// browser tabs refreshing at once must not log the user out), without keeping any raw token:
// the successor keeps the ids and tag and its secret is HMAC(key, presented token). Anyone
// holding the old token and lacking the key cannot compute it; every caller holding the old
// token gets the same answer, so Redis only needs the successor's hash.
//
// Tokens of the earlier format (session id only) are simply invalid: the project had no
// release that issued them.
import { fromBase64Url, sha256Base64Url, toBase64Url } from '../shared/base64url.ts';
import type { KeyRing } from '../shared/key-ring.ts';

/** Prefix so a leaked token is recognisable (secret scanners) and never confused with a JWT. */
const PREFIX = 'eart_';
const ID = '[A-Za-z0-9_-]{21}[AQgw]';
const SHAPE = new RegExp(`^eart_(${ID})(${ID})([A-Za-z0-9_-]{22})([A-Za-z0-9_-]{43})$`);
const TAG_INFO = 'edge-auth refresh-token session tag v2';
/** 132 bits of HMAC: unguessable, and short enough for the token. */
const TAG_LENGTH = 22;
const SUCCESSOR_INFO = 'edge-auth refresh-token successor v2';
/** The part every token of a session shares: prefix, ids and tag. */
const NAMING_LENGTH = PREFIX.length + 66;

const uuidToBase64Url = (uuid: string) =>
  toBase64Url(Uint8Array.from(uuid.replace(/-/g, '').match(/../g) ?? [], (h) => parseInt(h, 16)));

function base64UrlToUuid(text: string): string {
  const hex = Array.from(fromBase64Url(text), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh refresh token for session `sid` of user `uid` (both UUIDs). */
export async function newRefreshToken(uid: string, sid: string, ring: KeyRing): Promise<string> {
  const ids = uuidToBase64Url(uid) + uuidToBase64Url(sid);
  const tag = await ring.sign(TAG_INFO, ids, TAG_LENGTH);
  return PREFIX + ids + tag + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The user and session a token names, if its tag is genuine under any listed KEK (so adding a
 * KEK does not orphan live tokens). A genuine tag says nothing about the token being live.
 */
export async function refreshTokenOwner(
  token: string,
  ring: KeyRing,
): Promise<{ uid: string; sid: string } | undefined> {
  const match = SHAPE.exec(token);
  if (!match) return undefined;
  const [, uidPart = '', sidPart = '', tag = ''] = match;
  if (!(await ring.verify(TAG_INFO, uidPart + sidPart, tag, TAG_LENGTH))) return undefined;
  return { uid: base64UrlToUuid(uidPart), sid: base64UrlToUuid(sidPart) };
}

export const hashRefreshToken = (token: string): Promise<string> => sha256Base64Url(token);

/** The successor of a (well-formed) token: same ids and tag, secret = HMAC(key, token). */
export async function successorOf(token: string, ring: KeyRing): Promise<string> {
  const mac = await ring.sign(SUCCESSOR_INFO, token);
  return token.slice(0, NAMING_LENGTH) + mac;
}
