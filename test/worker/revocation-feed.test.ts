// GET /.well-known/revocations: every revocation path reaches the feed that offline verifiers
// (packages/verify) follow, the feed is edge-cached (a warm copy costs no store round trip),
// and it answers 304 to the ETag it gave. Each test reads the feed under its own ISSUER, so its
// first read builds a fresh copy from Redis (the feed's Redis set is shared; its edge copy is
// per issuer URL).
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { adminSession } from './audit-fixtures.ts';
import { bearer, newSession, PASSWORD, postJson } from './auth-fixtures.ts';
import { roundTrips, send, sendWithEnv, uniqueIssuer } from './helpers.ts';
import { endSession, idTokenFor } from './logout-fixtures.ts';
import { basicAuth, codeFlowTokens, postForm, registerClient } from './oauth-fixtures.ts';

interface Feed {
  iss: string;
  generated_at: number;
  window: number;
  sessions: string[];
  tokens: string[];
  users: { sub: string; revoked_at: number; keep_sid?: string }[];
}

async function freshFeed(): Promise<Feed> {
  const issuer = uniqueIssuer('feed');
  const response = await sendWithEnv('/.well-known/revocations', { ISSUER: issuer });
  expect(response.status).toBe(200);
  const feed = await response.json<Feed>();
  expect(feed.iss).toBe(issuer);
  return feed;
}

const claims = (token: string) => decodeJwt(token) as { sid: string; sub: string; jti: string };

