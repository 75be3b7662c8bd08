// Starts one local stack for the whole run (PGlite + embedded Redis by default; real servers
// when DATABASE_URL / REDIS_URL are set) and hands its URL to every test project.
//
// Vitest runs a root-level globalSetup once per project (projects inherit it through
// `extends: true`), so the stack is shared through globalThis and closed by the last teardown:
// one PGlite instance per run instead of three.
import type { TestProject } from 'vitest/node';
import { stackOptionsFromEnv, startStack, type Stack } from '../dev/stack.ts';

interface Shared {
  stack: Promise<Stack>;
  users: number;
}
const KEY = Symbol.for('edge-auth.test-stack');
const registry = globalThis as { [KEY]?: Shared };

function acquire(): Shared {
  const existing = registry[KEY];
  if (existing) {
    existing.users += 1;
    return existing;
  }
  const started = performance.now();
  const stack = startStack({ ...stackOptionsFromEnv(), log: (m) => console.log(m) }).then((s) => {
    console.log(
      `local stack ready in ${Math.round(performance.now() - started)} ms ` +
        `(db: ${s.backends.db}, redis: ${s.backends.redis})`,
    );
    return s;
  });
  const shared: Shared = { stack, users: 1 };
  registry[KEY] = shared;
  return shared;
}

export default async function setup(project: TestProject) {
  const shared = acquire();
  const stack = await shared.stack;
  project.provide('stack', { url: stack.url, token: stack.token, backends: stack.backends });
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete registry[KEY];
    await stack.close();
  };
}
