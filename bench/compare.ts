// `npm run bench -- --peer`: edge-auth and the Better Auth peer on this machine in one run,
// interleaved (edge-auth, peer, edge-auth, peer, ...), each operation driven by the same load
// generator (bench/harness.ts runScenario) with the same connections and duration, and the same
// CPU measurement: the server process's utime + stime from /proc per request (workerd for
// edge-auth, the Node server for the peer). Both sides use the peer's PostgreSQL 15 and
// redis-server (separate databases); edge-auth reaches them through the local stack's Neon and
// Upstash bridges, in a process of their own. Prints medians over the rounds and their ratios.
import { startStackProcess } from './compare-stack.ts';
import { cpuMs } from './cpu.ts';
import { type Op, type OpPair, OPS } from './compare-ops.ts';
import { runScenario, type ScenarioResult, startTarget, type Target } from './harness.ts';
import { type Peer, startPeer } from './peer-harness.ts';
import { peerScenarios } from './peer-scenarios.ts';
import { type BenchScenario, scenarios } from './scenarios.ts';

export interface CompareOptions {
  duration: number;
  connections: number;
  samples: number;
  rounds: number;
  /** Only operations whose name or label contains one of these (all when empty). */
  only: string[];
}

type Side = 'edge' | 'peer';
/** A run plus what the backends spent on it: PG + Redis, and (edge-auth) the bridges' process. */
type Measured = ScenarioResult & { backendMs: number; bridgeMs: number };
type Results = Record<Op, Record<Side, Measured[]>>;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export async function compareWithPeer(options: CompareOptions): Promise<void> {
  // Stopped in reverse order of starting, when the run ends, fails or is interrupted: edge-auth
  // (workerd, its cache, the stack) before the peer, whose PostgreSQL and Redis it uses. One
  // stopping for both ways out, so the process cannot exit while the other is still stopping.
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const stop of stops.splice(0)) {
        await stop().catch((error: unknown) => console.error(`stop failed: ${String(error)}`));
      }
    })());
  const interrupted = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const peer = await startPeer((stop) => stops.unshift(stop));
    const stack = await startStackProcess(
      {
        databaseUrl: await peer.database('edgeauth'),
        redisUrl: `redis://127.0.0.1:${peer.redisPort}/1`,
      },
      (stop) => stops.unshift(stop),
    );
    // Its close() closes the stack too (a second close is a no-op).
    const target = await startTarget('workerd', { stack });
    stops.unshift(() => target.close());
    const edge = scenarios(target);
    const sides: Record<Side, Record<Op, BenchScenario>> = {
      edge: Object.fromEntries(
        OPS.map(({ op, edgePath }) => {
          const scenario = edge.find((s) => s.path === edgePath);
          if (!scenario) throw new Error(`no edge-auth scenario for ${edgePath}`);
          return [op, scenario];
        }),
      ) as Record<Op, BenchScenario>,
      peer: peerScenarios({ url: peer.url }),
    };
    const results = Object.fromEntries(
      OPS.map(({ op }) => [op, { edge: [], peer: [] }]),
    ) as unknown as Results;
    const ops = OPS.filter(
      ({ op, label }) =>
        options.only.length === 0 || options.only.some((name) => `${op} ${label}`.includes(name)),
    );
    for (let round = 1; round <= options.rounds; round++) {
      for (const side of ['edge', 'peer'] as const) {
        const started = performance.now();
        for (const { op } of ops) {
          const scenario = sides[side][op];
          if (scenario.prepare) await scenario.prepare();
          const where = side === 'edge' ? target : { worker: { url: peer.url, pid: peer.pid } };
          // Around the samples too (the same request, sequentially): per request sent or sampled.
          const backend0 = peer.backendCpuMs();
          const bridge0 = cpuMs(stack.pid);
          const result = await runScenario(where, scenario, options);
          const count = result.sent + options.samples;
          results[op][side].push({
            ...result,
            backendMs: (peer.backendCpuMs() - backend0) / count,
            bridgeMs: (cpuMs(stack.pid) - bridge0) / count,
          });
        }
        const seconds = ((performance.now() - started) / 1000).toFixed(0);
        console.error(
          `round ${round}/${options.rounds}: ${side === 'edge' ? 'edge-auth' : 'peer'} done (${seconds} s)`,
        );
      }
    }
    printComparison(results, ops, options, { stack: target.stack.backends, peer });
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await stopAll();
  }
}

