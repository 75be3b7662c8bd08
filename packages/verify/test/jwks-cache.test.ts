// The key set is cached as its HTTP headers say: fresh for max-age, served while one background
// revalidation (If-None-Match, 304) runs for stale-while-revalidate, served stale while the
// issuer fails for stale-if-error, fetched once for any number of concurrent verifications,
// and, with a DocumentStore, taken over by a new verifier (a new isolate) without a fetch.
import { beforeEach, describe, expect, it } from 'vitest';
import { createVerifier, type FetchEvent, memoryStore, VerifyError } from '../src/index.ts';
import { AUDIENCE, ISSUER, newKey, type TestIssuer, testIssuer } from './issuer.ts';

let issuer: TestIssuer;
let events: FetchEvent[];

const jwksHits = () => issuer.hits.get('/.well-known/jwks.json') ?? 0;
const make = (extra: Partial<Parameters<typeof createVerifier>[0]> = {}) =>
  createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    fetch: issuer.fetch,
    now: issuer.clock.now,
    revocation: 'none',
    onFetch: (event) => events.push(event),
    ...extra,
  });

beforeEach(async () => {
  issuer = await testIssuer();
  events = [];
});

/** Lets a background refresh finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('JWKS cache', () => {
  it('concurrent cold verifications share one discovery and one JWKS fetch', async () => {
    const verifier = make();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => issuer.sign()));
    await Promise.all(tokens.map((token) => verifier.verify(token)));
    expect(issuer.hits.get('/.well-known/openid-configuration')).toBe(1);
    expect(jwksHits()).toBe(1);
  });

  it('fresh for max-age: no fetch', async () => {
    const verifier = make();
    await verifier.verify(await issuer.sign());
    issuer.clock.advance(299);
    await verifier.verify(await issuer.sign());
    expect(jwksHits()).toBe(1);
  });

  it('stale-while-revalidate: answers at once, revalidates once in the background (304)', async () => {
    const verifier = make();
    await verifier.verify(await issuer.sign());
    issuer.clock.advance(301);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.sign()));
    await Promise.all(tokens.map((token) => verifier.verify(token)));
    await settle();
    expect(jwksHits()).toBe(2);
    expect(events.filter((e) => e.url.endsWith('jwks.json')).map((e) => e.outcome)).toEqual([
      'modified',
      'not_modified',
    ]);
    // The 304 renewed the copy: fresh again for max-age.
    issuer.clock.advance(299);
    await verifier.verify(await issuer.sign());
    expect(jwksHits()).toBe(2);
  });

  it('past max-age + stale-while-revalidate: fetched before use', async () => {
    const verifier = make();
    await verifier.verify(await issuer.sign());
    issuer.clock.advance(601);
    const next = await newKey('key-2');
    issuer.keys = [next];
    // The new key is known without a refetch for an unknown kid: the copy was refreshed first.
    await verifier.verify(await issuer.sign({}, { key: next }));
    expect(jwksHits()).toBe(2);
  });

  it('stale-if-error: verifies from the copy while the issuer is down, then recovers', async () => {
    const verifier = make();
    await verifier.verify(await issuer.sign());
    issuer.down = true;
    issuer.clock.advance(3000); // past max-age + swr, within max-age + stale-if-error (3900 s)
    await expect(verifier.verify(await issuer.sign())).resolves.toMatchObject({ sub: 'user-1' });
    issuer.clock.advance(1000); // past stale-if-error
    const error = await verifier.verify(await issuer.sign()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as VerifyError).code).toBe('jwks_unavailable');
    expect((error as VerifyError).status).toBe(503);
    issuer.down = false;
    await expect(verifier.verify(await issuer.sign())).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('a key published ahead of use (scheduled rotation): no failure, no extra fetch', async () => {
    const verifier = make();
    const next = await newKey('key-2');
    issuer.keys = [issuer.keys[0]!, next];
    await verifier.verify(await issuer.sign());
    // The new key starts signing; the copy held already has it.
    await verifier.verify(await issuer.sign({}, { key: next }));
    expect(jwksHits()).toBe(1);
  });

  it('an emergency rotation: the unknown kid is fetched at once (once per cooldown)', async () => {
    const verifier = make();
    await verifier.verify(await issuer.sign());
    const replacement = await newKey('key-3');
    issuer.keys = [replacement];
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => issuer.sign({}, { key: replacement })),
    );
    await Promise.all(tokens.map((token) => verifier.verify(token)));
    expect(jwksHits()).toBe(2);
  });

  it('a DocumentStore lets a new verifier (a new isolate) start warm', async () => {
    const persist = memoryStore();
    await make({ persist }).verify(await issuer.sign());
    await settle();
    const before = [...issuer.hits.values()].reduce((a, b) => a + b, 0);
    await make({ persist }).verify(await issuer.sign());
    const after = [...issuer.hits.values()].reduce((a, b) => a + b, 0);
    expect(after).toBe(before);
  });
});
