// Starts `wrangler dev` against a running local stack and waits until it answers: used by
// `npm run dev`, the benchmarks and Node-side end-to-end tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

export interface WranglerDev {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: resolve(root, '.wrangler', 'config-home'),
  };
}

export function wranglerDevArgs(port: number, vars: Record<string, string>): string[] {
  return [
    'wrangler',
    'dev',
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ];
}

/** Kills wrangler and its workerd child together: wrangler's child ignores SIGTERM. */
export function killGroup(child: ChildProcess): void {
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function startWranglerDev(options: {
  port: number;
  vars: Record<string, string>;
  quiet?: boolean;
  readyPath?: string;
  timeoutMs?: number;
}): Promise<WranglerDev> {
  const child = spawn('npx', wranglerDevArgs(options.port, options.vars), {
    cwd: root,
    stdio: options.quiet ? 'ignore' : 'inherit',
    detached: true,
    env: wranglerEnv(),
  });
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}${options.readyPath ?? '/health'}`);
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (Date.now() >= deadline) {
    killGroup(child);
    throw new Error('wrangler dev did not become ready in time');
  }
  return {
    url,
    process: child,
    async stop() {
      killGroup(child);
      await new Promise((r) => setTimeout(r, 100));
    },
  };
}
