// `npm run bench [-- names...]`: one `wrangler dev` on the embedded local stack, every scenario
// measured in the same run so the figures compare side by side. BENCH_DURATION (s),
// BENCH_CONNECTIONS tune the load; DATABASE_URL / REDIS_URL switch to real servers.
import { printTable, runScenario, type ScenarioResult, startTarget } from './harness.ts';
import { scenarios } from './scenarios.ts';

const only = process.argv.slice(2);
const options = {
  duration: Number(process.env.BENCH_DURATION ?? 5),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  samples: 25,
};

const target = await startTarget();
try {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios(target)) {
    if (only.length > 0 && !only.some((name) => scenario.name.includes(name))) continue;
    if (scenario.prepare) await scenario.prepare();
    results.push(await runScenario(target, scenario, options));
  }
  console.log(
    `\nwrangler dev + local stack (db: ${target.stack.backends.db}, redis: ${target.stack.backends.redis}); ` +
      `${options.connections} connections x ${options.duration}s each; timings: medians of ${options.samples} sequential requests\n`,
  );
  printTable(results);
} finally {
  await target.close();
}
