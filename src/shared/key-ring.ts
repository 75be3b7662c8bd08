// The configured key-encryption keys as a ring of MAC keys: the newest signs, every one
// verifies. Adding a KEK (putting the new one first) thus changes what is issued from then on
// without invalidating the refresh tokens, CSRF tokens and cookies browsers already hold; they
// lapse once the old KEK is dropped. Each use names its purpose ("info"), from which a separate
// HMAC key is derived (src/shared/hmac-keys.ts), so a MAC made for one purpose is never valid
// for another.
import type { KeyEncryptionKey, KeyEncryptionKeys } from '../config/kek-list.ts';
import { hmacBase64Url, timingSafeEqual } from './hmac-keys.ts';

/** base64url characters of a whole HMAC-SHA256 (256 bits). */
const FULL_LENGTH = 43;

export interface KeyRing {
  /**
   * base64url(HMAC-SHA256) of `message` under the newest KEK's key for `info`, cut to its first
   * `length` characters when a shorter MAC will do.
   */
  sign(info: string, message: string, length?: number): Promise<string>;
  /**
   * Whether `mac` is what sign() gives (with the same `length`) under ANY listed KEK. Every KEK
   * is tried and compared in constant time, so the timing does not tell which one matched.
   */
  verify(info: string, message: string, mac: string, length?: number): Promise<boolean>;
}

const macUnder = (kek: KeyEncryptionKey, info: string, message: string, length: number) =>
  hmacBase64Url(kek.raw, info, message).then((mac) => mac.slice(0, length));

export function keyRing(keks: KeyEncryptionKeys): KeyRing {
  const [newest] = keks;
  return {
    sign: (info, message, length = FULL_LENGTH) => macUnder(newest, info, message, length),
    async verify(info, message, mac, length = FULL_LENGTH) {
      const expected = await Promise.all(keks.map((kek) => macUnder(kek, info, message, length)));
      let genuine = false;
      for (const candidate of expected) genuine = timingSafeEqual(mac, candidate) || genuine;
      return genuine;
    },
  };
}
