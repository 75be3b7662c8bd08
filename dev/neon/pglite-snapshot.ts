// A gzip dump of a freshly migrated in-memory PGlite, cached under node_modules/.cache so the
// next in-memory start (every test run) skips initdb. Keyed by the PGlite version and the
// migrations' content: any change to either makes a new snapshot, never a stale one.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/edge-auth', import.meta.url));

const fileFor = (key: string): string => join(CACHE_DIR, `pglite-${key}.tar.gz`);

export async function snapshotKey(migrationsFolder: string): Promise<string> {
  const hash = createHash('sha256');
  // The package's exports hide its package.json; the entry it resolves to is dist/index.cjs.
  const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(await readFile(join(dirname(pgliteEntry), '..', 'package.json'), 'utf8'));
  hash.update(`pglite ${String(pkg.version)}\n`);
  const files = (await readdir(migrationsFolder, { recursive: true }))
    .filter((name) => name.endsWith('.sql') || name.endsWith('_journal.json'))
    .sort();
  for (const name of files) {
    hash.update(`${name}\n`);
    hash.update(await readFile(join(migrationsFolder, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

export async function loadSnapshot(key: string): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(fileFor(key))]);
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only or full disk only costs the next start its speed. */
export async function saveSnapshot(
  key: string,
  dump: Blob,
  log: (msg: string) => void,
): Promise<void> {
  const file = fileFor(key);
  // Written aside and renamed, so a parallel start never reads half a file.
  const partial = `${file}.${process.pid}.partial`;
  try {
    await mkdir(CACHE_DIR, { recursive: true });
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, file);
  } catch (error) {
    log(`neon: could not cache the PGlite snapshot (${String(error)})`);
    await rm(partial, { force: true });
  }
}

export async function discardSnapshot(key: string): Promise<void> {
  await rm(fileFor(key), { force: true });
}
