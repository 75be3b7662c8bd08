// Password hashing, the entry point for accounts.ts. New hashes are argon2id (RFC 9106) as PHC
// strings (argon2-phc.ts), computed by the reference C implementation as wasm (argon2-wasm.ts).
// bcrypt hashes imported from the old FastAPI service ($2a$/$2b$/$2y$, bcrypt-legacy.ts) still
// verify and are flagged for re-hash, as are argon2 hashes weaker than the configured cost.
import type { Argon2Params } from '../config/index.ts';
import { encodeArgon2Hash, LIMITS, parseArgon2Hash, type Argon2Hash } from './argon2-phc.ts';
import { argon2, type Argon2Derivation } from './argon2-wasm.ts';
import { BCRYPT_HASH, bcryptMatches, bcryptWithSetting } from './bcrypt-legacy.ts';
import {
  bcryptDigest,
  parseWrappedBcrypt,
  WRAPPED_BCRYPT_PREFIX,
  wrapBcryptHash,
} from './bcrypt-wrapped.ts';
import { InvariantError } from '../shared/errors.ts';

// Re-exported so this stays the one module to import: tests spy on argon2.derive through it.
export { argon2, type Argon2Derivation };

export interface PasswordCheck {
  ok: boolean;
  /** The password matched a hash weaker than what hashPassword writes now: store a new one. */
  needsRehash: boolean;
}

// RFC 9106 §3.1: "The salt SHOULD be unique for each password. 128 bits is recommended for
// password hashing." The 32-byte tag is what @node-rs/argon2 and the OWASP examples use.
const SALT_BYTES = 16;
const TAG_BYTES = 32;
const VERSION_13 = 0x13;

/** Hashes a new password: argon2id v1.3 with the configured cost, a fresh salt, a PHC string. */
export async function hashPassword(password: string, params: Argon2Params): Promise<string> {
  assertArgon2Params(params);
  return argon2idPhc(passwordBytes(password), params);
}

/** argon2id v1.3 of `input` at the configured cost with a fresh salt, as a PHC string. */
async function argon2idPhc(input: Uint8Array, params: Argon2Params): Promise<string> {
  const derivation: Argon2Derivation = {
    variant: 'argon2id',
    version: VERSION_13,
    ...pickParams(params),
    tagLength: TAG_BYTES,
  };
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const tag = await argon2.derive(input, salt, derivation);
  return encodeArgon2Hash({ ...derivation, salt, tag });
}

/**
 * Checks a password against a stored hash: argon2 PHC strings at whatever cost they encode, or
 * legacy bcrypt. A hash that cannot be parsed never matches (`ok: false`, nothing thrown): a
 * broken row must not turn a login into a 500. Invalid `params` are a bug and throw.
 */
export async function verifyPassword(
  password: string,
  storedHash: string,
  params: Argon2Params,
): Promise<PasswordCheck> {
  assertArgon2Params(params);
  if (storedHash.startsWith('$argon2')) {
    const parsed = parseArgon2Hash(storedHash);
    if (!parsed) return { ok: false, needsRehash: false };
    const ok = await argon2Matches(passwordBytes(password), parsed);
    return { ok, needsRehash: ok && isWeakerThanConfigured(parsed, params) };
  }
  if (storedHash.startsWith(WRAPPED_BCRYPT_PREFIX)) {
    // An imported bcrypt hash wrapped in argon2id (bcrypt-wrapped.ts): bcrypt, then argon2id.
    const wrapped = parseWrappedBcrypt(storedHash);
    const parsed = wrapped && parseArgon2Hash(wrapped.argon2);
    if (!wrapped || !parsed) return { ok: false, needsRehash: false };
    const full = await bcryptWithSetting(password, wrapped.setting);
    if (full === undefined) return { ok: false, needsRehash: false };
    const ok = await argon2Matches(new TextEncoder().encode(bcryptDigest(full)), parsed);
    return { ok, needsRehash: ok };
  }
  // A bare bcrypt hash: a row imported before wrapping existed and not yet wrapped by
  // `npm run user -- wrap-legacy`. Still accepted, so no imported user is locked out.
  if (BCRYPT_HASH.test(storedHash)) {
    const ok = await bcryptMatches(password, storedHash);
    return { ok, needsRehash: ok };
  }
  return { ok: false, needsRehash: false };
}

