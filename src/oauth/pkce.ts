// PKCE (RFC 7636). Only S256: "plain" offers no protection when the authorization request
// can be observed, and OAuth 2.1 (draft-ietf-oauth-v2-1 §4.1.1) lets servers refuse it.
import { sha256Base64Url } from '../shared/base64url.ts';
import { timingSafeEqual } from '../shared/hmac-keys.ts';

/** RFC 7636 §4.1: code_verifier = 43*128unreserved. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** §4.2: BASE64URL(SHA256(verifier)) is always 43 characters. */
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** §4.6: the server recomputes the challenge from the verifier and compares. */
export async function verifierMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!VERIFIER.test(verifier)) return false;
  return timingSafeEqual(await sha256Base64Url(verifier), challenge);
}
