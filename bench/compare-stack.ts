// The local stack in a process of its own for `npm run bench -- --peer` (dev/stack-cli.ts): its
// bridges (Neon HTTP, Upstash REST over the real PostgreSQL and redis-server) stand in for
// services that run elsewhere in production, so they must not share the load generator's event
// loop, which drives the peer alone. The process's CPU is neither side's server CPU.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { killGroup } from '../dev/wrangler-dev.ts';
import type { TargetStack } from './harness.ts';
import { freePort } from './workerd.ts';

const root = resolve(import.meta.dirname, '..');

/** `onStop` gets the stop before the process starts, so an interrupted start stops it too. */
export async function startStackProcess(
  backends: { databaseUrl: string; redisUrl: string },
  onStop: (stop: () => Promise<void>) => void,
): Promise<TargetStack & { pid: number }> {
  const port = await freePort();
  const { LOCAL_REDIS: _mode, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/stack-cli.ts'], {
    cwd: root,
    env: {
      ...env,
      STACK_PORT: String(port),
      DATABASE_URL: backends.databaseUrl,
      REDIS_URL: backends.redisUrl,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const close = async () => {
    if (exited()) return;
    const gone = new Promise((r) => child.once('exit', r));
    killGroup(child);
    await gone;
  };
  onStop(close);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited() || Date.now() >= deadline) {
      await close();
      throw new Error(`local stack did not start (exit ${child.exitCode}):\n${stderr}`);
    }
    try {
      const res = await fetch(`${url}/__health`);
      if (res.ok) {
        const { backends: names } = (await res.json()) as { backends: TargetStack['backends'] };
        if (!child.pid) throw new Error('local stack has no pid');
        // dev/stack-cli.ts keeps startStack's default bearer token.
        return { url, token: 'local-upstash-token', backends: names, pid: child.pid, close };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