async function argon2Matches(input: Uint8Array, hash: Argon2Hash): Promise<boolean> {
  const { salt, tag, ...derivation } = hash;
  const derived = await argon2.derive(input, salt, derivation);
  // Workers' crypto.subtle.timingSafeEqual is constant-time over equal lengths; the length
  // comes from the stored hash and is no secret.
  return crypto.subtle.timingSafeEqual(derived, tag);
}

/** A bare bcrypt hash wrapped in argon2id at the configured cost, as the import CLI writes it. */
export async function wrapLegacyHash(bcryptHash: string, params: Argon2Params): Promise<string> {
  assertArgon2Params(params);
  return wrapBcryptHash(bcryptHash, (digest) => argon2idPhc(digest, params));
}

// One dummy hash per isolate and cost: its salt and tag are random, so no password is known to
// match it (2^-256), and it is built from random bytes instead of hashed, so creating it costs
// nothing and the first unknown-email login is not slower than later ones.
const dummyHashes = new Map<string, string>();

/**
 * The unknown-email login path: the same work as verifyPassword against a real hash at the
 * configured cost (same parsing, NFC, derivation, comparison), so the response time does not
 * tell whether the account exists. Better Auth does the same "to prevent timing attacks from
 * revealing valid email addresses". The outcome is discarded; the caller refuses anyway.
 */
export async function burnPasswordCheck(password: string, params: Argon2Params): Promise<void> {
  assertArgon2Params(params);
  const key = `${params.memoryKib},${params.iterations},${params.parallelism}`;
  let dummy = dummyHashes.get(key);
  if (dummy === undefined) {
    dummy = encodeArgon2Hash({
      variant: 'argon2id',
      version: VERSION_13,
      ...pickParams(params),
      tagLength: TAG_BYTES,
      salt: crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
      tag: crypto.getRandomValues(new Uint8Array(TAG_BYTES)),
    });
    dummyHashes.set(key, dummy);
  }
  await verifyPassword(password, dummy, params);
}

/**
 * RFC 8265 (PRECIS OpaqueString, the profile for passwords) §4.2.2: "Unicode Normalization Form
 * C (NFC) MUST be applied to all strings", so "é" typed as e + U+0301 on one keyboard matches "é"
 * typed as U+00E9 on another. Applied to every argon2 hash and check; the password policy counts
 * characters in the same form. bcrypt hashes get the password as sent (see bcryptMatches in
 * bcrypt-legacy.ts).
 */
function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFC'));
}

function pickParams(params: Argon2Params): Pick<Argon2Derivation, keyof Argon2Params> {
  return {
    memoryKib: params.memoryKib,
    iterations: params.iterations,
    parallelism: params.parallelism,
  };
}

function assertArgon2Params(params: Argon2Params): void {
  const { memoryKib, iterations, parallelism } = params;
  const valid =
    Number.isInteger(parallelism) &&
    parallelism >= 1 &&
    parallelism <= LIMITS.parallelism &&
    Number.isInteger(iterations) &&
    iterations >= 1 &&
    iterations <= LIMITS.iterations &&
    Number.isInteger(memoryKib) &&
    memoryKib >= 8 * parallelism &&
    memoryKib <= LIMITS.memoryKib;
  if (!valid) {
    throw new InvariantError(
      `invalid argon2 parameters m=${memoryKib},t=${iterations},p=${parallelism}: need ` +
        `1 <= p <= ${LIMITS.parallelism}, 1 <= t <= ${LIMITS.iterations}, ` +
        `8*p <= m <= ${LIMITS.memoryKib}`,
    );
  }
}

/** Lower memory or passes, other lanes, variant or version, or shorter salt or tag. */
function isWeakerThanConfigured(hash: Argon2Hash, params: Argon2Params): boolean {
  return (
    hash.variant !== 'argon2id' ||
    hash.version !== VERSION_13 ||
    hash.memoryKib < params.memoryKib ||
    hash.iterations < params.iterations ||
    hash.parallelism !== params.parallelism ||
    hash.salt.length < SALT_BYTES ||
    hash.tag.length < TAG_BYTES
  );
}
