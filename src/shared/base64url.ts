// base64url without padding (RFC 4648 §5), the alphabet of every token this service mints.

export const toBase64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export const fromBase64Url = (text: string): Uint8Array =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));

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
