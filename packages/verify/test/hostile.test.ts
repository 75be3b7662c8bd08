// The hostile corpus: every token here must be refused, with the code that names why, and
// none may cost the issuer more than the JWKS fetches the cooldown allows.
import { base64url, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier, VerifyError } from '../src/index.ts';
import { AUDIENCE, ISSUER, newKey, type TestIssuer, testIssuer } from './issuer.ts';

let issuer: TestIssuer;
let verifier: Verifier;

beforeEach(async () => {
  issuer = await testIssuer();
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    fetch: issuer.fetch,
    now: issuer.clock.now,
    revocation: 'none',
  });
});

async function refusal(token: string): Promise<VerifyError> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof VerifyError))
    throw new Error(`expected a VerifyError, got ${String(error)}`);
  return error;
}

const segment = (value: unknown) => base64url.encode(JSON.stringify(value));
const part = (i: number) => (token: string) => token.split('.')[i]!;
const [headerOf, payloadOf, signatureOf] = [part(0), part(1), part(2)];

describe('hostile tokens', () => {
  it('a good token verifies (the corpus below differs from it in one way each)', async () => {
    const claims = await verifier.verify(await issuer.sign());
    expect(claims).toMatchObject({ iss: ISSUER, sub: 'user-1', scope: 'read write' });
  });

  it('alg "none", with or without a signature', async () => {
    const good = await issuer.sign();
    const header = segment({ alg: 'none', typ: 'at+jwt', kid: 'key-1' });
    expect((await refusal(`${header}.${payloadOf(good)}.`)).code).toBe('token_malformed');
    const withSignature = `${header}.${payloadOf(good)}.${signatureOf(good)}`;
    expect((await refusal(withSignature)).code).toBe('alg_not_allowed');
  });

  it('HS256 signed with the public key as the HMAC secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(issuer.keys[0]!.jwk));
    const forged = await new SignJWT({ sub: 'admin', jti: 'x', scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'key-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    expect((await refusal(forged)).code).toBe('alg_not_allowed');
  });

  it('wrong audience, wrong issuer', async () => {
    const aud = await refusal(await issuer.sign({ aud: 'https://other.example' }));
    expect([aud.code, aud.claim]).toEqual(['claim_invalid', 'aud']);
    const iss = await refusal(await issuer.sign({ iss: 'https://evil.example' }));
    expect([iss.code, iss.claim]).toEqual(['claim_invalid', 'iss']);
  });

  it('expired past the leeway; accepted within it', async () => {
    const now = Math.floor(issuer.clock.now() / 1000);
    expect((await refusal(await issuer.sign({ exp: now - 31 }))).code).toBe('token_expired');
    await expect(verifier.verify(await issuer.sign({ exp: now - 29 }))).resolves.toBeDefined();
  });

  it('nbf or iat in the future past the leeway', async () => {
    const now = Math.floor(issuer.clock.now() / 1000);
    const nbf = await refusal(await issuer.sign({ nbf: now + 120 }));
    expect([nbf.code, nbf.claim]).toEqual(['token_not_yet_valid', 'nbf']);
    const iat = await refusal(await issuer.sign({ iat: now + 120, nbf: now }));
    expect([iat.code, iat.claim]).toEqual(['token_not_yet_valid', 'iat']);
  });

  it('typ other than at+jwt, or none (RFC 9068 §4)', async () => {
    expect((await refusal(await issuer.sign({}, { header: { typ: 'JWT' } }))).code).toBe(
      'typ_invalid',
    );
    expect((await refusal(await issuer.sign({}, { header: { typ: undefined } }))).code).toBe(
      'typ_invalid',
    );
  });

  it('required claims missing (jti, sub, exp)', async () => {
    for (const claim of ['jti', 'sub', 'exp']) {
      const error = await refusal(await issuer.sign({ [claim]: undefined }));
      expect(error.code).toBe('claim_invalid');
      expect(error.claim).toBe(claim);
    }
  });

  it('padded or re-spelt signatures (RFC 7515 §2)', async () => {
    const good = await issuer.sign();
    expect((await refusal(`${good}=`)).code).toBe('token_malformed');
    expect((await refusal(`${good}==`)).code).toBe('token_malformed');
    // A 256-byte signature is 342 characters: the last carries 4 unused bits. Setting one
    // decodes to the same bytes, so only the canonical check can tell.
    const signature = signatureOf(good);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const respelt = `${good.slice(0, -1)}${alphabet[last | 1]}`;
    expect(respelt).not.toBe(good);
    expect((await refusal(respelt)).code).toBe('token_malformed');
  });

  it('a tampered payload does not verify', async () => {
    const good = await issuer.sign();
    const payload = segment({
      ...JSON.parse(new TextDecoder().decode(base64url.decode(payloadOf(good)))),
      scope: 'admin',
    });
    const tampered = `${headerOf(good)}.${payload}.${signatureOf(good)}`;
    expect((await refusal(tampered)).code).toBe('signature_invalid');
  });

  it('oversized tokens are refused before any parsing or fetch', async () => {
    const huge = await issuer.sign({ filler: 'x'.repeat(10_000) });
    expect((await refusal(huge)).code).toBe('token_too_large');
    expect((await refusal('a'.repeat(1_000_000))).code).toBe('token_too_large');
    expect(issuer.hits.size).toBe(0);
  });

  it('garbage: not three segments, not base64url, not JSON', async () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', 'a b.c.d', '!!.??.**']) {
      expect((await refusal(token)).code).toBe('token_malformed');
    }
    expect((await refusal(`${segment('x')}.${segment('y')}.AAAA`)).code).toBe('token_malformed');
  });

  it('no kid, or a kid nobody publishes', async () => {
    expect((await refusal(await issuer.sign({}, { header: { kid: undefined } }))).code).toBe(
      'kid_unknown',
    );
    const stranger = await newKey('not-published');
    expect((await refusal(await issuer.sign({}, { key: stranger }))).code).toBe('kid_unknown');
  });

  it('an unknown-kid flood costs at most one JWKS fetch per cooldown', async () => {
    await verifier.verify(await issuer.sign());
    expect(issuer.hits.get('/.well-known/jwks.json')).toBe(1);
    const stranger = await newKey();
    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        issuer.sign({}, { key: { ...stranger, kid: `made-up-${i}` } }),
      ),
    );
    // Concurrently, then one by one: still one refetch within the 30 s cooldown.
    const codes = await Promise.all(flood.map(async (token) => (await refusal(token)).code));
    expect(new Set(codes)).toEqual(new Set(['kid_unknown']));
    for (const token of flood.slice(0, 50)) expect((await refusal(token)).code).toBe('kid_unknown');
    issuer.clock.advance(20);
    for (const token of flood.slice(50, 100)) await refusal(token);
    expect(issuer.hits.get('/.well-known/jwks.json')).toBe(2);
    // Past the cooldown, one more.
    issuer.clock.advance(11);
    for (const token of flood.slice(100)) await refusal(token);
    expect(issuer.hits.get('/.well-known/jwks.json')).toBe(3);
    // Good tokens verified throughout from the copy held.
    await expect(verifier.verify(await issuer.sign())).resolves.toBeDefined();
  });
});
