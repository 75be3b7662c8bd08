// The CSRF token of the refresh cookie: HMAC(secret, refresh token), a "signed double-submit"
// token (OWASP CSRF Prevention Cheat Sheet). It is sent as a readable cookie and in the login
// and refresh responses; the client echoes it in X-CSRF-Token. Because it is bound to the
// refresh token, a cookie planted by a sibling subdomain (cookie tossing) cannot be paired with
// a header of the attacker's choosing, and it rotates with every refresh. Stateless: no store.
import { hmacBase64Url, timingSafeEqual } from '../../shared/hmac-keys.ts';
import type { KeyEncryptionKey } from '../../config/kek-list.ts';
import { InvariantError } from '../../shared/errors.ts';

const INFO = 'edge-auth csrf token v1';

/** The token for a refresh token, under the newest key-encryption key. */
export function csrfTokenFor(refreshToken: string, keks: KeyEncryptionKey[]): Promise<string> {
  const kek = keks[0];
  if (!kek) throw new InvariantError('no key-encryption key configured');
  return hmacBase64Url(kek.raw, INFO, refreshToken);
}

/**
 * Whether `presented` is the token of `refreshToken` under any listed KEK, so adding a KEK
 * (which changes the newest one) does not break the CSRF tokens browsers already hold.
 */
export async function csrfTokenMatches(
  presented: string,
  refreshToken: string,
  keks: KeyEncryptionKey[],
): Promise<boolean> {
  for (const kek of keks) {
    const expected = await hmacBase64Url(kek.raw, INFO, refreshToken);
    if (timingSafeEqual(presented, expected)) return true;
  }
  return false;
}
