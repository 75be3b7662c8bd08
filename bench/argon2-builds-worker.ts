/// <reference path="../src/types/wrangler-modules.d.ts" />
/// <reference path="./argon2-candidates.d.ts" />
// A Worker for bench/argon2-builds.ts, served by plain workerd and never deployed: the argon2id
// builds it compares, each loaded the way workerd allows (wasm only as modules that wrangler
// bundles as CompiledWasm; a build that compiles wasm from bytes at run time fails here as it
// would on Cloudflare). `GET /?build=NAME&n=N&m=KiB&t=&p=&password=HEX&salt=HEX` runs the build's
// argon2id N times and answers with the tag (hex) of the last run, or the error that stopped it;
// the harness reads the workerd process's CPU around the request (a Worker cannot time itself).
// `build=rust-wasm` answers with a PHC string instead (that package takes no salt and no cost);
// `&phc=` then also asks it to verify a hash the current build wrote.
import { argon2 as current } from '../src/auth/argon2-wasm.ts';
import { argon2id as hashWasm } from 'argon2-candidates/node_modules/hash-wasm/dist/index.esm.js';
import {
  argon2id as edgeArgon2id,
  setWASMModules,
} from 'argon2-candidates/node_modules/argon2-wasm-edge/dist/index.esm.js';
import edgeArgon2Wasm from 'argon2-candidates/node_modules/argon2-wasm-edge/wasm/argon2.wasm';
import edgeBlake2bWasm from 'argon2-candidates/node_modules/argon2-wasm-edge/wasm/blake2b.wasm';
import setupOpenpgp from 'argon2-candidates/node_modules/argon2id/lib/setup.js';
import openpgpSimdWasm from 'argon2-candidates/node_modules/argon2id/dist/simd.wasm';
import browserSimdWasm from 'argon2-candidates/node_modules/argon2-browser/dist/argon2-simd.wasm';
import {
  hashPassword as rustHash,
  verifyPassword as rustVerify,
} from 'argon2-candidates/node_modules/worker-password-auth/web/index.js';
import { argon2id as nobleArgon2id } from 'argon2-candidates/node_modules/@noble/hashes/argon2.js';
import clangRefWasm from 'argon2-candidates/clang/clang-ref.wasm';
import clangSsePairedWasm from 'argon2-candidates/clang/clang-sse-paired.wasm';
import clangAvx2Wasm from 'argon2-candidates/clang/clang-avx2.wasm';
import clangAvx2PairedWasm from 'argon2-candidates/clang/clang-avx2-paired.wasm';
import clangAvx512PairedWasm from 'argon2-candidates/clang/clang-avx512-paired.wasm';

