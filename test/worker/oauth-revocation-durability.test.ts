// Revoked client-credentials tokens survive a Redis that loses its data (issue 13, item 12).
// They have no session to die with, so their revocation is also kept in SQL; a sentinel key,
// read in the introspection's one pipelined Redis request, reveals the loss, and the
// unexpired revocations are replayed into Redis before the answer.
//
// The test owns a Redis key prefix (REDIS_KEY_PREFIX), so "losing the data" is deleting every
// key under it: what FLUSHDB does to a deployment, without disturbing tests running beside it.
import { inject } from 'vitest';
import { Redis } from '@upstash/redis/cloudflare';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents, revokedAccessTokens } from '../../src/store/schema.ts';
import { auditRowsWhere } from './audit-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { roundTrips, runCron, sendWithEnv, uniqueIssuer } from './helpers.ts';
import { basicAuth, registerClient } from './oauth-fixtures.ts';

const stack = inject('stack');
const redis = new Redis({ url: stack.url, token: stack.token, automaticDeserialization: false });

/** Every key under `prefix` gone, as after a restart without persistence or a FLUSHDB. */
async function loseRedisData(prefix: string) {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  expect(await redis.keys(`${prefix}*`)).toEqual([]);
}

async function serviceWithPrefix() {
  const prefix = `durable-${crypto.randomUUID().slice(0, 8)}:`;
  const { client, secret } = await registerClient({
    grantTypes: ['client_credentials'],
    redirectUris: [],
  });
  const auth = { Authorization: basicAuth(client.clientId, secret!) };
  const post = async (path: string, fields: Record<string, string>, requestId?: string) => {
    const response = await sendWithEnv(
      path,
      { REDIS_KEY_PREFIX: prefix },
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          ...auth,
          ...(requestId ? { 'X-Request-Id': requestId } : {}),
        },
        body: new URLSearchParams(fields).toString(),
      },
    );
    return response;
  };
  const token = async () => {
    const response = await post('/oauth/token', { grant_type: 'client_credentials' });
    expect(response.status).toBe(200);
    return (await response.json<{ access_token: string }>()).access_token;
  };
  const introspect = async (value: string, requestId = `t-${crypto.randomUUID()}`) => {
    const response = await post('/oauth/introspect', { token: value }, requestId);
    expect(response.status).toBe(200);
    return { body: await response.json<{ active: boolean }>(), requestId };
  };
  return { prefix, client, post, token, introspect };
}

const restoredEvents = (requestId: string) =>
  auditRowsWhere(
    and(eq(auditEvents.requestId, requestId), eq(auditEvents.type, 'revocations_restored')),
  );

describe('a revoked client-credentials token after Redis lost its data', () => {
  it('stays inactive: the revocation is replayed from SQL, and the replay is audited', async () => {
    const service = await serviceWithPrefix();
    const revoked = await service.token();
    const live = await service.token();
    const revocation = await service.post('/oauth/revoke', { token: revoked });
    expect(revocation.status).toBe(200);
    expect((await service.introspect(revoked)).body).toEqual({ active: false });

    await loseRedisData(service.prefix);

    const after = await service.introspect(revoked);
    expect(after.body).toEqual({ active: false });
    const [event] = await restoredEvents(after.requestId);
    expect(event?.details).toMatchObject({ restored: expect.any(Number) });
    expect((event?.details as { restored: number }).restored).toBeGreaterThanOrEqual(1);
    // Replayed: Redis answers for it again on its own, with the sentinel back.
    const jti = JSON.parse(atob(revoked.split('.')[1]!)).jti as string;
    expect(await redis.exists(`${service.prefix}rvk:${jti}`)).toBe(1);
    expect(await redis.exists(`${service.prefix}sentinel`)).toBe(1);
    // The replay revoked nothing else.
    expect((await service.introspect(live)).body).toMatchObject({ active: true });
  });

  it('a revocation Redis dropped is replayed from SQL; then introspection is one round trip again', async () => {
    const service = await serviceWithPrefix();
    const revoked = await service.token();
    await loseRedisData(service.prefix);
    expect((await service.post('/oauth/revoke', { token: revoked })).status).toBe(200);
    await redis.del(`${service.prefix}rvk:${JSON.parse(atob(revoked.split('.')[1]!)).jti}`);
    const first = await service.introspect(revoked);
    expect(first.body).toEqual({ active: false });
    expect(await restoredEvents(first.requestId)).toHaveLength(1);
    // With the sentinel back, an introspection is one Redis round trip again, no SQL but the
    // client's authentication.
    const second = await service.introspect(revoked);
    expect(second.body).toEqual({ active: false });
    expect(await roundTrips(second.requestId)).toMatchObject({
      sql: { roundTrips: 1 },
      redis: { roundTrips: 1 },
    });
  });
});

describe('the durable revocation list', () => {
  it('is purged by the hourly cron once a token is past exp + CLOCK_SKEW, not before', async () => {
    const now = Date.now();
    const id = crypto.randomUUID();
    const [gone, skewed, kept] = [`gone-${id}`, `skewed-${id}`, `kept-${id}`];
    // CLOCK_SKEW defaults to 30 s: a token 10 s past exp still verifies.
    await testDb()
      .insert(revokedAccessTokens)
      .values([
        { jti: gone, expiresAt: new Date(now - 3_600_000) },
        { jti: skewed, expiresAt: new Date(now - 10_000) },
        { jti: kept, expiresAt: new Date(now + 600_000) },
      ]);
    await runCron({ ISSUER: uniqueIssuer('purge') }, new Date(now));
    const left = await testDb()
      .select({ jti: revokedAccessTokens.jti })
      .from(revokedAccessTokens)
      .where(inArray(revokedAccessTokens.jti, [gone, skewed, kept]));
    expect(left.map((row) => row.jti).sort()).toEqual([kept, skewed].sort());
  });
});
