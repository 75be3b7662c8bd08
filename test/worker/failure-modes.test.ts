// The app against a broken environment: a store that is down, a variable that is missing.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index.ts';
import type { Bindings } from '../../src/config/index.ts';

// Port 9 (discard) on loopback: nothing listens, so connections are refused at once.
const DEAD = 'http://127.0.0.1:9';

async function call(path: string, overrides: Partial<Record<keyof Bindings, string | undefined>>) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://auth.test${path}`),
    { ...env, ...overrides } as Bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

afterEach(() => vi.restoreAllMocks());

describe('a store is unreachable', () => {
  it('/health answers 503 naming redis when Redis is down', async () => {
    const response = await call('/health', { UPSTASH_REDIS_REST_URL: DEAD });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'unavailable',
      db: { ok: true },
      redis: { ok: false },
      failing: ['redis'],
    });
    expect(response.headers.get('Server-Timing')).toMatch(/redis;dur=/);
  });

  it('/health answers 503 naming db when Postgres is down', async () => {
    const response = await call('/health', { NEON_FETCH_ENDPOINT: `${DEAD}/sql` });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      db: { ok: false },
      redis: { ok: true },
      failing: ['db'],
    });
  });
});

describe('configuration', () => {
  it('a missing variable fails with 500 server_misconfigured and the log names it', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await call('/health', { ISSUER: undefined });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: 'server_misconfigured',
      error_description: 'The service is misconfigured.',
    });
    expect(response.headers.get('X-Request-Id')).toBeTruthy();
    const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
    expect(line).toMatchObject({ code: 'server_misconfigured', variables: ['ISSUER'] });
    expect(line.msg).toContain('ISSUER');
  });

  it('a malformed duration names the variable and the bad value', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await call('/health', { ACCESS_TOKEN_TTL: 'soon' });
    expect(response.status).toBe(500);
    const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
    expect(line.variables).toEqual(['ACCESS_TOKEN_TTL']);
    expect(line.msg).toContain('"soon" is not a duration');
  });

  it('never puts a secret value into the log line', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await call('/health', { UPSTASH_REDIS_REST_URL: 'not a url', UPSTASH_REDIS_REST_TOKEN: '' });
    const text = String(logged.mock.calls[0]?.[0]);
    expect(text).toContain('UPSTASH_REDIS_REST_URL');
    expect(text).toContain('UPSTASH_REDIS_REST_TOKEN');
    expect(text).not.toContain(String(env.UPSTASH_REDIS_REST_TOKEN));
  });
});
