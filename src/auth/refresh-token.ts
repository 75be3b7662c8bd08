// Opaque refresh tokens, stored only as their SHA-256:
//
//   eart_ <session id: 22> <session tag: 22> <secret: 43>      (base64url, 92 characters)
//
// The session id lets the per-session refresh limiter run before the rotation script, and the
// tag (HMAC of the id under a key-encryption key) makes it unforgeable: without the tag anyone
// who learned a session id (it is the `sid` claim of every access token) could spend that
// session's refresh budget with made-up tokens. The secret is 256 bits from the CSPRNG.
//
// Rotation hands every concurrent caller presenting the same token the SAME successor (several
// browser tabs refreshing at once must not log the user out), without keeping any raw token:
// the successor keeps the id and tag and its secret is HMAC(key, presented token). Anyone
// holding the old token and lacking the key cannot compute it; every caller holding the old
// token gets the same answer, so Redis only needs the successor's hash.
import type { KeyEncryptionKey } from '../config/kek-list.ts';
import { fromBase64Url, sha256Base64Url, toBase64Url } from './base64url.ts';
import { hmacBase64Url, timingSafeEqual } from './hmac-keys.ts';

/** Prefix so a leaked token is recognisable (secret scanners) and never confused with a JWT. */
const PREFIX = 'eart_';
const SHAPE = /^eart_([A-Za-z0-9_-]{22})([A-Za-z0-9_-]{22})([A-Za-z0-9_-]{43})$/;
const TAG_INFO = 'edge-auth refresh-token session tag v1';
const SUCCESSOR_INFO = 'edge-auth refresh-token successor v2';

const newestKek = (keks: KeyEncryptionKey[]) => {
  const kek = keks[0];
  if (!kek) throw new Error('no key-encryption key configured');
  return kek.raw;
};

const uuidToBase64Url = (uuid: string) =>
  toBase64Url(Uint8Array.from(uuid.replace(/-/g, '').match(/../g) ?? [], (h) => parseInt(h, 16)));

function base64UrlToUuid(text: string): string {
  const hex = Array.from(fromBase64Url(text), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const tagOf = (sidPart: string, secret: Uint8Array<ArrayBuffer>) =>
  hmacBase64Url(secret, TAG_INFO, sidPart).then((mac) => mac.slice(0, 22));

/** A fresh refresh token for session `sid`. */
export async function newRefreshToken(sid: string, keks: KeyEncryptionKey[]): Promise<string> {
  const sidPart = uuidToBase64Url(sid);
  const tag = await tagOf(sidPart, newestKek(keks));
  return PREFIX + sidPart + tag + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Cheap syntactic check before any store work. */
export const looksLikeRefreshToken = (token: string): boolean => SHAPE.test(token);

/**
 * The session id a token names, if its tag is genuine under any listed KEK (so adding a KEK
 * does not orphan live tokens). A genuine id says nothing about the token being live.
 */
export async function refreshSessionId(
  token: string,
  keks: KeyEncryptionKey[],
): Promise<string | undefined> {
  const match = SHAPE.exec(token);
  if (!match) return undefined;
  const [, sidPart = '', tag = ''] = match;
  for (const kek of keks) {
    if (timingSafeEqual(tag, await tagOf(sidPart, kek.raw))) return base64UrlToUuid(sidPart);
  }
  return undefined;
}

export const hashRefreshToken = (token: string): Promise<string> => sha256Base64Url(token);

/** The successor of a (well-formed) token: same id and tag, secret = HMAC(key, token). */
export async function successorOf(token: string, keks: KeyEncryptionKey[]): Promise<string> {
  const mac = await hmacBase64Url(newestKek(keks), SUCCESSOR_INFO, token);
  return token.slice(0, PREFIX.length + 44) + mac;
}
