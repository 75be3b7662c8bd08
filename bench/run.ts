// `npm run bench [-- names...]`: the deployable bundle in plain `workerd serve` on the embedded
// local stack, every scenario measured in the same run so the figures compare side by side, with
// the Worker process's CPU per request against the floor measured in that same process.
// `npm run bench -- --wrangler-dev` (or BENCH_TARGET=wrangler-dev) measures `wrangler dev` instead
// (no CPU columns: its proxy shares the work). BENCH_DURATION (s), BENCH_CONNECTIONS tune the
// load; DATABASE_URL / REDIS_URL switch to real servers. `--profile <scenario>`: bench/profile.ts;
// `--growth`: bench/growth.ts; `--peer`: side by side with the Better Auth peer (bench/compare.ts;
// BENCH_ROUNDS, default 3).
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

// `--profile <scenario>`: a CPU profile of one scenario instead of the table (bench/profile.ts).
const profileAt = args.indexOf('--profile');
if (profileAt >= 0) {
  const { profileScenario } = await import('./profile.ts');
  const intervalUs = Number(process.env.BENCH_PROFILE_INTERVAL ?? 500);
  await profileScenario(args[profileAt + 1] ?? '', { ...options, intervalUs });
  process.exit(0);
}
// `--growth`: how cost grows with users, sessions and requests (bench/growth.ts).
if (args.includes('--growth')) {
  const { growth } = await import('./growth.ts');
  await growth({ ...options, rounds: Number(process.env.BENCH_ROUNDS ?? 3) });
  process.exit(0);
}
// `--peer`: edge-auth and the Better Auth peer side by side (bench/compare.ts).
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
