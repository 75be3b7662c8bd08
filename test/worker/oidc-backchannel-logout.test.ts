// OpenID Connect Back-Channel Logout 1.0: when end-session ends a sign-in, every client with a
// backchannel_logout_uri that held a session from it receives a logout token (§2.4), POSTed
// after the response (§2.5) to a real receiver (the dev stack's, dev/backchannel.ts), verified
// here with jose against the Worker's JWKS. A receiver's 5xx or silence is retried a bounded
// number of times with backoff, a 4xx is not; every delivery is audited, never its token.
import { exports } from 'cloudflare:workers';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { auditRowsOfUser, secretsIn } from './audit-fixtures.ts';
import { endSession, idTokenFor, receivedAt, receiverUri } from './logout-fixtures.ts';
import { codeFlowTokens, ISSUER, signedInBrowser } from './oauth-fixtures.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

async function jwks() {
  const response = await exports.default.fetch(new Request(`${ISSUER}/.well-known/jwks.json`));
  return createLocalJWKSet(await response.json<JSONWebKeySet>());
}

/** A browser signed in to a client that registered `backchannelUri`, and its id_token_hint. */
async function appWithReceiver(
  backchannelUri: string,
  browser?: Awaited<ReturnType<typeof signedInBrowser>>,
) {
  const flow = await codeFlowTokens({
    client: { backchannelLogoutUri: backchannelUri },
    ...(browser ? { browser } : {}),
  });
  const hint = await idTokenFor({
    clientId: flow.client.clientId,
    sub: flow.browser.user.user_id,
    sid: flow.browser.sid,
  });
  return { ...flow, hint };
}

