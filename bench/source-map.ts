// Maps positions in the bundle (what V8 profiles) back to the sources esbuild bundled, through the
// `.map` that `wrangler deploy --dry-run --outdir` writes next to it. Source map v3: `mappings` is
// one `;`-separated group per generated line of `,`-separated segments, each a run of base64 VLQs
// (generated column, source index, original line, original column[, name]), all but the generated
// column relative to the previous segment anywhere in the file, the column relative within a line.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

export interface OriginalPosition {
  /** Relative to the repository root: `src/auth/x.ts`, `node_modules/jose/dist/...`. */
  file: string;
  /** 1-based, like an editor. */
  line: number;
  column: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment's VLQs: 5 bits per digit, bit 6 continues, the lowest bit is the sign. */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`source map: bad VLQ digit ${char}`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0;
    shift = 0;
  }
  return values;
}

/** Per generated line (0-based): [generated column, source, line, column] with columns 0-based. */
type Segment = [number, number, number, number];

export interface SourceMap {
  /** The original position of 0-based `line`:`column` in the bundle, if the map covers it. */
  lookup(line: number, column: number): OriginalPosition | undefined;
}

export function loadSourceMap(mapFile: string, repoRoot: string): SourceMap {
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as {
    sources: string[];
    sourceRoot?: string;
    mappings: string;
  };
  const base = resolve(dirname(mapFile), map.sourceRoot ?? '');
  // drizzle-orm ships maps naming `../src/x.ts`, a folder its package does not have: without
  // this its files would land in a `node_modules/src/` that belongs to no package.
  const files = map.sources.map((source) =>
    relative(repoRoot, resolve(base, source)).replace(
      /^node_modules\/src\//,
      'node_modules/drizzle-orm/src/',
    ),
  );
  const lines: Segment[][] = [];
  let source = 0;
  let line = 0;
  let column = 0;
  for (const group of map.mappings.split(';')) {
    const segments: Segment[] = [];
    let generated = 0;
    for (const text of group.split(',')) {
      if (!text) continue;
      const [dCol = 0, dSource, dLine = 0, dColumn = 0] = decodeSegment(text);
      generated += dCol;
      if (dSource === undefined) continue; // a position mapped to no source
      source += dSource;
      line += dLine;
      column += dColumn;
      segments.push([generated, source, line, column]);
    }
    lines.push(segments);
  }
  return {
    lookup(atLine, atColumn) {
      const segments = lines[atLine];
      if (!segments?.length) return undefined;
      // The last segment starting at or before the column (segments are sorted by column).
      let lo = 0;
      let hi = segments.length - 1;
      if ((segments[0]?.[0] ?? 0) > atColumn) return undefined;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((segments[mid]?.[0] ?? 0) <= atColumn) lo = mid;
        else hi = mid - 1;
      }
      const found = segments[lo];
      if (!found) return undefined;
      return { file: files[found[1]] ?? '?', line: found[2] + 1, column: found[3] + 1 };
    },
  };
}
