// Benchmark plumbing: a local stack + the Worker (the deployable bundle in plain `workerd serve`
// by default, or `wrangler dev`), load from autocannon, round trips from the stack's counters, the
// Worker's own Server-Timing split and its process's CPU from /proc. Prints; never asserts time.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { stackOptionsFromEnv, startStack, type Stack } from '../dev/stack.ts';
import { startWranglerDev } from '../dev/wrangler-dev.ts';
import { workerVarsFor } from '../dev/worker-vars.ts';
import { cpuMs, type Floor, waitIdle } from './cpu.ts';
import { startEdgeCache } from './edge-cache.ts';
import { pickPorts, startWorkerdServe } from './workerd.ts';

export type TargetMode = 'workerd' | 'wrangler-dev';

/** The stack as the bench uses it: in this process (startStack) or another (bench/compare-stack.ts). */
export type TargetStack = Pick<Stack, 'url' | 'token' | 'backends' | 'close'>;

export interface Target {
  mode: TargetMode;
  stack: TargetStack;
  worker: {
    url: string;
    /** workerd serve only: the process whose CPU is the Worker's, and the floor Worker. */
    pid?: number;
    floorUrl?: string;
    /** workerd serve with `inspector`: bench/inspector.ts connects here. */
    inspectorUrl?: string;
    bundle?: string;
  };
  close(): Promise<void>;
}

/** `extra.stack`: a stack already started elsewhere; closed with the target. */
export async function startTarget(
  mode: TargetMode,
  extra: { vars?: Record<string, string>; inspector?: boolean; stack?: TargetStack } = {},
): Promise<Target> {
  const stack = extra.stack ?? (await startStack({ ...stackOptionsFromEnv() }));
  const preferred = process.env.BENCH_PORT ? Number(process.env.BENCH_PORT) : undefined;
  const ports = await pickPorts(mode === 'wrangler-dev' ? (preferred ?? 8788) : preferred);
  const issuer = `http://127.0.0.1:${ports.worker}`;
  const kek = `bench:${randomBytes(32).toString('base64url')}`;
  const vars = {
    ...workerVarsFor(stack, issuer, { KEY_ENCRYPTION_KEY: kek }),
    // The scenarios send from many client addresses (CF-Connecting-IP), but their finite pools
    // of users log in and register more often than a real client would: limits stay on (their
    // Redis work is part of what is measured) but never trip.
    RATE_LIMIT_LOGIN_IP: '1000000/1m',
    RATE_LIMIT_LOGIN_EMAIL: '1000000/1m',
    RATE_LIMIT_REGISTER_IP: '1000000/1m',
    RATE_LIMIT_REFRESH_SESSION: '1000000/1m',
    ...extra.vars,
  };
  // Stopped in reverse order of starting, also when a later start fails.
  const stops: (() => Promise<void>)[] = [() => stack.close()];
  const close = async () => {
    for (const stop of stops.splice(0)) await stop();
  };
  try {
    let worker: Target['worker'] & { stop(): Promise<void> };
    if (mode === 'wrangler-dev') {
      worker = await startWranglerDev({ port: ports.worker, quiet: true, vars });
    } else {
      const cache = await startEdgeCache();
      stops.unshift(() => cache.close());
      worker = await startWorkerdServe({
        ports,
        vars,
        cachePort: cache.port,
        ...(extra.inspector ? { inspector: true } : {}),
      });
    }
    stops.unshift(() => worker.stop());
    return { mode, stack, worker, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export interface Scenario {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A fresh request for each sequential sample (tokens that can be used only once). */
  sample?: () => Promise<{ headers?: Record<string, string>; body?: string }>;
  /** Extra autocannon options: a fixed amount, per-request setup, ... */
  load?: Partial<autocannon.Options>;
  /**
   * Instead of autocannon: a closed loop where each connection keeps its own state between
   * requests (autocannon resets its per-connection context after every pass over its request
   * list, so it cannot follow a refresh-token rotation chain).
   */
  chain?: () => (state: Record<string, string>) => Promise<Response>;
  /** The unavoidable crypto of one request, besides the runtime's own per-request cost. */
  floor?: FloorOp[];
}

export type FloorOp = 'rs256' | 'argon2id';

interface LoadSummary {
  /** Responses received in the load window. */
  completed: number;
  /** Requests sent: also those still in flight when the window closed, whose CPU counts too. */
  sent: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0) : 0;

async function closedLoop(
  makeStep: () => (state: Record<string, string>) => Promise<Response>,
  options: { duration: number; connections: number },
): Promise<LoadSummary> {
  const latencies: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  const deadline = started + options.duration * 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      const step = makeStep();
      const state: Record<string, string> = {};
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const res = await step(state);
        latencies.push(performance.now() - t0);
        if (res.status < 200 || res.status >= 300) non2xx += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    completed: latencies.length,
    sent: latencies.length,
    rps: latencies.length / seconds,
    p50: Math.round(percentile(latencies, 0.5)),
    p99: Math.round(percentile(latencies, 0.99)),
    non2xx,
  };
}

async function autocannonLoad(
  scenario: Scenario,
  url: string,
  options: { duration: number; connections: number },
): Promise<LoadSummary> {
  // req/s on our own clock, up to the last response: autocannon's average of per-second counts
  // is coarse for a run of a fixed amount, which ends inside its last second (the peer's
  // bench.mjs counts the same way).
  const started = performance.now();
  let last = started;
  const load = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: scenario.method ?? 'GET',
        headers: scenario.headers,
        body: scenario.body,
        connections: options.connections,
        duration: options.duration,
        ...scenario.load,
      },
      (error: unknown, result) => (error ? reject(error as Error) : resolve(result)),
    );
    instance.on('response', () => {
      last = performance.now();
    });
  });
  return {
    completed: load.requests.total,
    sent: load.requests.sent,
    rps: last > started ? load.requests.total / ((last - started) / 1000) : 0,
    p50: load.latency.p50,
    p99: load.latency.p99,
    non2xx: load.non2xx,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)] ?? 0) : 0;
};

