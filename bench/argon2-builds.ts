// Which argon2id build should the Worker run? Compares, at the configured cost, the CPU per hash
// of each candidate in the same workerd as production (bench/argon2-builds-worker.ts, bundled by
// wrangler, served by plain workerd), against @node-rs/argon2 (native) in this Node process, and
// checks that each gives the tag @node-rs/argon2 gives (same password, salt, cost) so its PHC
// strings are interchangeable with the ones stored today.
//   npx tsx bench/argon2-builds.ts [build ...]
// ARGON2_BATCH: hashes per batch (default 10); ARGON2_BATCHES: batches per build (default 5).
// The npm candidates are installed, pinned, into node_modules/argon2-candidates (a package of
// their own there, so that the worker's `argon2-candidates/...` imports resolve; not project
// dependencies: `npm install` may prune it, and the next run puts it back); the clang builds are made there by bench/argon2-wasm/build.sh (needs Debian's
// clang-19, lld-19 and wasi-libc). CPU comes from /proc (bench/cpu.ts): ticks of 10 ms, so each
// batch runs several hashes; a figure is the median of the batches, taken in turns.
import { hashRawSync, verifySync } from '@node-rs/argon2';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuMs, waitIdle } from './cpu.ts';
import { bundle, moduleEntry, pickPorts, readDeploySettings } from './workerd.ts';
import { killGroup } from '../dev/wrangler-dev.ts';
import { encodeArgon2Hash } from '../src/auth/argon2-phc.ts';
import { type Bindings, loadConfig } from '../src/config/index.ts';

const root = resolve(import.meta.dirname, '..');
const cacheDir = resolve(root, 'node_modules', 'argon2-candidates');
const workerdBin = resolve(root, 'node_modules', 'workerd', 'bin', 'workerd');

// The candidates from npm, pinned: what the worker imports under argon2-candidates/node_modules.
const CANDIDATES: Record<string, string> = {
  'hash-wasm': '4.13.0',
  'argon2-wasm-edge': '1.0.23',
  argon2id: '1.0.1',
  'argon2-browser': '1.18.0',
  'worker-password-auth': '1.0.0',
  '@noble/hashes': '2.4.0',
};

/** How each build gets its wasm into workerd (what the table's "loads as" column says). */
const LOADS_AS: Record<string, string> = {
  current: '@phi-ag/argon2 .wasm module (emscripten, -msimd128, AVX2 emulated)',
  'hash-wasm': 'inline base64, WebAssembly.compile at run time',
  'argon2-wasm-edge': '.wasm modules via setWASMModules (hash-wasm C, no SIMD)',
  'argon2id-openpgp': '.wasm module (SIMD G) + JS driver',
  'argon2-browser-simd': '.wasm module (emscripten, SSE emulated), own glue',
  'rust-wasm': '.wasm module (Rust argon2 0.5 via wasm-bindgen, no SIMD)',
  'noble-js': 'pure JavaScript',
  'clang-ref': '.wasm module: clang 19, ref.c (no SIMD)',
  'clang-sse-paired': '.wasm module: clang 19, -msimd128, SSE structure',
  'clang-avx2': '.wasm module: clang 19, -msimd128, AVX2 structure',
  'clang-avx2-paired': '.wasm module: clang 19, -msimd128, AVX2 + paired mul',
  'clang-avx512-paired': '.wasm module: clang 19, -msimd128, AVX-512 + paired mul',
};

// Pure JS is some ten times slower: fewer hashes per batch.
const BATCH_OVERRIDE: Record<string, number> = { 'noble-js': 2 };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

