// The argon2 builds bench/argon2-builds-worker.ts compares, as bench/argon2-builds.ts installs them
// (pinned, in node_modules/argon2-candidates; never dependencies of the project). Declared here so
// that the typechecks pass where they are not installed; only what the worker calls. A script file
// (no import/export), so that these are declarations, not augmentations.

/** The options of hash-wasm's argon2id, which argon2-wasm-edge shares (a fork of its C). */
interface HashWasmArgon2Options {
  password: Uint8Array;
  salt: Uint8Array;
  parallelism: number;
  iterations: number;
  memorySize: number;
  hashLength: number;
  outputType: 'binary';
}

declare module 'argon2-candidates/node_modules/hash-wasm/dist/index.esm.js' {
  export function argon2id(options: HashWasmArgon2Options): Promise<Uint8Array>;
}

declare module 'argon2-candidates/node_modules/argon2-wasm-edge/dist/index.esm.js' {
  export function argon2id(options: HashWasmArgon2Options): Promise<Uint8Array>;
  export function setWASMModules(modules: {
    argon2WASM: WebAssembly.Module;
    blake2bWASM: WebAssembly.Module;
  }): Promise<void>;
}

declare module 'argon2-candidates/node_modules/argon2id/lib/setup.js' {
  type Instantiate = (
    imports: WebAssembly.Imports,
  ) => Promise<{ instance: WebAssembly.Instance; module: WebAssembly.Module }>;
  export default function setupWasm(
    getSIMD: Instantiate,
    getNonSIMD: Instantiate,
  ): Promise<
    (params: {
      password: Uint8Array;
      salt: Uint8Array;
      parallelism: number;
      passes: number;
      memorySize: number;
      tagLength: number;
    }) => Uint8Array
  >;
}

declare module 'argon2-candidates/node_modules/worker-password-auth/web/index.js' {
  /** argon2id at the Rust argon2 crate's defaults (m=19456, t=2, p=1), a PHC string. */
  export function hashPassword(password: string): Promise<string>;
  export function verifyPassword(password: string, hash: string): Promise<boolean>;
}

declare module 'argon2-candidates/node_modules/@noble/hashes/argon2.js' {
  export function argon2id(
    password: Uint8Array,
    salt: Uint8Array,
    opts: { t: number; m: number; p: number; dkLen: number },
  ): Uint8Array;
}
