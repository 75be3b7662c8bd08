// The CSRF token of the refresh cookie: HMAC(secret, refresh token), a "signed double-submit"
// token (OWASP CSRF Prevention Cheat Sheet). It is sent as a readable cookie and in the login
// and refresh responses; the client echoes it in X-CSRF-Token. Because it is bound to the
// refresh token, a cookie planted by a sibling subdomain (cookie tossing) cannot be paired with
// a header of the attacker's choosing, and it rotates with every refresh. Stateless: no store.
import type { KeyRing } from '../../shared/key-ring.ts';

const INFO = 'edge-auth csrf token v1';

/** The token for a refresh token, under the newest key-encryption key. */
export function csrfTokenFor(refreshToken: string, ring: KeyRing): Promise<string> {
  return ring.sign(INFO, refreshToken);
}

/**
 * Whether `presented` is the token of `refreshToken` under any listed KEK, so adding a KEK
 * (which changes the newest one) does not break the CSRF tokens browsers already hold.
 */
export function csrfTokenMatches(
  presented: string,
  refreshToken: string,
  ring: KeyRing,
): Promise<boolean> {
  return ring.verify(INFO, refreshToken, presented);
}