describe('revocation feed: every revocation path', () => {
  it('logout lists the session', async () => {
    const { tokens } = await newSession();
    const { response } = await send('/api/v1/auth/logout', {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(response.status).toBe(204);
    expect((await freshFeed()).sessions).toContain(claims(tokens.access_token).sid);
  });

  it('OIDC logout (end-session) lists the client session that ended with the sign-in', async () => {
    const flow = await codeFlowTokens();
    const hint = await idTokenFor({
      clientId: flow.client.clientId,
      sub: flow.browser.user.user_id,
      sid: flow.browser.sid,
    });
    const { response } = await endSession({ id_token_hint: hint }, flow.browser.cookie);
    expect(response.status).toBe(200);
    const feed = await freshFeed();
    expect(feed.sessions).toContain(claims(flow.tokens.access_token).sid);
    expect(feed.sessions).toContain(flow.browser.sid);
  });

  it('revoking one session lists it; logout-all lists the user', async () => {
    const { user, tokens } = await newSession();
    const other = await postJson('/api/v1/auth/login', { email: user.email, password: PASSWORD });
    const otherSid = claims(
      (await other.response.json<{ access_token: string }>()).access_token,
    ).sid;
    const revoked = await send(`/api/v1/auth/sessions/${otherSid}`, {
      method: 'DELETE',
      headers: bearer(tokens.access_token),
    });
    expect(revoked.response.status).toBe(204);
    const all = await send('/api/v1/auth/logout-all', {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(all.response.status).toBe(204);
    const feed = await freshFeed();
    expect(feed.sessions).toContain(otherSid);
    const entry = feed.users.find((u) => u.sub === user.user_id);
    expect(entry).toBeDefined();
    expect(entry!.keep_sid).toBeUndefined();
    // Tokens issued before the sweep are covered: iat <= revoked_at.
    expect(claims(tokens.access_token)).toMatchObject({ sub: user.user_id });
    expect(decodeJwt(tokens.access_token).iat!).toBeLessThanOrEqual(entry!.revoked_at);
  });

  it("a password change lists the user, keeping the caller's session", async () => {
    const { user, tokens } = await newSession();
    const { response } = await postJson(
      '/api/v1/auth/password/change',
      { current_password: PASSWORD, new_password: 'another long unusual passphrase 43' },
      bearer(tokens.access_token),
    );
    expect(response.status).toBeLessThan(300);
    const entry = (await freshFeed()).users.find((u) => u.sub === user.user_id);
    expect(entry).toMatchObject({ keep_sid: claims(tokens.access_token).sid });
  });

  it("an admin's revoke-sessions lists the user", async () => {
    const { tokens: adminTokens } = await adminSession();
    const { user } = await newSession();
    const { response } = await send(`/api/v1/admin/users/${user.user_id}/revoke-sessions`, {
      method: 'POST',
      headers: bearer(adminTokens.access_token),
    });
    expect(response.status).toBe(200);
    expect((await freshFeed()).users.map((u) => u.sub)).toContain(user.user_id);
  });

  it('refresh-token reuse lists the session it ended', async () => {
    // REFRESH_REUSE_GRACE 0: a replay of a rotated token is reuse at once, no sleeping.
    const { tokens } = await newSession();
    const post = (token: string) =>
      sendWithEnv(
        '/api/v1/auth/refresh',
        { REFRESH_REUSE_GRACE: '0' },
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: token }),
        },
      );
    expect((await post(tokens.refresh_token)).status).toBe(200);
    const replay = await post(tokens.refresh_token);
    expect(await replay.json()).toMatchObject({ error: 'refresh_token_reused' });
    expect((await freshFeed()).sessions).toContain(claims(tokens.access_token).sid);
  });

  it('RFC 7009: a revoked client-credentials token is listed by jti', async () => {
    const { client, secret } = await registerClient({
      grantTypes: ['client_credentials'],
      redirectUris: [],
    });
    const auth = { Authorization: basicAuth(client.clientId, secret!) };
    const issued = await postForm('/oauth/token', { grant_type: 'client_credentials' }, auth);
    expect(issued.status).toBe(200);
    const { access_token } = await issued.json<{ access_token: string }>();
    const revoked = await postForm('/oauth/revoke', { token: access_token }, auth);
    expect(revoked.status).toBe(200);
    expect((await freshFeed()).tokens).toContain(claims(access_token).jti);
  });
});

describe('revocation feed: the document', () => {
  it('is linked from discovery, edge-cached, and answers 304 to its ETag', async () => {
    const issuer = uniqueIssuer('feed-cache');
    const discovery = await sendWithEnv('/.well-known/openid-configuration', { ISSUER: issuer });
    expect(await discovery.json()).toMatchObject({
      revocation_feed_uri: `${issuer}/.well-known/revocations`,
    });
    const first = await sendWithEnv('/.well-known/revocations', { ISSUER: issuer });
    expect(first.status).toBe(200);
    expect(first.headers.get('Cache-Control')).toBe(
      'public, max-age=5, s-maxage=5, stale-while-revalidate=5, stale-if-error=930',
    );
    const feed = await first.json<Feed>();
    expect(feed.window).toBe(15 * 60 + 30);
    const etag = first.headers.get('ETag')!;
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    const again = await sendWithEnv(
      '/.well-known/revocations',
      { ISSUER: issuer },
      {
        headers: { 'If-None-Match': etag },
      },
    );
    expect(again.status).toBe(304);
    expect(Number(again.headers.get('Age'))).toBeGreaterThanOrEqual(0);
  });

  it('a cold copy costs one Redis round trip, a warm one none', async () => {
    const issuer = uniqueIssuer('feed-warm');
    const read = async () => {
      const requestId = `t-${crypto.randomUUID()}`;
      const response = await sendWithEnv(
        '/.well-known/revocations',
        { ISSUER: issuer },
        {
          headers: { 'X-Request-Id': requestId },
        },
      );
      expect(response.status).toBe(200);
      return roundTrips(requestId);
    };
    expect(await read()).toMatchObject({ sql: { roundTrips: 0 }, redis: { roundTrips: 1 } });
    // Within the 5 s edge TTL the copy is this isolate's: no store touched.
    expect(await read()).toMatchObject({ sql: { roundTrips: 0 }, redis: { roundTrips: 0 } });
  });
});