/** Parses `db;dur=1.2;desc="1 calls", total;dur=3.4` into { db: 1.2, total: 3.4 }. */
export function parseServerTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of (header ?? '').split(',')) {
    const [name, ...params] = entry.trim().split(';');
    const dur = params.find((p) => p.startsWith('dur='));
    if (name && dur) out[name] = Number(dur.slice(4));
  }
  return out;
}

export interface ScenarioResult extends LoadSummary {
  name: string;
  floor: FloorOp[] | undefined;
  /** The server process's CPU (utime + stime) over the load window per request sent. */
  cpuMsPerRequest: number | undefined;
  sqlTrips: number;
  redisTrips: number;
  timing: Record<string, number>;
}

export async function runScenario(
  /** No stack: a peer, whose round trips are not counted. */
  target: { worker: Target['worker']; stack?: Pick<Stack, 'url'> },
  scenario: Scenario,
  options: { duration: number; connections: number; samples: number },
): Promise<ScenarioResult> {
  const url = `${target.worker.url}${scenario.path}`;
  const init = { method: scenario.method ?? 'GET', headers: scenario.headers, body: scenario.body };
  // Sequential samples: round trips of one request, and the median Server-Timing split.
  const timings: Record<string, number[]> = {};
  let trips = { sql: { roundTrips: 0 }, redis: { roundTrips: 0 } };
  for (let i = 0; i < options.samples; i++) {
    const requestId = `bench-${randomBytes(8).toString('hex')}`;
    const fresh = scenario.sample ? await scenario.sample() : {};
    const res = await fetch(url, {
      ...init,
      body: fresh.body ?? init.body ?? null,
      headers: { ...init.headers, ...fresh.headers, 'X-Request-Id': requestId },
    });
    await res.arrayBuffer();
    for (const [metric, ms] of Object.entries(
      parseServerTiming(res.headers.get('Server-Timing')),
    )) {
      (timings[metric] ??= []).push(ms);
    }
    if (i === options.samples - 1 && target.stack) {
      const stats = await fetch(`${target.stack.url}/__stats?request_id=${requestId}`);
      trips = (await stats.json()) as typeof trips;
    }
  }
  // CPU sampled around the load once the process is idle, so work finished after a response
  // (waitUntil: the audit INSERT) counts, and nothing from the samples above does.
  const pid = target.worker.pid;
  if (pid) await waitIdle(pid);
  const cpuBefore = pid ? cpuMs(pid) : 0;
  const load = scenario.chain
    ? await closedLoop(scenario.chain, options)
    : await autocannonLoad(scenario, url, options);
  if (pid) await waitIdle(pid);
  const cpuMsPerRequest = pid && load.sent > 0 ? (cpuMs(pid) - cpuBefore) / load.sent : undefined;
  return {
    name: scenario.name,
    ...load,
    floor: scenario.floor,
    cpuMsPerRequest,
    sqlTrips: trips.sql.roundTrips,
    redisTrips: trips.redis.roundTrips,
    timing: Object.fromEntries(Object.entries(timings).map(([m, v]) => [m, median(v)])),
  };
}

const FLOOR_LABEL: Record<FloorOp, string> = { rs256: 'RS256', argon2id: 'argon2id' };

/** The floor of one request: the runtime's per-request cost plus its unavoidable crypto. */
export function floorOf(ops: FloorOp[] | undefined, floor: Floor): number {
  return (ops ?? []).reduce((sum, op) => sum + floor[op], floor.request);
}

export function printTable(results: ScenarioResult[], floor?: Floor): void {
  const header =
    '| endpoint | req/s | p50 ms | p99 ms | SQL trips | Redis trips | CPU ms/req | floor ms | CPU/floor | floor is | worker total ms | db ms | redis ms | non-2xx |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|';
  const rows = results.map((r) => {
    const floorMs = floor ? floorOf(r.floor, floor) : undefined;
    return [
      r.name,
      r.rps.toFixed(0),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      r.sqlTrips,
      r.redisTrips,
      r.cpuMsPerRequest?.toFixed(2) ?? '-',
      floorMs?.toFixed(2) ?? '-',
      floorMs && r.cpuMsPerRequest !== undefined
        ? `${(r.cpuMsPerRequest / floorMs).toFixed(1)}x`
        : '-',
      floor ? ['request', ...(r.floor ?? []).map((op) => FLOOR_LABEL[op])].join(' + ') : '-',
      (r.timing.total ?? 0).toFixed(2),
      (r.timing.db ?? 0).toFixed(2),
      (r.timing.redis ?? 0).toFixed(2),
      r.non2xx,
    ].join(' | ');
  });
  console.log([header, rule, ...rows.map((row) => `| ${row} |`)].join('\n'));
}
