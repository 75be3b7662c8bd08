// A process's CPU from /proc, as the peer harness reads it (../shared/peers/better-auth/bench.mjs):
// utime + stime of /proc/<pid>/stat, all threads, in clock ticks (10 ms at CLK_TCK = 100), so
// figures are only as fine as ticks / requests: measure windows of hundreds of requests.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
export const MS_PER_TICK = 1000 / HZ;

/** CPU milliseconds the process has used so far (user + system). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ;
}

/** Waits until the process burns at most one tick per 250 ms (in-flight work drained), max 10 s. */
export async function waitIdle(pid: number): Promise<void> {
  let last = cpuMs(pid);
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = cpuMs(pid);
    if (now - last <= 1000 / HZ) return;
    last = now;
  }
}

export interface Floor {
  /** Under load, CPU of a request that does nothing (the runtime's own cost). */
  request: number;
  rs256: number;
  argon2id: number;
  argon2: { memoryKib: number; iterations: number; parallelism: number };
  modulusBits: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

/** CPU ms per op of `n` runs of `op` in the floor Worker, the median of `batches` batches. */
async function perOp(pid: number, floorUrl: string, op: string, n: number, batches = 3) {
  let reply: Omit<Floor, 'request' | 'rs256' | 'argon2id'> | undefined;
  const run = async (count: number) => {
    const res = await fetch(`${floorUrl}/?op=${op}&n=${count}`);
    if (!res.ok) throw new Error(`floor ${op}: ${res.status} ${await res.text()}`);
    reply = (await res.json()) as typeof reply;
  };
  await run(Math.max(1, n >> 4)); // warm: JIT, the wasm instance, the signing key
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    await waitIdle(pid);
    const before = cpuMs(pid);
    await run(n);
    samples.push((cpuMs(pid) - before) / n);
  }
  if (!reply) throw new Error(`floor ${op}: no reply`);
  return { ms: median(samples), reply };
}

/** The unavoidable work, measured in the process that serves the auth Worker. */
export async function measureFloor(pid: number, floorUrl: string): Promise<Floor> {
  const rs256 = await perOp(pid, floorUrl, 'rs256', 800);
  const argon2id = await perOp(pid, floorUrl, 'argon2id', 30);
  await waitIdle(pid);
  const before = cpuMs(pid);
  const load = await autocannon({ url: `${floorUrl}/?op=none`, connections: 10, duration: 2 });
  await waitIdle(pid);
  return {
    request: (cpuMs(pid) - before) / load.requests.total,
    rs256: rs256.ms,
    argon2id: argon2id.ms,
    argon2: rs256.reply.argon2,
    modulusBits: rs256.reply.modulusBits,
  };
}
