// The base64url helpers as workerd runs them (the native Uint8Array methods) against a
// byte-by-byte reference, and the O(1) canonical-spelling check against decode-and-re-encode.
import { describe, expect, it } from 'vitest';
import { fromBase64Url, isCanonicalBase64Url, toBase64Url } from '../../src/shared/base64url.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 §5 by hand, without padding. */
function reference(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

describe('base64url in the Worker', () => {
  it('uses the native methods here', () => {
    expect(typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64).toBe('function');
  });

  it('encodes and decodes every length like the reference', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64Url(bytes);
      expect(text).toBe(reference(bytes));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it('isCanonicalBase64Url agrees with decode-and-re-encode on every last character', () => {
    for (const body of ['', 'AAAA', 'q83v']) {
      for (const tail of ['', 'A', 'AA', 'AAA']) {
        for (const last of ALPHABET) {
          const text = body + tail.slice(1) + (tail ? last : '');
          let reencoded: string | undefined;
          try {
            reencoded = text.length % 4 === 1 ? undefined : toBase64Url(fromBase64Url(text));
          } catch {
            reencoded = undefined;
          }
          expect(isCanonicalBase64Url(text), text).toBe(reencoded === text);
        }
      }
    }
  });
});