function installCandidates(): void {
  const wanted = JSON.stringify(
    { name: 'argon2-candidates', private: true, dependencies: CANDIDATES },
    null,
    2,
  );
  mkdirSync(cacheDir, { recursive: true });
  const manifest = join(cacheDir, 'package.json');
  const installed = Object.keys(CANDIDATES).every((name) =>
    existsSync(join(cacheDir, 'node_modules', name, 'package.json')),
  );
  if (installed && existsSync(manifest) && readFileSync(manifest, 'utf8') === wanted) {
    return;
  }
  writeFileSync(manifest, wanted);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: cacheDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function buildClang(): void {
  execFileSync(
    'bash',
    [resolve(root, 'bench', 'argon2-wasm', 'build.sh'), join(cacheDir, 'clang')],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

interface Served {
  url: string;
  pid: number;
  stop(): void;
}

async function serve(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-auth-argon2-builds-'));
  const settings = readDeploySettings();
  const modules = bundle(join(dir, 'worker'), 'bench/argon2-builds-worker.ts');
  const { worker: port } = await pickPorts();
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (
    modules = [${modules.map((m) => moduleEntry('worker', m)).join(', ')}],
    compatibilityDate = ${JSON.stringify(settings.compatibilityDate)},
    compatibilityFlags = [${settings.compatibilityFlags.map((f) => JSON.stringify(f)).join(', ')}],
  ))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`,
  );
  const child = spawn(workerdBin, ['serve', 'config.capnp', 'config'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const stop = () => {
    killGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/?build=none`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300 || child.exitCode !== null) {
      stop();
      throw new Error('workerd did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!child.pid) throw new Error('workerd has no pid');
  return { url, pid: child.pid, stop };
}

interface Row {
  build: string;
  accepted: boolean;
  note: string;
  interchangeable: string;
  ms?: number;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function main() {
  const only = process.argv.slice(2);
  const batch = Number(process.env.ARGON2_BATCH ?? 10) || 10;
  const batches = Number(process.env.ARGON2_BATCHES ?? 5) || 5;
  // The cost the Worker hashes at: wrangler.toml's [vars] and the config's defaults (ARGON2_*
  // from the environment override them, as `wrangler secret`/[vars] would); the rest only so
  // that the configuration parses.
  const { memoryKib, iterations, parallelism } = loadConfig({
    ...readDeploySettings().vars,
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ARGON2_'))),
    DATABASE_URL: 'postgres://bench@127.0.0.1/bench',
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1',
    UPSTASH_REDIS_REST_TOKEN: 'bench',
    ISSUER: 'http://127.0.0.1',
    KEY_ENCRYPTION_KEY: `bench:${randomBytes(32).toString('base64url')}`,
  } as Bindings).argon2;
  const cost = { memoryKib, iterations, parallelism };
  // Non-ASCII on purpose: a wrapper that passes UTF-16 length as the byte length gets it wrong.
  const password = 'bench passphrase, lang genug — 密码';
  const passwordBytes = new TextEncoder().encode(password);
  const salt = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
  const nativeOptions = {
    algorithm: 2, // Argon2id
    memoryCost: memoryKib,
    timeCost: iterations,
    parallelism,
    outputLen: 32,
  } as const;
  const reference = hex(hashRawSync(passwordBytes, { ...nativeOptions, salt }));

  installCandidates();
  buildClang();
  const target = await serve();
  const rows: Row[] = [];
  try {
    const listed = (await (await fetch(`${target.url}/?build=none`)).json()) as {
      builds: string[];
    };
    const builds = only.length ? listed.builds.filter((b) => only.includes(b)) : listed.builds;
    const query = (build: string, n: number, extra = '') =>
      `${target.url}/?build=${build}&n=${n}&m=${memoryKib}&t=${iterations}&p=${parallelism}` +
      `&password=${hex(passwordBytes)}&salt=${hex(salt)}${extra}`;
    const currentPhc = encodeArgon2Hash({
      variant: 'argon2id',
      version: 0x13,
      ...cost,
      tagLength: 32,
      salt,
      tag: Buffer.from(reference, 'hex'),
    });

    for (const build of builds) {
      // The first request loads the build (and warms the JIT); it also gives the tag to check.
      const first = await fetch(
        query(build, 1, build === 'rust-wasm' ? `&phc=${encodeURIComponent(currentPhc)}` : ''),
      );
      const reply = (await first.json()) as {
        tag?: string;
        phc?: string;
        verifiesCurrent?: boolean;
        error?: string;
      };
      if (!first.ok) {
        rows.push({ build, accepted: false, note: reply.error ?? '', interchangeable: '-' });
        continue;
      }
      let interchangeable: string;
      if (reply.phc !== undefined) {
        const sameCost = reply.phc.includes(`$m=${memoryKib},t=${iterations},p=${parallelism}$`);
        const verifies = verifySync(reply.phc, passwordBytes);
        interchangeable =
          verifies && sameCost && reply.verifiesCurrent
            ? 'yes (its PHC verifies natively, it verifies ours)'
            : `no (verifies: ${verifies}, same cost: ${sameCost}, reads ours: ${reply.verifiesCurrent})`;
      } else {
        const phc = encodeArgon2Hash({
          variant: 'argon2id',
          version: 0x13,
          ...cost,
          tagLength: 32,
          salt,
          tag: Buffer.from(reply.tag ?? '', 'hex'),
        });
        interchangeable =
          reply.tag === reference && verifySync(phc, passwordBytes)
            ? 'yes (same tag; PHC verifies natively)'
            : 'NO: different tag';
      }
      rows.push({ build, accepted: true, note: '', interchangeable });
    }

    // Round robin, one batch of each build in turn, so that load from elsewhere on the machine
    // falls on all of them alike rather than on whichever ran while it lasted.
    const samples = new Map<Row, number[]>();
    for (let b = 0; b < batches; b++) {
      for (const row of rows.filter((r) => r.accepted)) {
        const n = BATCH_OVERRIDE[row.build] ?? batch;
        await waitIdle(target.pid);
        const before = cpuMs(target.pid);
        const res = await fetch(query(row.build, n));
        if (!res.ok) throw new Error(`${row.build}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        samples.set(row, [...(samples.get(row) ?? []), (cpuMs(target.pid) - before) / n]);
      }
    }
    for (const [row, values] of samples) {
      row.ms = median(values);
      console.error(`${row.build}: ${values.map((v) => v.toFixed(1)).join(' ')} ms/hash`);
    }
  } finally {
    target.stop();
  }

  // The native reference, the same way: CPU of this process around a batch of synchronous hashes.
  const native: number[] = [];
  hashRawSync(passwordBytes, { ...nativeOptions, salt });
  for (let b = 0; b < batches; b++) {
    const before = process.cpuUsage();
    for (let i = 0; i < batch; i++) hashRawSync(passwordBytes, { ...nativeOptions, salt });
    const used = process.cpuUsage(before);
    native.push((used.user + used.system) / 1000 / batch);
  }
  const nativeMs = median(native);

  const currentMs = rows.find((r) => r.build === 'current')?.ms;
  console.log(
    `argon2id m=${memoryKib} KiB, t=${iterations}, p=${parallelism}: CPU ms per hash, median of ` +
      `${batches} batches; @node-rs/argon2 (native, Node ${process.version}) ${nativeMs.toFixed(2)} ms`,
  );
  console.log(
    '| build | loads as | accepted by workerd | interchangeable | CPU ms/hash | vs current | vs native |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const ms = r.ms;
    console.log(
      `| ${r.build} | ${LOADS_AS[r.build] ?? '?'} | ${r.accepted ? 'yes' : `no: ${r.note}`} | ` +
        `${r.interchangeable} | ${ms?.toFixed(2) ?? '-'} | ` +
        `${ms !== undefined && currentMs ? `${(ms / currentMs).toFixed(2)}x` : '-'} | ` +
        `${ms !== undefined ? `${(ms / nativeMs).toFixed(2)}x` : '-'} |`,
    );
  }
  console.log(
    `| @node-rs/argon2 | native, in Node | - | reference | ${nativeMs.toFixed(2)} | ` +
      `${currentMs ? `${(nativeMs / currentMs).toFixed(2)}x` : '-'} | 1.00x |`,
  );
}

await main();
