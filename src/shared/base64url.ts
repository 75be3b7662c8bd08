// base64url without padding (RFC 4648 §5), the alphabet of every token this service mints.
// workerd has the native Uint8Array base64 methods (TC39 "Uint8Array to/from base64"): a
// refresh runs these a dozen times, and the string-juggling fallback below, which Node 20 (the
// CLIs) still needs, cost as much as its two HMACs.

interface NativeBase64 {
  toBase64?: (options: { alphabet: 'base64url'; omitPadding: boolean }) => string;
}
interface NativeFromBase64 {
  fromBase64?: (text: string, options: { alphabet: 'base64url' }) => Uint8Array;
}
const nativeTo = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeFrom = (Uint8Array as NativeFromBase64).fromBase64;
const URL_SAFE = { alphabet: 'base64url', omitPadding: true } as const;

export const toBase64Url = nativeTo
  ? (bytes: Uint8Array): string => nativeTo.call(bytes, URL_SAFE)
  : (bytes: Uint8Array): string =>
      btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');

/** Decodes base64url (padding optional); throws on characters outside the alphabet. */
export const fromBase64Url = nativeFrom
  ? (text: string): Uint8Array => nativeFrom(text, URL_SAFE)
  : (text: string): Uint8Array =>
      Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Whether `text` (base64url characters only, no padding) is the one canonical spelling of the
 * bytes it decodes to (RFC 4648 §3.5): a length that whole bytes can have, and the unused low
 * bits of the last character zero. O(1): nothing is decoded.
 */
export function isCanonicalBase64Url(text: string): boolean {
  const rest = text.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = ALPHABET.indexOf(text.charAt(text.length - 1));
  // 2 characters carry one byte + 4 unused bits; 3 carry two bytes + 2 unused bits.
  return last >= 0 && (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
}

/** Opaque cursors and the like: UTF-8 text as base64url, and back (undefined if not valid). */
export const textToBase64Url = (text: string): string =>
  toBase64Url(new TextEncoder().encode(text));

export function textFromBase64Url(encoded: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      fromBase64Url(encoded),
    );
  } catch {
    return undefined;
  }
}

/**
 * base64url(SHA-256(text)): how every high-entropy token is stored (refresh tokens, one-time
 * tokens, authorization codes, client secrets) and the PKCE S256 transform (RFC 7636 §4.2).
 */
export async function sha256Base64Url(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return toBase64Url(new Uint8Array(digest));
}
