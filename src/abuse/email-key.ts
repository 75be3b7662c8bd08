// An email address as a limiter key: an HMAC under the newest KEK, so Redis never holds
// addresses. Adding a KEK starts the per-address counts afresh, which only favours the owner.
import { hmacBase64Url } from '../shared/hmac-keys.ts';
import type { KeyEncryptionKey } from '../config/kek-list.ts';
import { InvariantError } from '../shared/errors.ts';

export function emailLimiterKey(keks: KeyEncryptionKey[], email: string): Promise<string> {
  const kek = keks[0];
  if (!kek) throw new InvariantError('no key-encryption key configured');
  return hmacBase64Url(kek.raw, 'edge-auth login email key v1', email.toLowerCase());
}
