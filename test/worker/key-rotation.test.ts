// A full rotation cycle under a controlled clock, watched by a downstream consumer that no one
// here wrote: jose's createRemoteJWKSet + jwtVerify, fetching the JWKS from the Worker.
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signAccessToken } from '../../src/auth/access-token.ts';
import { advanceKeys } from '../../src/auth/keys/rotation.ts';
import { openPrivateKey } from '../../src/auth/keys/key-material.ts';
import { emergencyRotate } from '../../src/auth/keys/emergency.ts';
import { resealKeys } from '../../src/auth/keys/rotation.ts';
import { runCron, sendWithEnv, uniqueIssuer } from './helpers.ts';
import { keysFor, tokenSettings } from './keys-fixtures.ts';

const DAY = 86_400_000;
const MIN = 60_000;

afterEach(() => vi.useRealTimers());

function consumerOf(issuer: string) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), {
    [customFetch]: (url, init) => sendWithEnv(new URL(url).pathname, { ISSUER: issuer }, init),
  });
  return (token: string, at: Date) =>
    jwtVerify(token, jwks, {
      issuer,
      audience: 'http://api.test',
      typ: 'at+jwt',
      currentDate: at,
    });
}

async function publishedKids(issuer: string): Promise<string[]> {
  const response = await sendWithEnv('/.well-known/jwks.json', { ISSUER: issuer });
  const { keys } = await response.json<{ keys: { kid: string }[] }>();
  return keys.map((k) => k.kid).sort();
}

const claims = {
  sub: 'user-1',
  sid: 'session-1',
  scope: 'read',
  roles: ['viewer'],
  email: 'u@x.io',
};

describe('key rotation', () => {
  it('never fails a valid token through a full cycle, and drops the old key only after its tokens expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const issuer = uniqueIssuer('walk');
    const keys = keysFor(issuer);
    const verify = consumerOf(issuer);
    const t0 = new Date();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const sign = async (when: Date) => {
      vi.setSystemTime(when);
      return (await signAccessToken(keys, tokenSettings(issuer), claims, when)).token;
    };
    const verifiedAt = async (token: string, when: Date) => {
      vi.setSystemTime(when);
      return (await verify(token, when)).protectedHeader.kid;
    };

    // Day 0: the first key signs.
    const first = await sign(t0);
    const kidA = decodeProtectedHeader(first).kid;
    expect(await verifiedAt(first, at(MIN))).toBe(kidA);
    expect(await publishedKids(issuer)).toEqual([kidA]);

    // Just before the successor is due to be published: the cron does nothing.
    await runCron({ ISSUER: issuer }, at(29 * DAY - MIN));
    vi.setSystemTime(at(29 * DAY - MIN));
    expect(await publishedKids(issuer)).toEqual([kidA]);

    // Day 29: the successor is published (a full day before it signs); A still signs.
    await runCron({ ISSUER: issuer }, at(29 * DAY));
    vi.setSystemTime(at(29 * DAY));
    const published = await publishedKids(issuer);
    expect(published).toHaveLength(2);
    const kidB = published.find((kid) => kid !== kidA);
    const lastOfA = await sign(at(30 * DAY - 1000));
    expect(decodeProtectedHeader(lastOfA).kid).toBe(kidA);

    // Day 30: B signs; A's last token keeps verifying until it expires.
    const firstOfB = await sign(at(30 * DAY));
    expect(decodeProtectedHeader(firstOfB).kid).toBe(kidB);
    expect(await verifiedAt(firstOfB, at(30 * DAY + MIN))).toBe(kidB);
    expect(await verifiedAt(lastOfA, at(30 * DAY + 14 * MIN))).toBe(kidA);
    await runCron({ ISSUER: issuer }, at(30 * DAY + 14 * MIN));
    vi.setSystemTime(at(30 * DAY + 14 * MIN));
    expect(await publishedKids(issuer)).toEqual([kidA, kidB].sort());

    // After A's last token expired (+ clock skew), the cron removes A from the JWKS.
    await runCron({ ISSUER: issuer }, at(30 * DAY + 16 * MIN));
    vi.setSystemTime(at(30 * DAY + 16 * MIN));
    expect(await publishedKids(issuer)).toEqual([kidB]);
    expect(await verifiedAt(firstOfB, at(30 * DAY + 14 * MIN))).toBe(kidB);
  });

  it('emergency rotation removes the compromised key from the JWKS at once', async () => {
    const issuer = uniqueIssuer('leak');
    const keys = keysFor(issuer);
    const before = await signAccessToken(keys, tokenSettings(issuer), claims, new Date());
    const verify = consumerOf(issuer);
    await verify(before.token, new Date());

    const { kid, revoked } = await emergencyRotate(keys, new Date());
    expect(revoked).toBe(before.kid);
    // What a session script's reply tells this isolate after the CLI bumped the version
    // (test/worker/emergency-rotation.test.ts goes through Redis); no cache purge needed.
    keys.observeKeySetVersion(`after-${kid}`);
    expect(await publishedKids(issuer)).toEqual([kid]);

    const after = await signAccessToken(keys, tokenSettings(issuer), claims, new Date());
    expect(after.kid).toBe(kid);
    // A fresh consumer (no cached copy) accepts the new key and rejects the revoked one.
    const fresh = consumerOf(issuer);
    await expect(fresh(after.token, new Date())).resolves.toBeTruthy();
    await expect(fresh(before.token, new Date())).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });

  it('concurrent bootstraps on an empty key set yield exactly one current key', async () => {
    const issuer = uniqueIssuer('race');
    const now = new Date();
    // Separate contexts stand in for separate isolates: each lists, plans and inserts on its own.
    const results = await Promise.all(
      Array.from({ length: 8 }, () => advanceKeys(keysFor(issuer), now)),
    );
    expect(results.filter((r) => r.createdKid !== undefined)).toHaveLength(1);
    const listed = await keysFor(issuer).store.list(issuer);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.state).toBe('current');
  });
});

