import { describe, expect, it } from 'vitest';
import { roundTrips, send } from './helpers.ts';

describe('GET /health', () => {
  it('answers 200 with both stores ok, Server-Timing and a request id', async () => {
    const { response, requestId } = await send('/health');
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, { ok: boolean; ms: number } | string>>();
    expect(body).toMatchObject({ status: 'ok', db: { ok: true }, redis: { ok: true } });
    expect(response.headers.get('X-Request-Id')).toBe(requestId);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const timing = response.headers.get('Server-Timing') ?? '';
    expect(timing).toMatch(/db;dur=[\d.]+;desc="1 calls"/);
    expect(timing).toMatch(/redis;dur=[\d.]+;desc="1 calls"/);
    expect(timing).toMatch(/total;dur=[\d.]+/);
  });

  it('costs exactly one SQL round trip and one Redis round trip', async () => {
    const { response, requestId } = await send('/health');
    expect(response.status).toBe(200);
    expect(await roundTrips(requestId)).toMatchObject({
      sql: { roundTrips: 1, units: 1 },
      redis: { roundTrips: 1, units: 1 },
    });
  });

  it('generates a request id when the caller sends none', async () => {
    const { exports } = await import('cloudflare:workers');
    const response = await exports.default.fetch('http://auth.test/health');
    expect(response.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
