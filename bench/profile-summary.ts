// Reads a V8 CPU profile of the auth Worker as tables: the top frames by self and by total time,
// and self time per source file and per package, each position mapped from the bundle back to
// `src/...` or `node_modules/<pkg>/...`.
// V8 takes a sample only while the thread holds the isolate's lock (workerd releases it while it
// waits for I/O), so the time between two samples may be idle: each sample counts as one, its
// share of the samples (all but "(idle)") is the frame's share of the isolate's work, and ms per
// request is that share of the isolate thread's CPU per request, measured from /proc.
import type { CpuProfile } from './inspector.ts';
import type { SourceMap } from './source-map.ts';

type Node = CpuProfile['nodes'][number];

/** V8's pseudo-frames: time outside any JavaScript function. */
const PSEUDO = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

export interface Frame {
  name: string;
  /** `src/auth/x.ts:12` or `(native)`, `(bundle:line:col)` when the map does not cover it. */
  location: string;
  /** `src/<dir>`, a node_modules package, `(native)` or the pseudo-frame itself. */
  pkg: string;
  file: string;
}

const packageOf = (file: string) => {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const name = parts[at + 1] ?? '?';
    return name.startsWith('@') ? `${name}/${parts[at + 2] ?? '?'}` : name;
  }
  return parts[0] === 'src' && parts.length > 2 ? `src/${parts[1]}` : file;
};

/** One frame per profile node: the function, where it starts in the original sources. */
export function frameOf(node: Node, bundleName: string, map: SourceMap | undefined): Frame {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  if (PSEUDO.has(functionName)) {
    return { name: functionName, location: '', pkg: functionName, file: functionName };
  }
  const name = functionName || '(anonymous)';
  if (!url) return { name, location: '(native)', pkg: '(native)', file: '(native)' };
  if (url.endsWith(bundleName)) {
    const original = map?.lookup(lineNumber, columnNumber);
    if (original) {
      const file = original.file;
      return { name, location: `${file}:${original.line}`, pkg: packageOf(file), file };
    }
    const at = `(bundle:${lineNumber + 1}:${columnNumber + 1})`;
    return { name, location: at, pkg: '(bundle)', file: '(bundle)' };
  }
  return { name, location: url, pkg: url, file: url };
}

export interface Row {
  key: string;
  samples: number;
}

export interface ProfileSummary {
  /** Samples in the isolate's work (not "(idle)"). */
  busy: number;
  /** CPU ms per request of the isolate's thread, to which the shares apply. */
  isolateMsPerRequest: number;
  selfByFrame: Row[];
  totalByFrame: Row[];
  selfByFile: Row[];
  selfByPackage: Row[];
  /** Self time with each native frame charged to the JavaScript function that called it. */
  inclusiveNativeByPackage: Row[];
}

const sorted = (map: Map<string, number>): Row[] =>
  [...map].map(([key, samples]) => ({ key, samples })).sort((a, b) => b.samples - a.samples);

const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

export function summarize(
  profile: CpuProfile,
  options: { bundleName: string; map: SourceMap | undefined; isolateMsPerRequest: number },
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const frames = new Map(
    profile.nodes.map((n) => [n.id, frameOf(n, options.bundleName, options.map)]),
  );
  const keyOf = (f: Frame) => (f.location ? `${f.name} ${f.location}` : f.name);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const nativeCharged = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const frame = frames.get(id);
    if (!frame || frame.name === '(idle)') continue;
    busy += 1;
    add(self, keyOf(frame));
    add(byFile, frame.file);
    add(byPackage, frame.pkg);
    // Natives (crypto.subtle, fetch, JSON) counted to the package of their nearest JS caller.
    let charged: Frame | undefined = frame;
    let at: number | undefined = id;
    while (charged?.pkg === '(native)' && at !== undefined) {
      at = parent.get(at);
      charged = at === undefined ? undefined : frames.get(at);
    }
    add(nativeCharged, charged && charged.name !== '(root)' ? charged.pkg : '(native)');
    // Total: every function on the stack once, however often it recurses.
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const f = frames.get(node);
      if (!f || f.name === '(root)' || !byId.has(node)) continue;
      const key = keyOf(f);
      if (seen.has(key)) continue;
      seen.add(key);
      add(total, key);
    }
  }
  return {
    busy,
    isolateMsPerRequest: options.isolateMsPerRequest,
    selfByFrame: sorted(self),
    totalByFrame: sorted(total),
    selfByFile: sorted(byFile),
    selfByPackage: sorted(byPackage),
    inclusiveNativeByPackage: sorted(nativeCharged),
  };
}

function table(title: string, rows: Row[], summary: ProfileSummary, limit: number): string {
  const share = (r: Row) => r.samples / Math.max(1, summary.busy);
  const lines = [
    `| ${title} | % | ms/req | samples |`,
    '|---|---:|---:|---:|',
    ...rows
      .slice(0, limit)
      .map(
        (r) =>
          `| ${r.key} | ${(100 * share(r)).toFixed(1)} | ${(share(r) * summary.isolateMsPerRequest).toFixed(3)} | ${r.samples} |`,
      ),
  ];
  return lines.join('\n');
}

export function printSummary(summary: ProfileSummary, limit = 25): void {
  console.log(table('function (self time)', summary.selfByFrame, summary, limit));
  console.log('');
  console.log(table('function (total time)', summary.totalByFrame, summary, limit));
  console.log('');
  console.log(table('file (self time)', summary.selfByFile, summary, limit));
  console.log('');
  console.log(table('package (self time)', summary.selfByPackage, summary, limit));
  console.log('');
  console.log(
    table(
      'package (self time, natives charged to their caller)',
      summary.inclusiveNativeByPackage,
      summary,
      limit,
    ),
  );
}