interface Cost {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

const TAG_BYTES = 32;

type Derive = (password: Uint8Array, salt: Uint8Array, cost: Cost) => Promise<Uint8Array>;

/** hash-wasm's options (argon2-wasm-edge takes the same). */
const hashWasmOptions = (password: Uint8Array, salt: Uint8Array, cost: Cost) => ({
  password,
  salt,
  parallelism: cost.parallelism,
  iterations: cost.iterations,
  memorySize: cost.memoryKib,
  hashLength: TAG_BYTES,
  outputType: 'binary' as const,
});

/** The reference C API (argon2.h) as a wasm build exports it, whatever the export names. */
interface CArgon2 {
  memory: WebAssembly.Memory;
  malloc: (size: number) => number;
  free: (ptr: number) => void;
  argon2_hash: (...args: number[]) => number;
}

/** argon2_hash of a C build; its instance made once, on first use. */
function cBuild(instantiate: () => Promise<CArgon2>): Derive {
  let loaded: Promise<CArgon2> | undefined;
  return async (password, salt, cost) => {
    loaded ??= instantiate();
    const c = await loaded;
    const pwd = c.malloc(Math.max(password.length, 1));
    const slt = c.malloc(salt.length);
    const tag = c.malloc(TAG_BYTES);
    try {
      new Uint8Array(c.memory.buffer).set(password, pwd);
      new Uint8Array(c.memory.buffer).set(salt, slt);
      const code = c.argon2_hash(
        cost.iterations,
        cost.memoryKib,
        cost.parallelism,
        pwd,
        password.length,
        slt,
        salt.length,
        tag,
        TAG_BYTES,
        0,
        0,
        2, // Argon2_id
        0x13,
      );
      if (code !== 0) throw new Error(`argon2_hash returned ${code}`);
      return new Uint8Array(c.memory.buffer).slice(tag, tag + TAG_BYTES);
    } finally {
      c.free(pwd);
      c.free(slt);
      c.free(tag);
    }
  };
}

/** A clang build from bench/argon2-wasm/build.sh: a WASI reactor without imports. */
function clangBuild(module: WebAssembly.Module): Derive {
  return cBuild(async () => {
    const instance = await WebAssembly.instantiate(module, {});
    const exports = instance.exports as unknown as CArgon2 & { _initialize: () => void };
    exports._initialize();
    return exports;
  });
}

/** argon2-browser's SIMD build: emscripten, minified exports, two imports of its runtime. */
const argon2BrowserSimd = cBuild(async () => {
  // The instance's own memory, known once it exists; its imports need it.
  const own: { memory?: WebAssembly.Memory } = {};
  const instance = await WebAssembly.instantiate(browserSimdWasm, {
    a: {
      // emscripten_memcpy_big(dest, src, num)
      a: (dest: number, src: number, num: number) => {
        const heap = new Uint8Array(own.memory?.buffer ?? new ArrayBuffer(0));
        heap.copyWithin(dest, src, src + num);
      },
      // emscripten_resize_heap(requestedSize): grow to at least that many bytes.
      b: (requested: number) => {
        const memory = own.memory;
        if (!memory) return 0;
        const pages = Math.ceil((requested - memory.buffer.byteLength) / 65536);
        memory.grow(Math.max(pages, 1));
        return 1;
      },
    },
  });
  const e = instance.exports as Record<string, unknown>;
  const memory = e.c as WebAssembly.Memory;
  own.memory = memory;
  (e.d as () => void)(); // __wasm_call_ctors
  return {
    memory,
    argon2_hash: e.e as CArgon2['argon2_hash'],
    malloc: e.f as CArgon2['malloc'],
    free: e.g as CArgon2['free'],
  };
});

let openpgp: ReturnType<typeof setupOpenpgp> | undefined;
let edgeReady: Promise<void> | undefined;

const BUILDS: Record<string, Derive> = {
  // What the auth Worker runs: src/auth/argon2-wasm.ts (@phi-ag/argon2's .wasm). It wipes the
  // password it is given, so it gets a copy.
  current: (password, salt, cost) =>
    current.derive(password.slice(), salt, {
      variant: 'argon2id',
      version: 0x13,
      ...cost,
      tagLength: TAG_BYTES,
    }),
  // hash-wasm: its wasm is inline base64, compiled with WebAssembly.compile on first use.
  'hash-wasm': (password, salt, cost) => hashWasm(hashWasmOptions(password, salt, cost)),
  // argon2-wasm-edge: hash-wasm's argon2 with setWASMModules() for precompiled modules.
  'argon2-wasm-edge': async (password, salt, cost) => {
    edgeReady ??= setWASMModules({ argon2WASM: edgeArgon2Wasm, blake2bWASM: edgeBlake2bWasm });
    await edgeReady;
    return edgeArgon2id(hashWasmOptions(password, salt, cost));
  },
  // openpgp's argon2id package: its own SIMD wasm for the compression, the rest in JS.
  'argon2id-openpgp': async (password, salt, cost) => {
    const instantiate = async (imports: WebAssembly.Imports) => ({
      instance: await WebAssembly.instantiate(openpgpSimdWasm, imports),
      module: openpgpSimdWasm,
    });
    openpgp ??= setupOpenpgp(instantiate, instantiate);
    const compute = await openpgp;
    return compute({
      password,
      salt,
      parallelism: cost.parallelism,
      passes: cost.iterations,
      memorySize: cost.memoryKib,
      tagLength: TAG_BYTES,
    });
  },
  'argon2-browser-simd': argon2BrowserSimd,
  // @noble/hashes: argon2id in plain JavaScript.
  'noble-js': async (password, salt, cost) =>
    nobleArgon2id(password, salt, {
      t: cost.iterations,
      m: cost.memoryKib,
      p: cost.parallelism,
      dkLen: TAG_BYTES,
    }),
  'clang-ref': clangBuild(clangRefWasm),
  'clang-sse-paired': clangBuild(clangSsePairedWasm),
  'clang-avx2': clangBuild(clangAvx2Wasm),
  'clang-avx2-paired': clangBuild(clangAvx2PairedWasm),
  'clang-avx512-paired': clangBuild(clangAvx512PairedWasm),
};

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text: string) =>
  new Uint8Array((text.match(/../g) ?? []).map((b) => parseInt(b, 16)));

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const build = url.searchParams.get('build') ?? '';
    if (build === 'none') return Response.json({ builds: [...Object.keys(BUILDS), 'rust-wasm'] });
    const n = Math.min(Math.max(Number(url.searchParams.get('n') ?? 1) || 1, 1), 1000);
    const password = unhex(url.searchParams.get('password') ?? '');
    try {
      if (build === 'rust-wasm') {
        // worker-password-auth: the Rust argon2 crate via wasm-bindgen, imported as a module.
        const text = new TextDecoder().decode(password);
        let phc = '';
        for (let i = 0; i < n; i++) phc = await rustHash(text);
        const other = url.searchParams.get('phc');
        const verifiesCurrent = other ? await rustVerify(text, other) : undefined;
        return Response.json({ phc, verifiesCurrent });
      }
      const derive = BUILDS[build];
      if (!derive) return Response.json({ error: `no build ${build}` }, { status: 404 });
      const salt = unhex(url.searchParams.get('salt') ?? '');
      const cost = {
        memoryKib: Number(url.searchParams.get('m')),
        iterations: Number(url.searchParams.get('t')),
        parallelism: Number(url.searchParams.get('p')),
      };
      let tag: Uint8Array = new Uint8Array(0);
      for (let i = 0; i < n; i++) tag = await derive(password, salt, cost);
      return Response.json({ tag: hex(tag) });
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  },
};
