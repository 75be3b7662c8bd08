// bcrypt hashes of the old service, wrapped in argon2id so that none is stored bare:
//
//   $edge-bcrypt-argon2id$2b$12$<22-char bcrypt salt>$argon2id$v=19$m=...,t=...,p=...$<salt>$<tag>
//
// i.e. the bcrypt setting (variant, cost, salt) followed by an argon2id PHC string of the bcrypt
// digest (the 31 characters after the salt). Verifying recomputes bcrypt(password, setting), then
// argon2id over its digest, and compares tags (src/auth/passwords.ts). A leaked row therefore
// costs an attacker bcrypt AND argon2id per guess, and the bcrypt digest, which alone would let
// them run bcrypt only, is not in the database. Written by `npm run user -- import` and
// `npm run user -- wrap-legacy` (scripts/user.ts); the first successful login replaces it with a
// plain argon2id hash of the password. This module is only the format, so Node and the Worker
// share it without the Worker's wasm.
import { BCRYPT_HASH } from './bcrypt-legacy.ts';
import { InvariantError } from '../shared/errors.ts';

export const WRAPPED_BCRYPT_PREFIX = '$edge-bcrypt-argon2id';

const WRAPPED_BCRYPT =
  /^\$edge-bcrypt-argon2id(\$2[aby]\$(?:0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{22})(\$argon2id\$v=19\$.+)$/;

/** `$2b$12$` + 22 salt characters: what bcrypt needs to recompute a digest. */
const SETTING_LENGTH = 29;

export interface WrappedBcrypt {
  /** The bcrypt setting: `$2b$12$<salt>`, as bcrypt's hash(password, salt) takes it. */
  setting: string;
  /** argon2id PHC string over the UTF-8 (ASCII) bytes of the 31-character bcrypt digest. */
  argon2: string;
}

export function parseWrappedBcrypt(stored: string): WrappedBcrypt | undefined {
  const match = WRAPPED_BCRYPT.exec(stored);
  if (!match?.[1] || !match[2]) return undefined;
  return { setting: match[1], argon2: match[2] };
}

/** The digest part of a full bcrypt hash (or of bcrypt's output for a setting). */
export function bcryptDigest(fullHash: string): string {
  return fullHash.slice(SETTING_LENGTH);
}

/**
 * Wraps a bare bcrypt hash; `argon2idOf` hashes the digest (the caller's argon2id: @node-rs in the
 * CLI, the wasm one in the Worker) and returns its PHC string. Throws on anything but bcrypt.
 */
export async function wrapBcryptHash(
  bcryptHash: string,
  argon2idOf: (digest: Uint8Array) => Promise<string>,
): Promise<string> {
  if (!BCRYPT_HASH.test(bcryptHash)) throw new InvariantError('not a bcrypt hash');
  const phc = await argon2idOf(new TextEncoder().encode(bcryptDigest(bcryptHash)));
  if (!phc.startsWith('$argon2id$v=19$'))
    throw new InvariantError('argon2idOf must return argon2id v1.3');
  return `${WRAPPED_BCRYPT_PREFIX}${bcryptHash.slice(0, SETTING_LENGTH)}${phc}`;
}
