// Emergency rotation (`npm run keys -- rotate`) as the rest of the world sees it: the rotation
// runs through the CLI's own code path (rotateInEmergency: SQL, then the key-set version bump
// in Redis) and never touches this isolate's memory, as the CLI in another process cannot.
// Each test owns an issuer and a Redis key prefix, so its version counter is its own.
import { env } from 'cloudflare:workers';
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emergencyRotate, rotateInEmergency } from '../../src/auth/keys/emergency.ts';
import { forgetKeys } from '../../src/auth/keys/service.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createStores } from '../../src/store/index.ts';
import { redisKeySetVersionCounter } from '../../src/store/key-set-version.ts';
import { bearer, PASSWORD, registerUser, type TokenPair } from './auth-fixtures.ts';
import { sendWithEnv, uniqueIssuer } from './helpers.ts';
import { keysFor } from './keys-fixtures.ts';
import { registerClient } from './oauth-fixtures.ts';

afterEach(() => vi.useRealTimers());

function deployment(label: string, settings: Record<string, string>) {
  const issuer = uniqueIssuer(label);
  const overrides = {
    ISSUER: issuer,
    REDIS_KEY_PREFIX: `ea:${crypto.randomUUID().slice(0, 8)}:`,
    AUDIENCES: 'http://api.test',
    ...settings,
  };
  const config = loadConfig({ ...env, ...overrides });
  const redis = createStores(config).redis;
  const json = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    sendWithEnv(path, overrides, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  return {
    issuer,
    /** What `npm run keys -- rotate` runs, against this deployment's database and Redis. */
    /** The rotation's SQL change alone, announced to no isolate (no version bump). */
    rotateSilently: (now = new Date()) => emergencyRotate(keysFor(issuer, overrides), now),
    rotate: (now = new Date()) =>
      rotateInEmergency(
        keysFor(issuer, overrides),
        redisKeySetVersionCounter(redis, config.redis.keyPrefix),
        now,
      ),
    async login(email: string): Promise<TokenPair> {
      const response = await json('/api/v1/auth/login', { email, password: PASSWORD });
      expect(response.status).toBe(200);
      return response.json<TokenPair>();
    },
    async refresh(refreshToken: string): Promise<TokenPair> {
      const response = await json('/api/v1/auth/refresh', { refresh_token: refreshToken });
      expect(response.status).toBe(200);
      return response.json<TokenPair>();
    },
    me: (accessToken: string) =>
      sendWithEnv('/api/v1/auth/me', overrides, { headers: bearer(accessToken) }),
    async publishedKids(): Promise<string[]> {
      const response = await sendWithEnv('/.well-known/jwks.json', overrides);
      expect(response.status).toBe(200);
      const { keys } = await response.json<{ keys: { kid: string }[] }>();
      return keys.map((k) => k.kid);
    },
    form: (path: string, fields: Record<string, string>, basic: string) =>
      sendWithEnv(path, overrides, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${btoa(basic)}`,
        },
        body: new URLSearchParams(fields).toString(),
      }),
  };
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('emergency rotation: signing', () => {
  it('a warm isolate signs logins, refreshes and client tokens with the new key at once', async () => {
    // An hour of key cache: only the key-set version can explain a switch within this test.
    const auth = deployment('sign', { KEY_CACHE_TTL: '3600' });
    const user = await registerUser();
    const first = await auth.login(user.email);
    const oldKid = kidOf(first.access_token);
    const warm = await auth.refresh(first.refresh_token);
    expect(kidOf(warm.access_token)).toBe(oldKid);

    const { kid: newKid, revoked, version } = await auth.rotate();
    expect(revoked).toBe(oldKid);
    expect(version).toBe('1');

    const refreshed = await auth.refresh(warm.refresh_token);
    expect(kidOf(refreshed.access_token)).toBe(newKid);
    const again = await auth.login(user.email);
    expect(kidOf(again.access_token)).toBe(newKid);
  });

  it('client credentials read the version beside the client lookup and sign with the new key', async () => {
    const auth = deployment('cc', { KEY_CACHE_TTL: '3600' });
    const { client, secret } = await registerClient({
      grantTypes: ['client_credentials'],
      redirectUris: [],
    });
    const basic = `${client.clientId}:${secret}`;
    const issue = async () => {
      const response = await auth.form(
        '/oauth/token',
        { grant_type: 'client_credentials', scope: 'read' },
        basic,
      );
      expect(response.status).toBe(200);
      return (await response.json<{ access_token: string }>()).access_token;
    };
    const before = await issue();
    const { kid: newKid, revoked } = await auth.rotate();
    expect(kidOf(before)).toBe(revoked);
    expect(kidOf(await issue())).toBe(newKid);
  });
});

describe('emergency rotation: the service itself refuses the revoked key', () => {
  it('requireAuth and introspection refuse tokens of the revoked key once the isolate saw the version', async () => {
    const auth = deployment('verify', { KEY_CACHE_TTL: '3600' });
    const user = await registerUser();
    const session = await auth.login(user.email);
    const { client, secret } = await registerClient({
      grantTypes: ['client_credentials'],
      redirectUris: [],
    });
    const basic = `${client.clientId}:${secret}`;
    const issued = await auth.form(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'read' },
      basic,
    );
    const serviceToken = (await issued.json<{ access_token: string }>()).access_token;
    const introspect = async (token: string) =>
      (await auth.form('/oauth/introspect', { token }, basic)).json<{ active: boolean }>();
    // Accepted before: what follows is refused because of the key, nothing else.
    expect((await auth.me(session.access_token)).status).toBe(200);
    expect(await introspect(serviceToken)).toMatchObject({ active: true });

    await auth.rotate();
    // Any session reply now carries the new version (here: the next refresh).
    const fresh = await auth.refresh(session.refresh_token);

    const refused = await auth.me(session.access_token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The token was signed by an unknown or withdrawn key.',
    });
    expect(await introspect(serviceToken)).toEqual({ active: false });
    expect((await auth.me(fresh.access_token)).status).toBe(200);
  });
});

describe('emergency rotation: verification learns of it in its own round trip', () => {
  it('the next /me and introspection after the rotate refuse the revoked key, with no sign-in in between', async () => {
    const auth = deployment('check', { KEY_CACHE_TTL: '3600' });
    const user = await registerUser();
    const session = await auth.login(user.email);
    const { client, secret } = await registerClient({
      grantTypes: ['authorization_code', 'refresh_token'],
      resourceAudiences: ['http://api.test'],
    });
    const basic = `${client.clientId}:${secret}`;
    const introspect = async (token: string) =>
      (await auth.form('/oauth/introspect', { token }, basic)).json<{ active: boolean }>();
    // Warm: this isolate verified the token with its cached key set, and saw the version.
    expect((await auth.me(session.access_token)).status).toBe(200);
    expect(await introspect(session.access_token)).toMatchObject({ active: true });

    await auth.rotate();
    // No login, refresh or client token since: only the version read beside the revocation
    // check can tell this isolate (its key cache is an hour long).
    const refused = await auth.me(session.access_token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The token was signed by an unknown or withdrawn key.',
    });
    expect(await introspect(session.access_token)).toEqual({ active: false });
  });
});

describe('the key set reloads ahead of its expiry, off the critical path', () => {
  it('past half KEY_CACHE_TTL a refresh signs from the cached set while it reloads; the next uses the reloaded set', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date();
    const auth = deployment('ahead', { KEY_CACHE_TTL: '10' });
    const user = await registerUser();
    const first = await auth.login(user.email);
    const oldKid = kidOf(first.access_token);
    // A key change no isolate hears of: only the cache's own expiry can bring it in.
    const { kid: newKid } = await auth.rotateSilently(t0);

    vi.setSystemTime(new Date(t0.getTime() + 4_000));
    const early = await auth.refresh(first.refresh_token);
    expect(kidOf(early.access_token)).toBe(oldKid); // under half the TTL: no reload at all

    vi.setSystemTime(new Date(t0.getTime() + 6_000));
    const served = await auth.refresh(early.refresh_token);
    // Signed from the cached set: this request did not wait for the reload it started...
    expect(kidOf(served.access_token)).toBe(oldKid);
    // ...which replaced the set once it landed (after that response, within the TTL).
    const next = await auth.refresh(served.refresh_token);
    expect(kidOf(next.access_token)).toBe(newKid);
  });
});

describe('emergency rotation: the JWKS', () => {
  it('a location stops serving its cached pre-rotation JWKS once the isolate key set is refreshed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const auth = deployment('jwks', { KEY_CACHE_TTL: '10' });
    const [oldKid] = await auth.publishedKids(); // renders and caches the JWKS at t0

    const { kid: newKid } = await auth.rotate(t0);
    // This isolate has not seen the version yet and its key set is fresh: the cached copy
    // still holds (the bound the README states: at most KEY_CACHE_TTL).
    expect(await auth.publishedKids()).toEqual([oldKid]);

    // Past half the TTL the cached copy still serves while the key set reloads in the
    // background; the next request compares against the reloaded set and re-renders.
    vi.setSystemTime(at(6_000));
    expect(await auth.publishedKids()).toEqual([oldKid]);
    expect(await auth.publishedKids()).toEqual([newKid]);
  });

  it('past KEY_CACHE_TTL the key set reloads first, and the cached copy is replaced', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date();
    const auth = deployment('ttl', { KEY_CACHE_TTL: '10' });
    const [oldKid] = await auth.publishedKids();
    const { kid: newKid } = await auth.rotate(t0);
    vi.setSystemTime(new Date(t0.getTime() + 10_001));
    expect(await auth.publishedKids()).toEqual([newKid]);
    expect(await auth.publishedKids()).not.toContain(oldKid);
  });

  it('a fresh isolate (a restart of wrangler dev) never serves a persisted copy of another key set', async () => {
    const auth = deployment('restart', { KEY_CACHE_TTL: '3600' });
    const [oldKid] = await auth.publishedKids();
    const { kid: newKid } = await auth.rotate();
    // The Cache API entry survives a restart; the isolate's memory does not.
    forgetKeys(auth.issuer);
    expect(await auth.publishedKids()).toEqual([newKid]);
    expect(newKid).not.toBe(oldKid);
  });
});
