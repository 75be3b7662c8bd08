// A small Chrome DevTools Protocol client for workerd's inspector (`workerd serve
// --inspector-addr`): CPU profiles of one Worker under load and its isolate's heap. workerd lists
// one target per service at `/json`, each with its own WebSocket; the auth Worker's is "auth".
// Node 20 has no WebSocket without a flag: undici's (the same code Node 22 ships) talks to it.
import { WebSocket } from 'undici';

/** V8's CPU profile (`Profiler.stop`), the format Chrome DevTools opens as a .cpuprofile. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: {
      functionName: string;
      scriptId: string;
      url: string;
      /** 0-based, in the script as the isolate loaded it (the bundle). */
      lineNumber: number;
      columnNumber: number;
    };
    hitCount?: number;
    children?: number[];
  }[];
  /** Microseconds. */
  startTime: number;
  endTime: number;
  /** The node id on top of the stack at each sample, and the microseconds before each. */
  samples: number[];
  timeDeltas: number[];
}

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

export interface Inspector {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Samples every `intervalUs` microseconds (V8's default is 1000; finer costs the isolate more). */
  startProfiler(intervalUs: number): Promise<void>;
  stopProfiler(): Promise<CpuProfile>;
  /**
   * The isolate's heap after a full GC: what the Worker keeps, not what it has yet to collect.
   * V8 runs the GC as a task on the isolate's thread, which workerd runs only when the isolate
   * next takes its lock: `wake` sends it a request (a cheap one) until the GC is done.
   */
  heapAfterGc(wake: () => Promise<unknown>): Promise<HeapUsage>;
  close(): void;
}

interface Target {
  id: string;
  webSocketDebuggerUrl: string;
}

/** Connects to `service`'s isolate on the inspector at `inspectorUrl` (http://host:port). */
export async function connectInspector(inspectorUrl: string, service = 'auth'): Promise<Inspector> {
  const targets = (await (await fetch(`${inspectorUrl}/json`)).json()) as Target[];
  const target = targets.find((t) => t.id === service);
  if (!target) {
    throw new Error(`inspector: no target "${service}" (${targets.map((t) => t.id).join(', ')})`);
  }
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('inspector: connect failed')), {
      once: true,
    });
  });

  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    // Replies carry the id of their command; events (no id) are not needed here.
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`inspector: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  socket.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('inspector: closed'));
    pending.clear();
  });

  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: (v) => resolve(v as T), reject });
      socket.send(JSON.stringify({ id, method, params }));
    });

  return {
    send,
    async startProfiler(intervalUs) {
      await send('Profiler.enable');
      // Must precede start: the interval cannot change while a profile is being taken.
      await send('Profiler.setSamplingInterval', { interval: intervalUs });
      await send('Profiler.start');
    },
    async stopProfiler() {
      const { profile } = await send<{ profile: CpuProfile }>('Profiler.stop');
      await send('Profiler.disable');
      return profile;
    },
    async heapAfterGc(wake) {
      let collected = false;
      const gc = send('HeapProfiler.collectGarbage').then(() => {
        collected = true;
      });
      for (let i = 0; i < 50 && !collected; i++) {
        await wake();
        await Promise.race([gc, new Promise((r) => setTimeout(r, 50))]);
      }
      await gc;
      return send<HeapUsage>('Runtime.getHeapUsage');
    },
    close: () => socket.close(),
  };
}