describe('back-channel logout tokens', () => {
  it('delivers a logout token the receiver verifies against the JWKS (§2.4)', async () => {
    const receiver = receiverUri('verify');
    const app = await appWithReceiver(receiver.uri);
    const { response } = await endSession({ id_token_hint: app.hint }, app.browser.cookie);
    expect(response.status).toBe(200);

    const [message] = await receivedAt(receiver.name);
    expect(message?.contentType).toBe('application/x-www-form-urlencoded');
    const token = message?.logoutToken ?? '';
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'logout+jwt' });
    const { payload } = await jwtVerify(token, await jwks(), {
      issuer: ISSUER,
      audience: app.client.clientId,
      typ: 'logout+jwt',
      algorithms: ['RS256'],
      requiredClaims: ['iat', 'exp', 'jti'],
    });
    expect(payload.sub).toBe(app.browser.user.user_id);
    expect(payload.sid).toBe(app.browser.sid);
    expect(payload.aud).toBe(app.client.clientId);
    expect(payload.events).toEqual({ [EVENT]: {} });
    // §2.4: "A nonce Claim MUST NOT be present".
    expect(payload).not.toHaveProperty('nonce');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120);

    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'backchannel_logout_delivered');
    expect(row?.sessionId).toBe(app.browser.sid);
    expect(row?.details).toEqual({ client_id: app.client.clientId, attempts: 1, status: 200 });
    expect(secretsIn(row!, [token])).toEqual([]);
  });

  it('tells every client signed in from the browser session, and only those with a receiver', async () => {
    const first = receiverUri('multi-a');
    const second = receiverUri('multi-b');
    const browser = await signedInBrowser();
    const a = await appWithReceiver(first.uri, browser);
    const b = await appWithReceiver(second.uri, browser);
    const silent = await codeFlowTokens({ browser });
    const { response } = await endSession({ id_token_hint: a.hint }, browser.cookie);
    expect(response.status).toBe(200);

    const rows = await auditRowsOfUser(browser.user.user_id, 'backchannel_logout_delivered', 2);
    expect(rows.map((r) => (r.details as { client_id: string }).client_id).sort()).toEqual(
      [a.client.clientId, b.client.clientId].sort(),
    );
    expect(rows.map((r) => r.details)).not.toContainEqual(
      expect.objectContaining({ client_id: silent.client.clientId }),
    );
    const [toB] = await receivedAt(second.name);
    const { payload } = await jwtVerify(toB?.logoutToken ?? '', await jwks(), {
      issuer: ISSUER,
      audience: b.client.clientId,
      typ: 'logout+jwt',
    });
    expect(payload.sid).toBe(browser.sid);
    expect((await receivedAt(first.name)).length).toBe(1);
  });

  it('retries after a receiver 500, with a fresh token each time, until it answers 200', async () => {
    const receiver = receiverUri('retry', { fail: 2, status: 500 });
    const app = await appWithReceiver(receiver.uri);
    await endSession({ id_token_hint: app.hint }, app.browser.cookie);

    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'backchannel_logout_delivered');
    expect(row?.details).toEqual({ client_id: app.client.clientId, attempts: 3, status: 200 });
    const messages = await receivedAt(receiver.name, 3);
    expect(messages.map((m) => m.status)).toEqual([500, 500, 200]);
    const jtis = await Promise.all(
      messages.map(async (m) => {
        const { payload } = await jwtVerify(m.logoutToken ?? '', await jwks(), {
          issuer: ISSUER,
          audience: app.client.clientId,
        });
        return payload.jti;
      }),
    );
    expect(new Set(jtis).size).toBe(3);
  });

  it('gives up after a bounded number of attempts and audits the failure', async () => {
    const receiver = receiverUri('down', { fail: 1000, status: 503 });
    const app = await appWithReceiver(receiver.uri);
    await endSession({ id_token_hint: app.hint }, app.browser.cookie);

    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'backchannel_logout_failed');
    expect(row?.details).toEqual({
      client_id: app.client.clientId,
      attempts: 3,
      status: 503,
      reason: 'rejected',
    });
    // The audit row is written once delivery is over: no attempt can come after it.
    expect((await receivedAt(receiver.name, 3)).length).toBe(3);
  });

  it('does not retry a 4xx: the receiver refused the token', async () => {
    const receiver = receiverUri('refuses', { fail: 1000, status: 400 });
    const app = await appWithReceiver(receiver.uri);
    await endSession({ id_token_hint: app.hint }, app.browser.cookie);

    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'backchannel_logout_failed');
    expect(row?.details).toEqual({
      client_id: app.client.clientId,
      attempts: 1,
      status: 400,
      reason: 'rejected',
    });
    expect((await receivedAt(receiver.name)).map((m) => m.status)).toEqual([400]);
  });

  it('audits an unreachable receiver after its retries', async () => {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    const app = await appWithReceiver('http://127.0.0.1:9/backchannel');
    await endSession({ id_token_hint: app.hint }, app.browser.cookie);
    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'backchannel_logout_failed');
    expect(row?.details).toEqual({
      client_id: app.client.clientId,
      attempts: 3,
      status: null,
      reason: 'unreachable',
    });
  });

  it('logout-all tells the clients that lost a session too, with the sign-in they came from', async () => {
    const receiver = receiverUri('logout-all');
    const app = await appWithReceiver(receiver.uri);
    const response = await exports.default.fetch(
      new Request(`${ISSUER}/api/v1/auth/logout-all`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${app.browser.tokens.access_token}` },
      }),
    );
    expect(response.status).toBe(204);
    const [message] = await receivedAt(receiver.name);
    const { payload } = await jwtVerify(message?.logoutToken ?? '', await jwks(), {
      issuer: ISSUER,
      audience: app.client.clientId,
      typ: 'logout+jwt',
    });
    expect(payload.sub).toBe(app.browser.user.user_id);
    expect(payload.sid).toBe(app.browser.sid);
    const [row] = await auditRowsOfUser(app.browser.user.user_id, 'backchannel_logout_delivered');
    expect(row?.details).toEqual({ client_id: app.client.clientId, attempts: 1, status: 200 });
  });

  it('the receiver answers its message list only with the stack token', async () => {
    const { url } = inject('stack');
    const res = await fetch(`${url}/backchannel/messages`);
    expect(res.status).toBe(401);
  });
});
