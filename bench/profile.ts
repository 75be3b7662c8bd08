// `npm run bench -- --profile <scenario>`: a V8 CPU profile of the auth Worker in `workerd serve`
// while one bench scenario (the first whose name contains <scenario>) runs under load. Writes the
// profile, its frames mapped back to the original sources, to .data/profiles/ (open it in Chrome
// DevTools' Performance panel or speedscope) and prints its top frames, files and packages.
// BENCH_PROFILE_INTERVAL sets the sampling interval in µs (default 500; V8's own is 1000). CPU per
// request is read per thread from /proc, without the profiler's sampling thread (bench/thread-cpu.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { waitIdle } from './cpu.ts';
import { printTable, runScenario, startTarget } from './harness.ts';
import { type CpuProfile, connectInspector } from './inspector.ts';
import { printSummary, summarize } from './profile-summary.ts';
import { scenarios } from './scenarios.ts';
import { loadSourceMap, type SourceMap } from './source-map.ts';
import { threadCpuMs, waitThreadsIdle } from './thread-cpu.ts';

const root = resolve(import.meta.dirname, '..');

/** The profile with each bundle position replaced by its original file and line. */
function mapped(profile: CpuProfile, bundleName: string, map: SourceMap): CpuProfile {
  const nodes = profile.nodes.map((node) => {
    const { url, lineNumber, columnNumber } = node.callFrame;
    const original = url.endsWith(bundleName) ? map.lookup(lineNumber, columnNumber) : undefined;
    if (!original) return node;
    const callFrame = {
      ...node.callFrame,
      url: original.file,
      lineNumber: original.line - 1,
      columnNumber: original.column - 1,
    };
    return { ...node, callFrame };
  });
  return { ...profile, nodes };
}

export async function profileScenario(
  pattern: string,
  options: { duration: number; connections: number; intervalUs: number },
): Promise<void> {
  const target = await startTarget('workerd', { inspector: true });
  try {
    const { inspectorUrl, bundle, pid } = target.worker;
    if (!inspectorUrl || !bundle || !pid) throw new Error('profile: the target has no inspector');
    const scenario = scenarios(target).find((s) => s.name.includes(pattern));
    if (!scenario) throw new Error(`profile: no scenario matches "${pattern}"`);
    // Read now: stopping the target deletes the bundle.
    const bundleName = basename(bundle);
    const map = loadSourceMap(`${bundle}.map`, root);
    if (scenario.prepare) await scenario.prepare();
    const inspector = await connectInspector(inspectorUrl, 'auth');
    try {
      await waitIdle(pid);
      await inspector.startProfiler(options.intervalUs);
      const before = threadCpuMs(pid);
      // A few sequential samples first (round trips; they also warm the JIT), then the load. No
      // pid: runScenario's own CPU reading would count the sampling thread.
      const samples = 5;
      const worker = { url: target.worker.url };
      const result = await runScenario({ ...target, worker }, scenario, { ...options, samples });
      // Work after the responses (waitUntil) is part of the requests.
      await waitThreadsIdle(pid);
      const after = threadCpuMs(pid);
      const profile = await inspector.stopProfiler();
      const requests = result.completed + samples;
      const isolateMsPerRequest = (after.isolate - before.isolate) / requests;
      const othersMsPerRequest = (after.others - before.others) / requests;

      const dir = resolve(root, '.data', 'profiles');
      mkdirSync(dir, { recursive: true });
      const slug = scenario.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
      const file = resolve(
        dir,
        `${slug}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
      );
      writeFileSync(file, JSON.stringify(mapped(profile, bundleName, map)));

      console.log(
        `\nworkerd serve (bundled Worker, inspector attached, sampling every ${options.intervalUs} µs) ` +
          `+ local stack (db: ${target.stack.backends.db}, redis: ${target.stack.backends.redis}); ` +
          `${options.connections} connections x ${options.duration}s\n`,
      );
      printTable([{ ...result, cpuMsPerRequest: isolateMsPerRequest + othersMsPerRequest }]);
      console.log(
        `\nCPU ms/req (the sampling thread excluded): isolate thread ${isolateMsPerRequest.toFixed(2)}, ` +
          `other threads ${othersMsPerRequest.toFixed(2)}; ms/req below = share of samples x isolate thread's`,
      );
      console.log(`profile: ${file}\n`);
      printSummary(summarize(profile, { bundleName, map, isolateMsPerRequest }));
    } finally {
      inspector.close();
    }
  } finally {
    await target.close();
  }
}
