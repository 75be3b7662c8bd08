// The git-ignored folder where the local stack keeps its state (PGlite, Redis, the dev KEK,
// the record of the running `npm run dev`): .data at the repository root. DEV_DATA_DIR moves
// it, so a test can start `npm run dev` without touching a developer's own .data.
import { resolve } from 'node:path';

export function devDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEV_DATA_DIR ? resolve(env.DEV_DATA_DIR) : resolve(import.meta.dirname, '..', '.data');
}
