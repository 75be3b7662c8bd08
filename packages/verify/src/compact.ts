// RFC 7515 §7.1: the JWS Compact Serialization is BASE64URL(header) "." BASE64URL(payload) "."
// BASE64URL(signature), with BASE64URL "with all trailing '=' characters omitted" (§2). Other
// spellings of the same signature (padding, non-zero unused low bits) decode to the same bytes:
// a revocation list, cache or log keyed by the string would see different tokens. edge-auth
// accepts only the canonical spelling (src/auth/access-token.ts there), and so does this.
import { VerifyError } from './errors.ts';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 §3.5: a length whole bytes can have, and the last character's unused bits zero. */
export function isCanonicalBase64Url(text: string): boolean {
  const rest = text.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = ALPHABET.indexOf(text.charAt(text.length - 1));
  return last >= 0 && (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
}

/** Refuses anything but a canonical compact JWS no longer than `maxLength` characters. */
export function assertCanonicalCompact(token: string, maxLength: number): void {
  // Before any regular expression or decoding runs over it.
  if (token.length > maxLength) {
    throw new VerifyError('token_too_large', `The token is longer than ${maxLength} characters.`);
  }
  if (!COMPACT_JWS.test(token)) {
    throw new VerifyError(
      'token_malformed',
      'The token is not a compact JWS of three unpadded base64url segments (RFC 7515 §7.1).',
    );
  }
  if (!isCanonicalBase64Url(token.slice(token.lastIndexOf('.') + 1))) {
    throw new VerifyError(
      'token_malformed',
      "The token's signature is not canonical base64url (RFC 7515 §2).",
    );
  }
}
