import { describe, expect, it } from 'vitest';
import { jwksUrl } from '../../src/shared/well-known-urls.ts';
import { roundTrips, send, sendWithEnv, uniqueIssuer } from './helpers.ts';

interface Jwks {
  keys: Record<string, unknown>[];
}

const PUBLIC_MEMBERS = ['kty', 'n', 'e', 'kid', 'alg', 'use'];

describe('GET /.well-known/jwks.json', () => {
  it('publishes RSA public keys with exactly the public members', async () => {
    const { response } = await send('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const { keys } = await response.json<Jwks>();
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      // Never a private member (d, p, q, dp, dq, qi, oth) or anything unexpected.
      expect(Object.keys(key).sort()).toEqual([...PUBLIC_MEMBERS].sort());
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      // 2048-bit modulus: 256 bytes -> 342 base64url characters.
      expect(String(key.n)).toHaveLength(342);
    }
  });

  it('carries caching, ETag and CORS headers', async () => {
    const { response } = await send('/.well-known/jwks.json');
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('Cache-Control')).toBe(
      'public, max-age=300, s-maxage=300, stale-while-revalidate=300, stale-if-error=3600',
    );
    expect(response.headers.get('ETag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(response.headers.get('Server-Timing')).toMatch(/total;dur=/);
  });

  it('answers 304 to a matching If-None-Match, 200 to a stale one', async () => {
    const first = (await send('/.well-known/jwks.json')).response;
    const etag = first.headers.get('ETag') ?? '';
    const again = (await send('/.well-known/jwks.json', { headers: { 'If-None-Match': etag } }))
      .response;
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
    expect(await again.text()).toBe('');
    const listed = await send('/.well-known/jwks.json', {
      headers: { 'If-None-Match': `"old", W/${etag}` },
    });
    expect(listed.response.status).toBe(304);
    const stale = await send('/.well-known/jwks.json', { headers: { 'If-None-Match': '"old"' } });
    expect(stale.response.status).toBe(200);
  });

  it('a warm edge answers with zero store round trips', async () => {
    await send('/.well-known/jwks.json'); // warm the cache
    const { response, requestId } = await send('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(await roundTrips(requestId)).toEqual({
      request_id: requestId,
      sql: { roundTrips: 0, units: 0 },
      redis: { roundTrips: 0, units: 0 },
    });
  });

  it('bootstraps exactly one key for a new issuer and serves it', async () => {
    const issuer = uniqueIssuer('boot');
    const response = await sendWithEnv('/.well-known/jwks.json', { ISSUER: issuer });
    const { keys } = await response.json<Jwks>();
    expect(keys).toHaveLength(1);
  });
});

describe('GET /.well-known/openid-configuration', () => {
  it('describes the issuer and its JWKS, with the same caching discipline', async () => {
    const { response } = await send('/.well-known/openid-configuration');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      issuer: 'http://auth.test',
      jwks_uri: 'http://auth.test/.well-known/jwks.json',
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(response.headers.get('ETag')).toBeTruthy();
    expect(response.headers.get('Cache-Control')).toContain('max-age=300');
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });

  it('a warm isolate answers from its own rendered copy, without the Cache API', async () => {
    const issuer = uniqueIssuer('memo');
    const first = await sendWithEnv('/.well-known/jwks.json', { ISSUER: issuer });
    expect(first.status).toBe(200);
    // sendWithEnv waited for the background put: the location holds a copy now. Take it away.
    const key = new Request(jwksUrl(issuer));
    expect(await caches.default.match(key)).toBeDefined();
    expect(await caches.default.delete(key)).toBe(true);

    const again = await sendWithEnv('/.well-known/jwks.json', { ISSUER: issuer });
    expect(again.status).toBe(200);
    expect(again.headers.get('ETag')).toBe(first.headers.get('ETag'));
    expect(await again.text()).toBe(await first.text());
    // Served from memory: no lookup found the copy missing, so none was rendered and put again.
    expect(await caches.default.match(key)).toBeUndefined();
  });
});
