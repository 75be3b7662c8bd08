// The argon2 computation: the reference C implementation compiled to wasm, shipped by
// @phi-ag/argon2. We use its .wasm but not its JS wrapper: the wrapper encodes the password as
// UTF-8 yet passes `password.length` (UTF-16 code units) as the byte length, so every non-ASCII
// password is hashed truncated (a six-character Chinese password by its first 6 of 18 bytes) and
// no other argon2 implementation computes the same tag. Here the C API gets the real byte length.
//
// Loading: workerd refuses to compile wasm from bytes at run time. wrangler's default module rules
// bundle **/*.wasm as CompiledWasm, i.e. the import below is an already compiled
// WebAssembly.Module that we only instantiate; the vitest pool applies the same rules (the type
// comes from src/types/wrangler-modules.d.ts).
import argon2Wasm from '@phi-ag/argon2/argon2.wasm';
import { InvariantError } from '../shared/errors.ts';

export type Argon2Variant = 'argon2d' | 'argon2i' | 'argon2id';

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

const VARIANT_IDS: Record<Argon2Variant, number> = { argon2d: 0, argon2i: 1, argon2id: 2 };

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
      if (!pwdPtr || !saltPtr || !tagPtr) throw new InvariantError('argon2: wasm malloc failed');
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
        0, // no encoded output: the PHC string is written by argon2-phc.ts, from the raw tag
        0,
        VARIANT_IDS[derivation.variant],
        derivation.version,
      );
      // The call may have grown linear memory, which detaches earlier views of its buffer.
      const after = new Uint8Array(wasm.memory.buffer);
      if (code !== 0) {
        throw new InvariantError(
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
  // Typed as a Module, but checked: a bundler without the CompiledWasm rule hands over bytes or a
  // URL, and this says so instead of failing inside WebAssembly.instantiate.
  const compiled: unknown = argon2Wasm;
  if (!(compiled instanceof WebAssembly.Module)) {
    throw new InvariantError(
      '@phi-ag/argon2/argon2.wasm was not bundled as a WebAssembly.Module ' +
        '(wrangler module rule type "CompiledWasm" for **/*.wasm)',
    );
  }
  const instance = await WebAssembly.instantiate(compiled, {});
  const exports = instance.exports as unknown as Argon2Exports;
  for (const name of ['_initialize', 'malloc', 'free', 'argon2_hash', 'argon2_error_message']) {
    if (typeof exports[name as keyof Argon2Exports] !== 'function') {
      throw new InvariantError(`argon2.wasm does not export ${name}`);
    }
  }
  // An Emscripten "reactor": runs the C runtime's constructors once.
  exports._initialize();
  return exports;
}

/** A NUL-terminated string in linear memory (argon2_error_message's reply). */
function readCString(heap: Uint8Array, ptr: number): string {
  const end = heap.indexOf(0, ptr);
  return new TextDecoder().decode(heap.subarray(ptr, end === -1 ? ptr : end));
}
