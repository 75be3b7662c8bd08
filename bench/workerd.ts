// The production runtime for the bench: the bundle `wrangler deploy --dry-run` produces, served by
// plain `workerd serve` (node_modules/workerd) with nothing in front, so the process's CPU is the
// Worker's own. The same process serves bench/floor-worker.ts on a second socket: its crypto runs
// in the same V8, the same build of BoringSSL and the same argon2 wasm as the auth Worker's.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { killGroup, wranglerEnv } from '../dev/wrangler-dev.ts';

const root = resolve(import.meta.dirname, '..');
const workerdBin = resolve(root, 'node_modules', 'workerd', 'bin', 'workerd');

export interface WorkerdServe {
  url: string;
  floorUrl: string;
  /** The workerd process: its /proc/<pid>/stat is the Worker's CPU. */
  pid: number;
  /** With `inspector`: the DevTools endpoint (`/json` lists one target per service). */
  inspectorUrl?: string;
  /** The auth Worker's bundle (its `.map` lies next to it); deleted by stop(). */
  bundle: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** What wrangler.toml gives every deployment: the compatibility settings and the [vars]. */
export interface DeploySettings {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

/** Reads the few wrangler.toml keys the runtime needs; refuses forms it does not understand. */
export function readDeploySettings(file = resolve(root, 'wrangler.toml')): DeploySettings {
  const settings: DeploySettings = { compatibilityDate: '', compatibilityFlags: [], vars: {} };
  let table = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[+([^\]]+)\]+$/.exec(line);
    if (header) {
      table = header[1] ?? '';
      continue;
    }
    const entry = /^([\w-]+)\s*=\s*(.+)$/.exec(line);
    if (!entry) continue;
    const [, key = '', value = ''] = entry;
    if (table === '' && key === 'compatibility_date') {
      settings.compatibilityDate = JSON.parse(value) as string;
    } else if (table === '' && key === 'compatibility_flags') {
      settings.compatibilityFlags = JSON.parse(value) as string[];
    } else if (table === 'vars') {
      if (!value.startsWith('"')) throw new Error(`wrangler.toml [vars] ${key}: only strings`);
      settings.vars[key] = JSON.parse(value) as string;
    }
  }
  if (!settings.compatibilityDate) throw new Error('wrangler.toml has no compatibility_date');
  return settings;
}

/** `wrangler deploy --dry-run --outdir`: the bundle and its .wasm/.txt modules, main first. */
export function bundle(outdir: string, entry?: string): string[] {
  const args = ['wrangler', 'deploy', '--dry-run', '--outdir', outdir];
  if (entry) args.push(entry, '--name', 'edge-auth-bench-floor');
  execFileSync('npx', args, { cwd: root, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const files = readdirSync(outdir).filter((f) => !f.endsWith('.map') && f !== 'README.md');
  const main = files.filter((f) => f.endsWith('.js'));
  if (main.length !== 1) throw new Error(`expected one .js in ${outdir}, got ${main.join(', ')}`);
  return [...main, ...files.filter((f) => !f.endsWith('.js'))];
}

const capnpString = (value: string) => JSON.stringify(value);

export function moduleEntry(dir: string, name: string): string {
  const kind: Record<string, string> = {
    '.js': 'esModule',
    '.wasm': 'wasm',
    '.txt': 'text',
    '.bin': 'data',
  };
  const type = kind[extname(name)];
  if (!type) throw new Error(`no workerd module type for ${name}`);
  return `(name = ${capnpString(name)}, ${type} = embed ${capnpString(`${dir}/${name}`)})`;
}

function workerBlock(
  dir: string,
  modules: string[],
  settings: DeploySettings,
  vars: Record<string, string>,
) {
  const bindings = Object.entries(vars).map(
    ([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`,
  );
  return `(
    modules = [${modules.map((m) => moduleEntry(dir, m)).join(', ')}],
    bindings = [${bindings.join(', ')}],
    compatibilityDate = ${capnpString(settings.compatibilityDate)},
    compatibilityFlags = [${settings.compatibilityFlags.map(capnpString).join(', ')}],
    globalOutbound = "internet",
    cacheApiOutbound = "edge-cache",
  )`;
}

/** A port the OS has just handed out on loopback (free until someone else takes it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function pickPorts(preferred?: number): Promise<{ worker: number; floor: number }> {
  return { worker: preferred ?? (await freePort()), floor: await freePort() };
}

/**
 * Bundles the auth Worker and the floor Worker, writes a workerd config that gives both the
 * deployment's settings plus `vars` (what `wrangler dev --var` would pass), with outbound access
 * to loopback for the local stack and the Cache API on `cachePort`, and serves it until stop().
 */
export async function startWorkerdServe(options: {
  ports: { worker: number; floor: number };
  vars: Record<string, string>;
  /** bench/edge-cache.ts: the Cache API's backend, outside the measured process. */
  cachePort: number;
  /** Opens workerd's inspector (CPU profiles, heap usage) on a free loopback port. */
  inspector?: boolean;
  timeoutMs?: number;
}): Promise<WorkerdServe> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-auth-bench-'));
  const settings = readDeploySettings();
  const vars = { ...settings.vars, ...options.vars };
  const authModules = bundle(join(dir, 'auth'));
  const floorModules = bundle(join(dir, 'floor'), 'bench/floor-worker.ts');
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "auth", worker = ${workerBlock('auth', authModules, settings, vars)}),
    (name = "floor", worker = ${workerBlock('floor', floorModules, settings, vars)}),
    # The local stack listens on 127.0.0.1: the default outbound reaches public addresses only.
    (name = "internet", network = (allow = ["public", "private", "local"])),
    (name = "edge-cache", external = (address = "127.0.0.1:${options.cachePort}", http = ())),
  ],
  sockets = [
    (name = "auth", address = "127.0.0.1:${options.ports.worker}", http = (), service = "auth"),
    (name = "floor", address = "127.0.0.1:${options.ports.floor}", http = (), service = "floor"),
  ],
);
`;
  writeFileSync(join(dir, 'config.capnp'), config);

  const args = ['serve', 'config.capnp', 'config'];
  const inspector = options.inspector && `127.0.0.1:${await freePort()}`;
  if (inspector) args.push(`--inspector-addr=${inspector}`);
  const child = spawn(workerdBin, args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const stop = async () => {
    killGroup(child);
    await new Promise((r) => setTimeout(r, 100));
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${options.ports.worker}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || Date.now() >= deadline) {
      await stop();
      throw new Error(`workerd serve did not start (exit ${child.exitCode}):\n${stderr}`);
    }
    try {
      const res = await fetch(`${url}/health`);
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!child.pid) throw new Error('workerd serve has no pid');
  return {
    url,
    floorUrl: `http://127.0.0.1:${options.ports.floor}`,
    pid: child.pid,
    ...(inspector ? { inspectorUrl: `http://${inspector}` } : {}),
    bundle: join(dir, 'auth', authModules[0] ?? ''),
    process: child,
    stop,
  };
}
