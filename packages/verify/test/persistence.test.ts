// On Workers the copies can live in the Cache API, so a new isolate starts warm. Runs where a
// Cache API exists (the verify-workerd project); Node has none.
import { describe, expect, it } from 'vitest';
import { cacheApiStore, createVerifier } from '../src/index.ts';
import { AUDIENCE, clock, ISSUER, testIssuer } from './issuer.ts';

const hasCacheApi =
  typeof (globalThis as { caches?: { default?: unknown } }).caches?.default === 'object';

describe.skipIf(!hasCacheApi)('cacheApiStore() (workerd)', () => {
  it('a second verifier (a new isolate) verifies without a request to the issuer', async () => {
    const issuer = await testIssuer({ clock: clock(Date.now()) });
    // Real time: the Cache API expires entries by the wall clock.
    const make = () =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        fetch: issuer.fetch,
        persist: cacheApiStore(),
      });
    const token = await issuer.sign();
    await make().verify(token);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the puts are in the background
    const total = () => [...issuer.hits.values()].reduce((a, b) => a + b, 0);
    const before = total();
    await expect(make().verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    expect(total()).toBe(before);
  });
});
