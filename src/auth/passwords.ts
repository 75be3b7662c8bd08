// Password hashing. New hashes are argon2id (RFC 9106) as PHC strings,
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<tag>   (salt, tag: base64, no padding)
// the format @node-rs/argon2 and the reference implementation write and read. bcrypt hashes
// imported from the old FastAPI service ($2a$/$2b$/$2y$) still verify and are flagged for re-hash,
// as are argon2 hashes weaker than the configured cost.
//
// The argon2 code is the reference C implementation compiled to wasm, shipped by @phi-ag/argon2.
// We use its .wasm but not its JS wrapper: the wrapper encodes the password as UTF-8 yet passes
// `password.length` (UTF-16 code units) as the byte length, so every non-ASCII password is hashed
// truncated (a six-character Chinese password by its first 6 of 18 bytes) and no other argon2
// implementation computes the same tag. Here the C API gets the real byte length.
//
// Loading: workerd refuses to compile wasm from bytes at run time. wrangler's default module rules
// bundle **/*.wasm as CompiledWasm, i.e. the import below is an already compiled
// WebAssembly.Module that we only instantiate; the vitest pool applies the same rules.
// @ts-expect-error -- a wrangler CompiledWasm module; TypeScript has no declaration for .wasm.
import argon2Wasm from '@phi-ag/argon2/argon2.wasm';
import { compare as bcryptCompare } from 'bcryptjs';
import type { Argon2Params } from '../config/index.ts';

export interface PasswordCheck {
  ok: boolean;
  /** The password matched a hash weaker than what hashPassword writes now: store a new one. */
  needsRehash: boolean;
}

type Argon2Variant = 'argon2d' | 'argon2i' | 'argon2id';

/** What one argon2 computation takes besides the password and salt. */
export interface Argon2Derivation {
  variant: Argon2Variant;
  /** 0x10 (1.0) or 0x13 (1.3, the version RFC 9106 specifies). */
  version: 0x10 | 0x13;
  memoryKib: number;
  iterations: number;
  parallelism: number;
  tagLength: number;
}

interface Argon2Hash extends Argon2Derivation {
  salt: Uint8Array;
  tag: Uint8Array;
}

// RFC 9106 §3.1: "The salt SHOULD be unique for each password. 128 bits is recommended for
// password hashing." The 32-byte tag is what @node-rs/argon2 and the OWASP examples use.
const SALT_BYTES = 16;
const TAG_BYTES = 32;
const VERSION_13 = 0x13;
const VARIANT_IDS: Record<Argon2Variant, number> = { argon2d: 0, argon2i: 1, argon2id: 2 };

// Bounds on both the configured cost and any cost read from a stored hash. RFC 9106 §3.1 allows
// far more ("Memory size m MUST be an integer number of kibibytes from 8*p to 2^32-1"), but a
// stored hash is not verified at a cost this service could never have written (the config caps
// ARGON2_MEMORY_KIB at 262,144 and ARGON2_ITERATIONS at 10): such a string is treated as
// malformed instead of tying up the isolate.
const LIMITS = {
  memoryKib: 262_144,
  iterations: 10,
  parallelism: 16,
  saltBytes: { min: 8, max: 64 }, // RFC 9106: "Salt S MUST have a length from 8 to 2^32-1 bytes"
  tagBytes: { min: 16, max: 64 }, // shorter tags than 128 bits make collisions cheap to find
} as const;

