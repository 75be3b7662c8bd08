// The revocation feed: listed sessions, tokens and users are refused; verification costs no
// round trip while the copy is fresh; a revocation lands within max-age + stale-while-revalidate;
// past stale-if-error verification fails closed.
import { beforeEach, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier, VerifyError } from '../src/index.ts';
import { AUDIENCE, ISSUER, type TestIssuer, testIssuer } from './issuer.ts';

let issuer: TestIssuer;
let verifier: Verifier;

const feedHits = () => issuer.hits.get('/.well-known/revocations') ?? 0;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const codeOf = (token: string) =>
  verifier.verify(token).then(
    () => 'ok',
    (e: unknown) => (e instanceof VerifyError ? e.code : String(e)),
  );
const claimsOf = (token: string) =>
  JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
    sid: string;
    jti: string;
    iat: number;
  };

beforeEach(async () => {
  issuer = await testIssuer();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    fetch: issuer.fetch,
    now: issuer.clock.now,
  });
});

describe('revocation feed', () => {
  it('refuses a listed session, a listed token; others pass', async () => {
    const bySession = await issuer.sign();
    const byId = await issuer.sign();
    issuer.feed.sessions.push(claimsOf(bySession).sid);
    issuer.feed.tokens.push(claimsOf(byId).jti);
    expect(await codeOf(bySession)).toBe('token_revoked');
    expect(await codeOf(byId)).toBe('token_revoked');
    expect(await codeOf(await issuer.sign())).toBe('ok');
  });

  it("a user sweep refuses the user's tokens issued up to revoked_at, except the kept session", async () => {
    const before = await issuer.sign({ sub: 'user-9' });
    const kept = await issuer.sign({ sub: 'user-9', sid: 'kept' });
    const otherUser = await issuer.sign({ sub: 'user-8' });
    issuer.feed.users.push({
      sub: 'user-9',
      revoked_at: Math.floor(issuer.clock.now() / 1000),
      keep_sid: 'kept',
    });
    issuer.clock.advance(1);
    const after = await issuer.sign({ sub: 'user-9' });
    expect(await codeOf(before)).toBe('token_revoked');
    expect(await codeOf(kept)).toBe('ok');
    expect(await codeOf(otherUser)).toBe('ok');
    expect(await codeOf(after)).toBe('ok');
  });

  it('10,000 verifications within max-age: one feed fetch, one JWKS fetch', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.sign()));
    for (let i = 0; i < 10_000; i++) {
      if (i % 2500 === 0) issuer.clock.advance(1);
      await verifier.verify(tokens[i % tokens.length]!);
    }
    expect(feedHits()).toBe(1);
    expect(issuer.hits.get('/.well-known/jwks.json')).toBe(1);
  });

  it('a revocation lands within max-age + stale-while-revalidate (10 s)', async () => {
    const token = await issuer.sign();
    expect(await codeOf(token)).toBe('ok');
    issuer.feed.sessions.push(claimsOf(token).sid);
    issuer.clock.advance(4);
    expect(await codeOf(token)).toBe('ok'); // fresh copy: not yet known
    issuer.clock.advance(2); // stale: answered from the copy, refreshed in the background
    expect(await codeOf(token)).toBe('ok');
    await settle();
    expect(await codeOf(token)).toBe('token_revoked');
    expect(feedHits()).toBe(2);
  });

  it('an idle verifier past max-age + stale-while-revalidate fetches before it answers', async () => {
    const token = await issuer.sign();
    expect(await codeOf(token)).toBe('ok');
    issuer.feed.sessions.push(claimsOf(token).sid);
    issuer.clock.advance(11);
    expect(await codeOf(token)).toBe('token_revoked');
  });

  it('issuer down: the copy serves for stale-if-error, then verification fails closed', async () => {
    const token = await issuer.sign({}, { ttl: 3600 });
    expect(await codeOf(token)).toBe('ok');
    issuer.down = true;
    issuer.clock.advance(900);
    expect(await codeOf(token)).toBe('ok');
    issuer.clock.advance(100); // 1000 s > 5 + 930
    expect(await codeOf(token)).toBe('revocations_unavailable');
    issuer.down = false;
    expect(await codeOf(token)).toBe('ok');
  });

  it("no feed in the issuer's metadata: none by default, an error when asked for", async () => {
    issuer.publishFeed = false;
    expect(await codeOf(await issuer.sign())).toBe('ok');
    expect(feedHits()).toBe(0);
    const strict = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: issuer.fetch,
      now: issuer.clock.now,
      revocation: 'feed',
    });
    const error = await strict.verify(await issuer.sign()).catch((e: unknown) => e);
    expect((error as VerifyError).code).toBe('revocations_unavailable');
  });

  it('introspect mode asks the issuer per request (RFC 7662)', async () => {
    const exact = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: issuer.fetch,
      now: issuer.clock.now,
      revocation: 'introspect',
      client: { clientId: 'api-service', clientSecret: 'a-secret' },
    });
    const token = await issuer.sign();
    await expect(exact.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    issuer.inactive.add(claimsOf(token).jti);
    const error = await exact.verify(token).catch((e: unknown) => e);
    expect((error as VerifyError).code).toBe('token_inactive');
    expect(exact.stats().introspections).toBe(2);
    expect(feedHits()).toBe(0);
    const wrong = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: issuer.fetch,
      now: issuer.clock.now,
      revocation: 'introspect',
      client: { clientId: 'api-service', clientSecret: 'wrong' },
    });
    const refused = await wrong.verify(await issuer.sign()).catch((e: unknown) => e);
    expect((refused as VerifyError).code).toBe('introspection_unavailable');
  });
});
