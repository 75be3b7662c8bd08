// CPU of a workerd process per thread (/proc/<pid>/task/<tid>/stat), for measurements taken while
// V8's CPU profiler runs: its sampling thread ("v8:ProfEvntProc") spins between samples and would
// otherwise count as the Worker's CPU (and keep the process from ever looking idle). In
// `workerd serve` the isolate runs on the main thread (tid = pid); the rest is V8's helpers
// (concurrent GC, compilers) and the runtime's I/O threads.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const SAMPLER = 'v8:ProfEvntProc';

export interface ThreadCpu {
  /** The isolate's thread. */
  isolate: number;
  /** Every other thread but the profiler's. */
  others: number;
}

/** CPU ms so far of the isolate's thread and of the other threads, the profiler's excluded. */
export function threadCpuMs(pid: number): ThreadCpu {
  const cpu: ThreadCpu = { isolate: 0, others: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let comm: string;
    let ms: number;
    try {
      comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      // Same layout as the process's stat (bench/cpu.ts): utime, stime after "(comm) state".
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ;
    } catch {
      continue; // the thread ended between the listing and the read
    }
    if (comm === SAMPLER) continue;
    if (tid === String(pid)) cpu.isolate += ms;
    else cpu.others += ms;
  }
  return cpu;
}

/** Like bench/cpu.ts waitIdle, on the threads above: at most one tick per 250 ms, max 10 s. */
export async function waitThreadsIdle(pid: number): Promise<void> {
  const total = () => {
    const cpu = threadCpuMs(pid);
    return cpu.isolate + cpu.others;
  };
  let last = total();
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = total();
    if (now - last <= 1000 / HZ) return;
    last = now;
  }
}
