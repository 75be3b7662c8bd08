// HMAC keys derived from a configured secret with HKDF (RFC 5869), one per purpose ("info"), so
// a value computed for one purpose (a refresh-token successor, a CSRF token) is never valid
// for another. Derived once per isolate and secret. Which secret signs and which verify is
// src/shared/key-ring.ts.
import { toBase64Url } from './base64url.ts';

const encoder = new TextEncoder();
const derived = new WeakMap<Uint8Array, Map<string, Promise<CryptoKey>>>();

function hmacKey(secret: Uint8Array<ArrayBuffer>, info: string): Promise<CryptoKey> {
  let byInfo = derived.get(secret);
  if (!byInfo) derived.set(secret, (byInfo = new Map()));
  let key = byInfo.get(info);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(info) },
        base,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      );
    })();
    byInfo.set(info, key);
  }
  return key;
}

/** base64url(HMAC-SHA256(key derived for `info`, message)). */
export async function hmacBase64Url(
  secret: Uint8Array<ArrayBuffer>,
  info: string,
  message: string,
): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret, info),
    encoder.encode(message),
  );
  return toBase64Url(new Uint8Array(mac));
}

/** Compares two strings in time that depends only on their length. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
