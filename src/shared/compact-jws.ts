// RFC 7515 §7.1: the JWS Compact Serialization is BASE64URL(header) "." BASE64URL(payload) "."
// BASE64URL(signature), and §2 defines BASE64URL as base64url "with all trailing '=' characters
// omitted". Every other spelling of the same token (padding appended, or a last character whose
// unused low bits are not zero) decodes to the same bytes, so a lenient decoder would accept
// many strings for one token: a revocation list, a cache or a log keyed by the string would
// then see different tokens. Only the one canonical spelling is a token.
import { isCanonicalBase64Url } from './base64url.ts';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** What keeps `token` from being a canonical compact JWS, or undefined when it is one. */
export function compactJwsProblem(token: string): 'shape' | 'signature' | undefined {
  if (!COMPACT_JWS.test(token)) return 'shape';
  // The header and payload are covered by the signature as the exact characters received, so
  // only the signature segment can be re-spelt without breaking it: it must re-encode to itself.
  return isCanonicalBase64Url(token.slice(token.lastIndexOf('.') + 1)) ? undefined : 'signature';
}
