// `npm run bench [-- names...]`: the deployable bundle in plain `workerd serve` on the embedded
// local stack, every scenario measured in the same run so the figures compare side by side, with
// the Worker process's CPU per request against the floor measured in that same process.
// `npm run bench -- --wrangler-dev` (or BENCH_TARGET=wrangler-dev) measures `wrangler dev` instead
// (no CPU columns: its proxy shares the work). BENCH_DURATION (s), BENCH_CONNECTIONS tune the
// load; DATABASE_URL / REDIS_URL switch to real servers. `npm run bench -- --peer` compares
// with the Better Auth peer instead (bench/compare.ts; BENCH_ROUNDS, default 3).
import { measureFloor } from './cpu.ts';
import {
  printTable,
  runScenario,
  type ScenarioResult,
  startTarget,
  type TargetMode,
} from './harness.ts';
import { scenarios } from './scenarios.ts';

const args = process.argv.slice(2);
const only = args.filter((arg) => !arg.startsWith('--'));
const mode: TargetMode =
  args.includes('--wrangler-dev') || process.env.BENCH_TARGET === 'wrangler-dev'
    ? 'wrangler-dev'
    : 'workerd';
const options = {
  duration: Number(process.env.BENCH_DURATION ?? 5),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  samples: 25,
};

if (args.includes('--peer')) {
  const { compareWithPeer } = await import('./compare.ts');
  await compareWithPeer({ ...options, rounds: Number(process.env.BENCH_ROUNDS ?? 3), only });
  process.exit(0);
}

const target = await startTarget(mode);
try {
  const { pid, floorUrl } = target.worker;
  const floor = pid && floorUrl ? await measureFloor(pid, floorUrl) : undefined;
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios(target)) {
    if (only.length > 0 && !only.some((name) => scenario.name.includes(name))) continue;
    if (scenario.prepare) await scenario.prepare();
    results.push(await runScenario(target, scenario, options));
  }
  const runtime = mode === 'workerd' ? 'workerd serve (bundled Worker)' : 'wrangler dev';
  console.log(
    `\n${runtime} + local stack (db: ${target.stack.backends.db}, redis: ${target.stack.backends.redis}); ` +
      `${options.connections} connections x ${options.duration}s each; timings: medians of ${options.samples} sequential requests`,
  );
  if (floor) {
    const { memoryKib, iterations, parallelism } = floor.argon2;
    console.log(
      `floor, CPU in the same workerd: request ${floor.request.toFixed(2)} ms, ` +
        `RS256 sign (${floor.modulusBits}-bit) ${floor.rs256.toFixed(2)} ms, ` +
        `argon2id (m=${memoryKib},t=${iterations},p=${parallelism}) ${floor.argon2id.toFixed(2)} ms`,
    );
  }
  console.log('');
  printTable(results, floor);
} finally {
  await target.close();
}
