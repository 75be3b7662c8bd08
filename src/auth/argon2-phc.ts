// argon2 hashes as stored: PHC strings,
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<tag>   (salt, tag: base64, no padding)
// the format @node-rs/argon2 and the reference implementation write and read, and the bounds on
// the cost such a string (or the configuration) may ask for.
import type { Argon2Derivation, Argon2Variant } from './argon2-wasm.ts';

/** A parsed PHC string: the derivation that produced `tag` from the password and `salt`. */
export interface Argon2Hash extends Argon2Derivation {
  salt: Uint8Array;
  tag: Uint8Array;
}

// Bounds on both the configured cost and any cost read from a stored hash. RFC 9106 §3.1 allows
// far more ("Memory size m MUST be an integer number of kibibytes from 8*p to 2^32-1"), but a
// stored hash is not verified at a cost this service could never have written (the config caps
// ARGON2_MEMORY_KIB at 262,144 and ARGON2_ITERATIONS at 10): such a string is treated as
// malformed instead of tying up the isolate.
export const LIMITS = {
  memoryKib: 262_144,
  iterations: 10,
  parallelism: 16,
  saltBytes: { min: 8, max: 64 }, // RFC 9106: "Salt S MUST have a length from 8 to 2^32-1 bytes"
  tagBytes: { min: 16, max: 64 }, // shorter tags than 128 bits make collisions cheap to find
} as const;

// PHC string format as the reference implementation writes it: parameters in the order m, t, p,
// decimal without leading zeros; no keyid/data. A missing "v=" means version 1.0 (strings
// written before the version field existed).
const ARGON2_HASH =
  /^\$(argon2id|argon2i|argon2d)(?:\$v=(16|19))?\$m=([1-9]\d{0,9}),t=([1-9]\d{0,9}),p=([1-9]\d{0,9})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** undefined for anything malformed or beyond LIMITS: the caller treats it as a mismatch. */
export function parseArgon2Hash(phc: string): Argon2Hash | undefined {
  const match = ARGON2_HASH.exec(phc);
  if (!match) return undefined;
  const [, variant, version, m, t, p, saltB64, tagB64] = match;
  const memoryKib = Number(m);
  const iterations = Number(t);
  const parallelism = Number(p);
  if (
    parallelism > LIMITS.parallelism ||
    iterations > LIMITS.iterations ||
    memoryKib < 8 * parallelism ||
    memoryKib > LIMITS.memoryKib
  ) {
    return undefined;
  }
  const salt = decodeB64(saltB64 ?? '');
  const tag = decodeB64(tagB64 ?? '');
  if (!salt || salt.length < LIMITS.saltBytes.min || salt.length > LIMITS.saltBytes.max) {
    return undefined;
  }
  if (!tag || tag.length < LIMITS.tagBytes.min || tag.length > LIMITS.tagBytes.max) {
    return undefined;
  }
  return {
    variant: variant as Argon2Variant,
    version: version === '19' ? 0x13 : 0x10,
    memoryKib,
    iterations,
    parallelism,
    tagLength: tag.length,
    salt,
    tag,
  };
}

export function encodeArgon2Hash(hash: Argon2Hash): string {
  return (
    `$${hash.variant}$v=${hash.version}` +
    `$m=${hash.memoryKib},t=${hash.iterations},p=${hash.parallelism}` +
    `$${encodeB64(hash.salt)}$${encodeB64(hash.tag)}`
  );
}

/** PHC "B64": standard base64 alphabet (RFC 4648 §4) without padding. */
function encodeB64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, '');
}

/** Only the canonical spelling is accepted (no padding, no stray low bits in the last char). */
function decodeB64(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  let binary: string;
  try {
    binary = atob(text.padEnd(Math.ceil(text.length / 4) * 4, '='));
  } catch {
    return undefined;
  }
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return encodeB64(bytes) === text ? bytes : undefined;
}
