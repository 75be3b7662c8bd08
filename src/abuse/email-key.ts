// An email address as a limiter key: an HMAC under the newest KEK, so Redis never holds
// addresses. Adding a KEK starts the per-address counts afresh, which only favours the owner.
import type { KeyRing } from '../shared/key-ring.ts';

export function emailLimiterKey(ring: KeyRing, email: string): Promise<string> {
  return ring.sign('edge-auth login email key v1', email.toLowerCase());
}