describe('key-encryption key', () => {
  it('a KEK that cannot decrypt the signing key fails clearly, naming the key and the KEK', async () => {
    const issuer = uniqueIssuer('kek');
    await sendWithEnv('/.well-known/jwks.json', { ISSUER: issuer }); // key sealed under "test"
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const wrong = `test:${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')}`;
    const keys = keysFor(issuer, { KEY_ENCRYPTION_KEY: wrong });
    await expect(
      signAccessToken(keys, tokenSettings(issuer), claims, new Date()),
    ).rejects.toMatchObject({
      code: 'server_misconfigured',
      message: expect.stringMatching(
        /KEY_ENCRYPTION_KEY cannot decrypt signing key .* \(sealed under KEK "test"\)/,
      ),
    });
    logged.mockRestore();
  });

  it('a missing KEK is a configuration error naming KEY_ENCRYPTION_KEY', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await sendWithEnv('/.well-known/jwks.json', { KEY_ENCRYPTION_KEY: undefined });
    expect(response.status).toBe(500);
    expect(JSON.parse(String(logged.mock.calls[0]?.[0])).variables).toEqual(['KEY_ENCRYPTION_KEY']);
    logged.mockRestore();
  });

  it('a publish lead shorter than the JWKS cache lifetime is refused', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await sendWithEnv('/health', { KEY_PUBLISH_LEAD: '30m' });
    expect(response.status).toBe(500);
    const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
    expect(line.variables).toEqual(['KEY_PUBLISH_LEAD']);
    expect(line.msg).toContain('must exceed the longest JWKS cache lifetime (5100s');
    logged.mockRestore();
  });
});

describe('KEK rotation', () => {
  it('a new KEK listed first still opens keys sealed under the old one, and rekey moves them', async () => {
    const issuer = uniqueIssuer('rekey');
    const { env } = await import('cloudflare:workers');
    const oldKek = String(env.KEY_ENCRYPTION_KEY);
    const newKek = `k2:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')}`;
    const original = await signAccessToken(
      keysFor(issuer),
      tokenSettings(issuer),
      claims,
      new Date(),
    );

    const both = keysFor(issuer, { KEY_ENCRYPTION_KEY: `${newKek},${oldKek}` });
    const { resealed } = await resealKeys(both);
    expect(resealed).toEqual([original.kid]);
    const [stored] = await both.store.list(issuer);
    expect(stored?.kekId).toBe('k2');

    // Now the new KEK alone opens the stored key, and the old one alone no longer does.
    const sealed = [stored?.privateKeyEnc ?? '', original.kid, 'k2'] as const;
    await expect(
      openPrivateKey(...sealed, keysFor(issuer, { KEY_ENCRYPTION_KEY: newKek }).policy.keks),
    ).resolves.toBeInstanceOf(Uint8Array);
    await expect(
      openPrivateKey(...sealed, keysFor(issuer, { KEY_ENCRYPTION_KEY: oldKek }).policy.keks),
    ).rejects.toThrow(/no KEK with id "k2"/);
  });
});
