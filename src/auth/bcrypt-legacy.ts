// bcrypt hashes imported from the old FastAPI service: verified so those users can still log in,
// never written (verifyPassword flags every match for an argon2id re-hash).
import { compare as bcryptCompare, hash as bcryptHash } from 'bcryptjs';

// Modular crypt format: $2a$, $2b$ or $2y$, a two-digit cost 04..31, 22 characters of salt and
// 31 of hash in bcrypt's base64 alphabet. The three prefixes differ only in bugs of other
// implementations (OpenBSD's length wrap-around at 256 bytes, crypt_blowfish's sign extension,
// tagged $2x$ and not accepted here); for passwords under 256 bytes all three compute the same.
export const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/**
 * bcrypt reads only the first 72 bytes of the password (UTF-8): a legacy password longer than
 * that matches any input with the same first 72 bytes, exactly as it did on the old service. We
 * neither truncate nor refuse such a password (the user could never log in again); a match sets
 * needsRehash, and the argon2id hash written at that first login takes the whole password, so
 * from then on every byte counts. The password is passed as sent, not NFC-normalised: the old
 * service hashed the bytes it received.
 */
export async function bcryptMatches(password: string, hash: string): Promise<boolean> {
  try {
    return await bcryptCompare(password, hash);
  } catch {
    // bcryptjs throws on what it cannot parse (e.g. a salt it rejects): a mismatch, not a bug.
    return false;
  }
}

/**
 * bcrypt(password, setting) for a wrapped hash (bcrypt-wrapped.ts): the full bcrypt string for
 * that setting, or undefined when bcryptjs refuses the setting. Same password bytes as
 * bcryptMatches (as sent, UTF-8, the first 72 bytes).
 */
export async function bcryptWithSetting(
  password: string,
  setting: string,
): Promise<string | undefined> {
  try {
    return await bcryptHash(password, setting);
  } catch {
    return undefined;
  }
}