/** Hashes a new password: argon2id v1.3 with the configured cost, a fresh salt, a PHC string. */
export async function hashPassword(password: string, params: Argon2Params): Promise<string> {
  assertArgon2Params(params);
  const derivation: Argon2Derivation = {
    variant: 'argon2id',
    version: VERSION_13,
    ...pickParams(params),
    tagLength: TAG_BYTES,
  };
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const tag = await argon2.derive(passwordBytes(password), salt, derivation);
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
    const { salt, tag, ...derivation } = parsed;
    const derived = await argon2.derive(passwordBytes(password), salt, derivation);
    // Workers' crypto.subtle.timingSafeEqual is constant-time over equal lengths; the length
    // comes from the stored hash and is no secret.
    const ok = crypto.subtle.timingSafeEqual(derived, tag);
    return { ok, needsRehash: ok && isWeakerThanConfigured(parsed, params) };
  }
  if (BCRYPT_HASH.test(storedHash)) {
    const ok = await bcryptMatches(password, storedHash);
    return { ok, needsRehash: ok };
  }
  return { ok: false, needsRehash: false };
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
 * The one place argon2 runs, as an object so tests can observe the calls (vi.spyOn) and check
 * that the unknown-email path does the work of a real verification. Returns the raw tag; wipes
 * `password` (the caller's UTF-8 bytes) when done.
 */
export const argon2 = {
  async derive(
    password: Uint8Array,
    salt: Uint8Array,
    derivation: Argon2Derivation,
  ): Promise<Uint8Array> {
    const wasm = await loadArgon2();
    // malloc(0) may return 0; the C code wants a valid pointer whenever the length is non-zero.
    const pwdPtr = wasm.malloc(Math.max(password.length, 1));
    const saltPtr = wasm.malloc(salt.length);
    const tagPtr = wasm.malloc(derivation.tagLength);
    try {
      if (!pwdPtr || !saltPtr || !tagPtr) throw new Error('argon2: wasm malloc failed');
      const heap = new Uint8Array(wasm.memory.buffer);
      heap.set(password, pwdPtr);
      heap.set(salt, saltPtr);
      const code = wasm.argon2_hash(
        derivation.iterations,
        derivation.memoryKib,
        derivation.parallelism,
        pwdPtr,
        password.length,
        saltPtr,
        salt.length,
        tagPtr,
        derivation.tagLength,
        0, // no encoded output: the PHC string is written here, from the raw tag
        0,
        VARIANT_IDS[derivation.variant],
        derivation.version,
      );
      // The call may have grown linear memory, which detaches earlier views of its buffer.
      const after = new Uint8Array(wasm.memory.buffer);
      if (code !== 0) {
        throw new Error(
          `argon2_hash failed: ${readCString(after, wasm.argon2_error_message(code))}`,
        );
      }
      return after.slice(tagPtr, tagPtr + derivation.tagLength);
    } finally {
      // Leave no copy of the password in linear memory (the C code wipes its own blocks).
      if (pwdPtr) new Uint8Array(wasm.memory.buffer).fill(0, pwdPtr, pwdPtr + password.length);
      password.fill(0);
      wasm.free(pwdPtr);
      wasm.free(saltPtr);
      wasm.free(tagPtr);
    }
  },
};

/**
 * RFC 8265 (PRECIS OpaqueString, the profile for passwords) §4.2.2: "Unicode Normalization Form
 * C (NFC) MUST be applied to all strings", so "é" typed as e + U+0301 on one keyboard matches "é"
 * typed as U+00E9 on another. Applied to every argon2 hash and check; the password policy counts
 * characters in the same form. bcrypt hashes get the password as sent (see bcryptMatches).
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
    throw new Error(
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

// PHC string format as the reference implementation writes it: parameters in the order m, t, p,
// decimal without leading zeros; no keyid/data. A missing "v=" means version 1.0 (strings
// written before the version field existed).
const ARGON2_HASH =
  /^\$(argon2id|argon2i|argon2d)(?:\$v=(16|19))?\$m=([1-9]\d{0,9}),t=([1-9]\d{0,9}),p=([1-9]\d{0,9})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parseArgon2Hash(phc: string): Argon2Hash | undefined {
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

function encodeArgon2Hash(hash: Argon2Hash): string {
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

// Modular crypt format: $2a$, $2b$ or $2y$, a two-digit cost 04..31, 22 characters of salt and
// 31 of hash in bcrypt's base64 alphabet. The three prefixes differ only in bugs of other
// implementations (OpenBSD's length wrap-around at 256 bytes, crypt_blowfish's sign extension,
// tagged $2x$ and not accepted here); for passwords under 256 bytes all three compute the same.
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/**
 * bcrypt reads only the first 72 bytes of the password (UTF-8): a legacy password longer than
 * that matches any input with the same first 72 bytes, exactly as it did on the old service. We
 * neither truncate nor refuse such a password (the user could never log in again); a match sets
 * needsRehash, and the argon2id hash written at that first login takes the whole password, so
 * from then on every byte counts. The password is passed as sent, not NFC-normalised: the old
 * service hashed the bytes it received.
 */
async function bcryptMatches(password: string, hash: string): Promise<boolean> {
  try {
    return await bcryptCompare(password, hash);
  } catch {
    // bcryptjs throws on what it cannot parse (e.g. a salt it rejects): a mismatch, not a bug.
    return false;
  }
}

interface Argon2Exports {
  memory: WebAssembly.Memory;
  _initialize: () => void;
  malloc: (size: number) => number;
  free: (ptr: number) => void;
  argon2_hash: (
    tCost: number,
    mCost: number,
    parallelism: number,
    pwd: number,
    pwdLen: number,
    salt: number,
    saltLen: number,
    hash: number,
    hashLen: number,
    encoded: number,
    encodedLen: number,
    type: number,
    version: number,
  ) => number;
  argon2_error_message: (code: number) => number;
}

let argon2Instance: Promise<Argon2Exports> | undefined;

/** One instance per isolate, created on first use (a JWKS request never pays for it). */
function loadArgon2(): Promise<Argon2Exports> {
  argon2Instance ??= instantiateArgon2().catch((error: unknown) => {
    argon2Instance = undefined;
    throw error;
  });
  return argon2Instance;
}

async function instantiateArgon2(): Promise<Argon2Exports> {
  const compiled: unknown = argon2Wasm;
  if (!(compiled instanceof WebAssembly.Module)) {
    throw new Error(
      '@phi-ag/argon2/argon2.wasm was not bundled as a WebAssembly.Module ' +
        '(wrangler module rule type "CompiledWasm" for **/*.wasm)',
    );
  }
  const instance = await WebAssembly.instantiate(compiled, {});
  const exports = instance.exports as unknown as Argon2Exports;
  for (const name of ['_initialize', 'malloc', 'free', 'argon2_hash', 'argon2_error_message']) {
    if (typeof exports[name as keyof Argon2Exports] !== 'function') {
      throw new Error(`argon2.wasm does not export ${name}`);
    }
  }
  // An Emscripten "reactor": runs the C runtime's constructors once.
  exports._initialize();
  return exports;
}

function readCString(heap: Uint8Array, ptr: number): string {
  const end = heap.indexOf(0, ptr);
  return new TextDecoder().decode(heap.subarray(ptr, end === -1 ? ptr : end));
}
