// Interop fixtures between our Worker's argon2 (src/auth/passwords.ts, wasm in workerd) and
// @node-rs/argon2 (native, Node): `npx tsx scripts/argon2-fixtures.ts` rewrites
// test/fixtures/argon2-interop.json with
// - "workerd": hashes made by hashPassword running in real workerd (through wrangler, with the
//   same bundling rules as deploy), which test/node/password-interop.test.ts verifies with
//   @node-rs/argon2;
// - "node": hashes made by @node-rs/argon2 here, which test/worker/passwords-hashing.test.ts verifies
//   with verifyPassword inside workerd.
// Each entry carries its password. The salts are random, so every run writes different strings;
// any run's output is valid. The Node test also makes fresh hashes in both directions on every
// run with startPasswordWorker() below, so the fixtures are a fixed record, not the only check.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Algorithm, hash, type Options, type Version } from '@node-rs/argon2';
import { unstable_startWorker } from 'wrangler';
import type { Argon2Params } from '../src/config/index.ts';

// @node-rs/argon2 declares Algorithm and Version as const enums, which verbatimModuleSyntax cannot
// read as values; these are their declared numbers, checked against the enum types.
export const ARGON2ID: Algorithm.Argon2id = 2;
const ARGON2I: Algorithm.Argon2i = 1;
const VERSION_0X10: Version.V0x10 = 0;

const root = resolve(import.meta.dirname, '..');
export const FIXTURE_PATH = resolve(root, 'test/fixtures/argon2-interop.json');

/** ARGON2_* defaults in src/config/index.ts (OWASP minimum for argon2id). */
export const DEFAULT_PARAMS: Argon2Params = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

/** Passwords both sides hash; all NFC (our side normalises, @node-rs/argon2 does not). */
export const INTEROP_PASSWORDS = [
  'correct horse battery staple',
  'pässwörd-Ünïcödé',
  '密码密码密码密码',
  'emoji 😀🔐 and a tail',
  'x'.repeat(128),
];

interface NodeCase {
  password: string;
  options: Options;
  /** What verifyPassword must answer at DEFAULT_PARAMS. */
  needsRehash: boolean;
  why: string;
}

const NODE_CASES: NodeCase[] = [
  ...INTEROP_PASSWORDS.map((password) => ({
    password,
    options: { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 },
    needsRehash: false,
    why: 'the configured defaults',
  })),
  {
    password: 'stronger memory and passes',
    options: { algorithm: ARGON2ID, memoryCost: 32_768, timeCost: 3, parallelism: 1 },
    needsRehash: false,
    why: 'above the defaults in m and t',
  },
  {
    password: 'fewer kibibytes',
    options: { algorithm: ARGON2ID, memoryCost: 8_192, timeCost: 2, parallelism: 1 },
    needsRehash: true,
    why: 'lower m',
  },
  {
    password: 'four lanes',
    options: { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 4 },
    needsRehash: true,
    why: 'different p',
  },
  {
    password: 'argon2i variant',
    options: { algorithm: ARGON2I, memoryCost: 19_456, timeCost: 2, parallelism: 1 },
    needsRehash: true,
    why: 'argon2i, not argon2id',
  },
  {
    password: 'old version',
    options: {
      algorithm: ARGON2ID,
      version: VERSION_0X10,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    },
    needsRehash: true,
    why: 'version 0x10',
  },
];

export interface InteropFixtures {
  about: string;
  workerd: { password: string; hash: string }[];
  node: { password: string; hash: string; needsRehash: boolean; why: string }[];
}

export interface PasswordWorker {
  hash(password: string, params?: Argon2Params): Promise<string>;
  verify(
    password: string,
    hash: string,
    params?: Argon2Params,
  ): Promise<{ ok: boolean; needsRehash: boolean }>;
  dispose(): Promise<void>;
}

/**
 * Runs src/auth/passwords.ts in workerd behind a two-route fetch handler, bundled by wrangler
 * like the real Worker (so the .wasm import is a CompiledWasm module, as in deploy).
 */
export async function startPasswordWorker(): Promise<PasswordWorker> {
  // Offline hygiene (shared/FACTS.md): no metrics, no Request.cf download, config under .wrangler.
  process.env.WRANGLER_SEND_METRICS = 'false';
  process.env.WRANGLER_SEND_ERROR_REPORTS = 'false';
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
  process.env.XDG_CONFIG_HOME ??= resolve(root, '.wrangler', 'config-home');
  const dir = mkdtempSync(join(tmpdir(), 'password-worker-'));
  const entry = join(dir, 'entry.ts');
  const passwordsModule = resolve(root, 'src/auth/passwords.ts');
  writeFileSync(
    entry,
    `import { hashPassword, verifyPassword } from ${JSON.stringify(passwordsModule)};
export default {
  async fetch(request) {
    const body = await request.json();
    const { pathname } = new URL(request.url);
    if (pathname === '/hash') return Response.json(await hashPassword(body.password, body.params));
    if (pathname === '/verify') {
      return Response.json(await verifyPassword(body.password, body.hash, body.params));
    }
    return new Response('not found', { status: 404 });
  },
};
`,
  );
  const worker = await unstable_startWorker({
    name: 'password-interop',
    entrypoint: entry,
    // Same date as wrangler.toml (the newest workerd 1.20260426.1 supports).
    compatibilityDate: '2026-05-01',
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, logLevel: 'warn' },
  });
  const call = async (path: string, body: unknown): Promise<unknown> => {
    const response = await worker.fetch(`http://worker${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    hash: async (password, params = DEFAULT_PARAMS) =>
      (await call('/hash', { password, params })) as string,
    verify: async (password, storedHash, params = DEFAULT_PARAMS) =>
      (await call('/verify', { password, hash: storedHash, params })) as {
        ok: boolean;
        needsRehash: boolean;
      },
    async dispose() {
      await worker.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function generate(): Promise<InteropFixtures> {
  const node = [];
  for (const { password, options, needsRehash, why } of NODE_CASES) {
    node.push({ password, hash: await hash(password, options), needsRehash, why });
  }
  const worker = await startPasswordWorker();
  try {
    const workerd = [];
    for (const password of INTEROP_PASSWORDS) {
      workerd.push({ password, hash: await worker.hash(password) });
    }
    return {
      about:
        'Generated by `npx tsx scripts/argon2-fixtures.ts`: "workerd" hashes come from ' +
        'src/auth/passwords.ts hashPassword in workerd, "node" hashes from @node-rs/argon2 ' +
        '(needsRehash: what verifyPassword answers at m=19456,t=2,p=1). Test passwords only.',
      workerd,
      node,
    };
  } finally {
    await worker.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fixtures = await generate();
  writeFileSync(FIXTURE_PATH, `${JSON.stringify(fixtures, null, 2)}\n`);
  console.log(
    `wrote ${fixtures.workerd.length} workerd and ${fixtures.node.length} node hashes to ${FIXTURE_PATH}`,
  );
}