function printComparison(
  results: Results,
  ops: OpPair[],
  options: CompareOptions,
  backends: { stack: Target['stack']['backends']; peer: Peer },
): void {
  const { peer } = backends;
  const f = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
  const ratio = (a: number, b: number) =>
    b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}x` : '-';
  console.log(
    `\nedge-auth (bundled Worker in workerd serve) vs Better Auth 1.7.25 (Node), interleaved: ` +
      `${options.rounds} rounds per side, ${options.connections} connections x ${options.duration} s ` +
      `per operation (logout/sign-out: a fixed count of distinct live sessions); medians over the rounds; ` +
      `CPU = the server process's utime + stime (/proc) per request sent`,
  );
  console.log(
    `edge-auth backends: PostgreSQL 15 (127.0.0.1:${peer.pgPort}, db edgeauth) through the local ` +
      `stack's Neon HTTP bridge (${backends.stack.db}), redis-server (127.0.0.1:${peer.redisPort}, db 1) ` +
      `through its Upstash REST bridge (${backends.stack.redis}); the bridges run in their own process`,
  );
  console.log(
    `peer backends: the same PostgreSQL 15 (db betterauth, pg.Pool) and redis-server (db 0, ioredis ` +
      `secondaryStorage); get-session JWT header ${peer.jwtHeader ? 'ON (plugin default)' : 'off (BA_NO_JWT_HEADER=1)'}\n`,
  );
  console.log(
    '| operation (edge-auth / peer) | req/s edge | req/s peer | ratio | p50 ms edge | p50 ms peer | ratio | CPU ms/req edge | CPU ms/req peer | ratio | non-2xx edge / peer |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { op, label } of ops) {
    const { edge, peer: theirs } = results[op];
    const m = (rows: ScenarioResult[], pick: (r: ScenarioResult) => number | undefined) =>
      median(rows.map((r) => pick(r) ?? NaN));
    const rps = [m(edge, (r) => r.rps), m(theirs, (r) => r.rps)] as const;
    const p50 = [m(edge, (r) => r.p50), m(theirs, (r) => r.p50)] as const;
    const cpu = [m(edge, (r) => r.cpuMsPerRequest), m(theirs, (r) => r.cpuMsPerRequest)] as const;
    const non2xx = (rows: ScenarioResult[]) => rows.reduce((sum, r) => sum + r.non2xx, 0);
    console.log(
      `| ${label} | ${f(rps[0], 0)} | ${f(rps[1], 0)} | ${ratio(...rps)} | ${f(p50[0], 1)} | ${f(p50[1], 1)} | ` +
        `${ratio(...p50)} | ${f(cpu[0], 2)} | ${f(cpu[1], 2)} | ${ratio(...cpu)} | ${non2xx(edge)} / ${non2xx(theirs)} |`,
    );
  }
  console.log(
    '\nratio = edge-auth / peer. Backends, CPU ms per request (over the load and the samples, ' +
      'so roughly; background work such as the walwriter included):\n',
  );
  console.log('| operation | PG + Redis edge | PG + Redis peer | bridges edge |');
  console.log('|---|---:|---:|---:|');
  for (const { op, label } of ops) {
    const { edge, peer: theirs } = results[op];
    const backend = (rows: Measured[]) => f(median(rows.map((r) => r.backendMs)), 2);
    console.log(
      `| ${label} | ${backend(edge)} | ${backend(theirs)} | ${f(median(edge.map((r) => r.bridgeMs)), 2)} |`,
    );
  }
  console.log('\nWhat each side does for the operation:');
  for (const { op, label, edge, peer: theirs } of ops) {
    const trips = results[op].edge.at(-1);
    const rt = trips ? ` [${trips.sqlTrips} SQL + ${trips.redisTrips} Redis round trips]` : '';
    console.log(`- ${label}: edge-auth ${edge}${rt}. Peer ${theirs}.`);
  }
  console.log(
    "Server CPU is the server process's only: not PostgreSQL, redis-server, the bridges " +
      '(in production, Neon and Upstash run them) or the load generator.',
  );
}
