// argon2 interop between the Worker (src/auth/passwords.ts, wasm in workerd) and @node-rs/argon2
// (native, what Node-side tools and any other service would use): PHC strings must verify both
// ways. Fixed pairs from test/fixtures/argon2-interop.json (scripts/argon2-fixtures.ts), and fresh
// ones on every run from our code running in workerd through wrangler.
import { hash, verify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARGON2ID,
  DEFAULT_PARAMS,
  INTEROP_PASSWORDS,
  type PasswordWorker,
  startPasswordWorker,
} from '../../scripts/argon2-fixtures.ts';
import interop from '../fixtures/argon2-interop.json';

// The spec's parameters for (b): OWASP's argon2id minimum, our configured default.
const NODE_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

describe('fixtures: hashes made in workerd', () => {
  it('verify with @node-rs/argon2, and a wrong password does not', async () => {
    expect(interop.workerd.map((entry) => entry.password)).toEqual(INTEROP_PASSWORDS);
    for (const { password, hash: stored } of interop.workerd) {
      expect(stored).toMatch(
        /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
      );
      expect(await verify(stored, password), password).toBe(true);
      expect(await verify(stored, `${password} `), password).toBe(false);
    }
  });
});

describe('live: our code in workerd and @node-rs/argon2 in Node', () => {
  let worker: PasswordWorker;
  beforeAll(async () => {
    worker = await startPasswordWorker();
  }, 60_000);
  afterAll(async () => {
    await worker?.dispose();
  });

  it('(a) a PHC string made in workerd verifies with @node-rs/argon2', async () => {
    for (const password of INTEROP_PASSWORDS) {
      const stored = await worker.hash(password);
      expect(await verify(stored, password), password).toBe(true);
      expect(await verify(stored, password.slice(0, -1)), password).toBe(false);
    }
  });

  it('(b) a hash from @node-rs/argon2 verifies with our code in workerd', async () => {
    for (const password of INTEROP_PASSWORDS) {
      const stored = await hash(password, NODE_OPTIONS);
      expect(await worker.verify(password, stored), password).toEqual({
        ok: true,
        needsRehash: false,
      });
      expect(await worker.verify(`${password}!`, stored), password).toEqual({
        ok: false,
        needsRehash: false,
      });
    }
  });

  it('(b) and is flagged for rehash once the configured cost is above it', async () => {
    const stored = await hash('correct horse battery staple', NODE_OPTIONS);
    expect(
      await worker.verify('correct horse battery staple', stored, {
        ...DEFAULT_PARAMS,
        memoryKib: 65_536,
      }),
    ).toEqual({ ok: true, needsRehash: true });
  });
});
