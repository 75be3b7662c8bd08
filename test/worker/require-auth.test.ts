// A hostile corpus against requireAuth (through GET /api/v1/auth/me): every token must be
// refused with 401 invalid_token and an RFC 6750 challenge.
import { base64url, decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/auth/access-token.ts';
import { currentSigner } from '../../src/auth/keys/service.ts';
import { bearer, newSession, postJson } from './auth-fixtures.ts';
import { expectRefusal, send } from './helpers.ts';
import { keysFor, tokenSettings } from './keys-fixtures.ts';

const ISSUER = 'http://auth.test';
const keys = () => keysFor(ISSUER);

const me = (token: string) => send('/api/v1/auth/me', { headers: bearer(token) });

// Several checks answer with one description; these name the shared ones.
const NOT_COMPACT =
  'The token is not a compact JWS of three unpadded base64url segments (RFC 7515 §7.1).';
const BAD_SIGNATURE = 'The token is malformed or its signature is invalid.';

/** Refused as invalid_token, by the check that `reason` (the error_description) names. */
async function expectRejected(token: string, reason: string) {
  const { response } = await me(token);
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ error: 'invalid_token', error_description: reason });
  expect(response.headers.get('WWW-Authenticate')).toMatch(
    /^Bearer realm="edge-auth", error="invalid_token"/,
  );
}

/** Claims of a live session, so only the property under test is wrong. */
async function liveClaims() {
  const { tokens } = await newSession();
  const claims = decodeJwt(tokens.access_token);
  return {
    tokens,
    claims: {
      sub: String(claims.sub),
      sid: String(claims.sid),
      scope: 'read',
      roles: ['viewer'],
      email: String(claims.email),
    },
  };
}

const segments = (token: string) => token.split('.') as [string, string, string];
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('requireAuth refuses', () => {
  it('alg "none"', async () => {
    const { tokens } = await liveClaims();
    const [, payload] = segments(tokens.access_token);
    await expectRejected(`${encode({ alg: 'none', typ: 'at+jwt' })}.${payload}.`, NOT_COMPACT);
  });

  it('HS256 signed with the public key as the HMAC secret', async () => {
    const { tokens } = await liveClaims();
    const { keys: published } = await (
      await send('/.well-known/jwks.json')
    ).response.json<{ keys: { n: string; kid: string }[] }>();
    const secret = new TextEncoder().encode(JSON.stringify(published[0]));
    const forged = await new SignJWT(decodeJwt(tokens.access_token))
      .setProtectedHeader({ alg: 'HS256', kid: published[0]!.kid, typ: 'at+jwt' })
      .sign(secret);
    await expectRejected(forged, BAD_SIGNATURE);
  });

  it('an unknown kid', async () => {
    const { tokens } = await liveClaims();
    const [header, payload, signature] = segments(tokens.access_token);
    const parsed = JSON.parse(new TextDecoder().decode(base64url.decode(header)));
    await expectRejected(
      `${encode({ ...parsed, kid: 'no-such-key' })}.${payload}.${signature}`,
      'The token was signed by an unknown or withdrawn key.',
    );
  });

  it('a tampered payload', async () => {
    const { tokens } = await liveClaims();
    const [header, , signature] = segments(tokens.access_token);
    const claims = decodeJwt(tokens.access_token);
    await expectRejected(
      `${header}.${encode({ ...claims, roles: ['admin'], scope: 'read write admin' })}.${signature}`,
      BAD_SIGNATURE,
    );
  });

  it('a tampered signature', async () => {
    const { tokens } = await liveClaims();
    const [header, payload, signature] = segments(tokens.access_token);
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    await expectRejected(`${header}.${payload}.${flipped}`, BAD_SIGNATURE);
  });

  it('an expired token', async () => {
    const { claims } = await liveClaims();
    const old = await signAccessToken(
      keys(),
      tokenSettings(ISSUER),
      claims,
      new Date(Date.now() - 3_600_000),
    );
    await expectRejected(old.token, 'The token has expired.');
  });

  it('a token not yet valid (nbf and iat in the future)', async () => {
    const { claims } = await liveClaims();
    const future = await signAccessToken(
      keys(),
      tokenSettings(ISSUER),
      claims,
      new Date(Date.now() + 600_000),
    );
    await expectRejected(future.token, 'The token\'s "nbf" claim is not acceptable.');
  });

  it('a wrong issuer', async () => {
    const { claims } = await liveClaims();
    const token = await signAccessToken(
      keys(),
      { ...tokenSettings(ISSUER), issuer: 'http://evil.test' },
      claims,
      new Date(),
    );
    await expectRejected(token.token, 'The token\'s "iss" claim is not acceptable.');
  });

  it('a wrong audience', async () => {
    const { claims } = await liveClaims();
    const token = await signAccessToken(
      keys(),
      { ...tokenSettings(ISSUER), audiences: ['http://other.test'] },
      claims,
      new Date(),
    );
    await expectRejected(token.token, 'The token\'s "aud" claim is not acceptable.');
  });

  it('a wrong typ (an ID token or plain JWT)', async () => {
    const { claims } = await liveClaims();
    const signer = await currentSigner(keys(), new Date());
    const token = await new SignJWT({ ...claims, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience('http://api.test')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(signer.key);
    await expectRejected(token, 'The token\'s "typ" claim is not acceptable.');
  });

  it('a blacklisted jti (after logout)', async () => {
    const { tokens } = await liveClaims();
    await send('/api/v1/auth/logout', { method: 'POST', headers: bearer(tokens.access_token) });
    await expectRejected(tokens.access_token, 'The token has been revoked.');
  });

  it('a token whose session was revoked (refresh-token reuse)', async () => {
    const { tokens } = await liveClaims();
    const strict = { REFRESH_REUSE_GRACE: '0' };
    const { sendWithEnv } = await import('./helpers.ts');
    const post = () =>
      sendWithEnv('/api/v1/auth/refresh', strict, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: tokens.refresh_token }),
      });
    expect((await post()).status).toBe(200);
    await expectRefusal(await post(), 401, 'refresh_token_reused');
    await expectRejected(tokens.access_token, 'The session has ended.');
  });

  it('a refresh token used as an access token', async () => {
    const { tokens } = await liveClaims();
    await expectRejected(tokens.refresh_token, NOT_COMPACT);
  });

  it('a non-Bearer scheme', async () => {
    const { response } = await send('/api/v1/auth/me', {
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
    });
    await expectRefusal(
      response,
      401,
      'invalid_token',
      'The Authorization header is not a Bearer token.',
    );
  });

  it('and accepts the genuine token (the corpus is not rejecting everything)', async () => {
    const { tokens } = await liveClaims();
    expect((await me(tokens.access_token)).response.status).toBe(200);
    expect(
      (await postJson('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token })).response
        .status,
    ).toBe(200);
  });
});
