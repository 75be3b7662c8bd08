// A throwaway redis-server for the bridge: loopback only, a random free port, nothing saved
// (or, given a data folder, an append-only file there that the next start replays), and gone when the bridge closes or the Node process dies in any way (even SIGKILL): it runs under a
// tiny shell watchdog that kills it when our end of its stdin pipe closes.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export function findOnPath(binary: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

// `cat` returns when stdin reaches EOF: close() ends the pipe, and so does our death.
const WATCHDOG = '"$@" & pid=$!; cat >/dev/null; kill "$pid" 2>/dev/null; wait "$pid"';

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

async function startOnce(binary: string, port: number, dataDir?: string): Promise<RedisServer> {
  const args = [binary, '--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  // everysec: at most a second of writes lost to a crash; the watchdog's SIGTERM makes Redis
  // flush the file before it exits.
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dataDir);
  } else args.push('--appendonly', 'no', '--dir', tmpdir());
  args.push('--loglevel', 'warning', '--daemonize', 'no');
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'sh', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so stop() can kill the shell and the server together.
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // Never keep the Node process alive on its own account.
  child.unref();

  const stop = async () => {
    if (exited) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 3_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `redis-server did not start on port ${port}: ${output.trim() || 'no output'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as { unref?: () => void } | null)?.unref?.();
  }
  return { port, stop };
}

export async function startRedisServer(binary: string, dataDir?: string): Promise<RedisServer> {
  // The port is free when probed but could be taken before redis-server binds it: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, await freePort(), dataDir);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('Address already in use')) throw error;
    }
  }
}
