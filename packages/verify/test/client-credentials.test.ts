// clientCredentials(): one token request for many callers, kept until shortly before expiry,
// retried on transient failures (network, 5xx, 429), never on a refusal.
import { describe, expect, it } from 'vitest';
import { clientCredentials, VerifyError } from '../src/index.ts';
import { clock } from './issuer.ts';

function tokenEndpoint(script: (number | 'network')[] = []) {
  const seen: { authorization: string | null; body: string }[] = [];
  let issued = 0;
  const fetch = async (input: string, init?: RequestInit) => {
    if (input !== 'https://auth.example/oauth/token') {
      // The API the token is for: it echoes the Authorization header.
      return Response.json({ authorization: new Headers(init?.headers).get('Authorization') });
    }
    seen.push({
      authorization: new Headers(init?.headers).get('Authorization'),
      body: String(init?.body),
    });
    const next = script.shift();
    if (next === 'network') throw new TypeError('fetch failed');
    if (next !== undefined && next !== 200) {
      return Response.json(
        { error: next === 401 ? 'invalid_client' : 'server_error' },
        { status: next },
      );
    }
    issued++;
    return Response.json({
      access_token: `token-${issued}`,
      token_type: 'Bearer',
      expires_in: 900,
    });
  };
  return { fetch, seen };
}

const base = {
  clientId: 'svc',
  clientSecret: 's3cret',
  tokenEndpoint: 'https://auth.example/oauth/token',
  sleep: async () => {},
};

describe('clientCredentials()', () => {
  it('one request for concurrent callers; kept until refreshBefore; basic auth and scope', async () => {
    const time = clock();
    const endpoint = tokenEndpoint();
    const client = clientCredentials({
      ...base,
      fetch: endpoint.fetch,
      now: time.now,
      scope: ['orders:read', 'orders:write'],
    });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => client.token()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(endpoint.seen).toHaveLength(1);
    expect(endpoint.seen[0]!.authorization).toBe(`Basic ${btoa('svc:s3cret')}`);
    expect(new URLSearchParams(endpoint.seen[0]!.body).get('scope')).toBe(
      'orders:read orders:write',
    );
    time.advance(839);
    expect(await client.token()).toBe('token-1');
    time.advance(2); // within 60 s of expiry
    expect(await client.token()).toBe('token-2');
  });

  it('retries network errors and 5xx, then succeeds', async () => {
    const endpoint = tokenEndpoint(['network', 503]);
    const client = clientCredentials({ ...base, fetch: endpoint.fetch });
    expect(await client.token()).toBe('token-1');
    expect(client.requests).toBe(3);
  });

  it('a refusal (401 invalid_client) is not retried', async () => {
    const endpoint = tokenEndpoint([401]);
    const client = clientCredentials({ ...base, fetch: endpoint.fetch });
    const error = await client.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as VerifyError).code).toBe('client_credentials_failed');
    expect((error as VerifyError).message).toContain('invalid_client');
    expect(client.requests).toBe(1);
  });

  it('fetch() sends the token', async () => {
    const endpoint = tokenEndpoint();
    const client = clientCredentials({ ...base, fetch: endpoint.fetch });
    const response = await client.fetch('https://orders.example/api');
    expect(await response.json()).toEqual({ authorization: 'Bearer token-1' });
  });
});
