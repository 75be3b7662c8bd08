// Consent for third-party clients (OIDC Core 1.0 §3.1.2.4): the hosted consent page, allow and
// deny, the remembered grant, scope escalation, prompt=consent and prompt=none, and the grant
// listed and withdrawn on the account page and through the API (which ends the client's
// sessions for the user: its refresh token stops working).
import { describe, expect, it } from 'vitest';
import { auditRowsOfUser } from './audit-fixtures.ts';
import { login } from './auth-fixtures.ts';
import { send } from './helpers.ts';
import { receivedAt, receiverUri } from './logout-fixtures.ts';
import { basicAuth, postForm } from './oauth-fixtures.ts';
import {
  authorizePath,
  Browser,
  continueTarget,
  csrfOf,
  exchange,
  expectRedirectError,
  signedInUser,
  thirdParty,
} from './oidc-browser-fixtures.ts';

const LOGO = 'https://cdn.photo-printer.example/logo.png';

/** GET authorize, which must show the consent page; the page's form action and token. */
async function consentPage(browser: Browser, path: string) {
  const page = await browser.get(path);
  expect(page.response.status, String(page.location)).toBe(200);
  const action = /<form method="post" action="([^"]+)"/
    .exec(page.body)?.[1]
    ?.replace(/&amp;/g, '&');
  expect(action).toMatch(/^\/oauth\/consent\?/);
  const user = /name="user" value="([^"]+)"/.exec(page.body)?.[1];
  return { ...page, action: action!, csrf: csrfOf(page.body), user: user! };
}

/** Through the consent page with `decision`; the URL the continue page goes to. */
async function decide(browser: Browser, path: string, decision: 'allow' | 'deny') {
  const { action, csrf, user } = await consentPage(browser, path);
  const answer = await browser.post(action, { csrf, user, decision });
  expect(answer.response.status, answer.body).toBe(200);
  return continueTarget(answer.body);
}

/** A user who allowed a third-party client `scope`; the client's tokens. */
async function consented(scope = 'openid read', backchannelLogoutUri?: string) {
  const { client, secret } = await thirdParty(backchannelLogoutUri ? { backchannelLogoutUri } : {});
  const { user, browser } = await signedInUser();
  const { path, verifier } = await authorizePath(client.clientId, { scope });
  const target = await decide(browser, path, 'allow');
  const tokens = await exchange(client, secret!, target.searchParams.get('code')!, verifier);
  return { client, secret: secret!, user, browser, tokens };
}

const refresh = (client: { clientId: string }, secret: string, token: string) =>
  postForm(
    '/oauth/token',
    { grant_type: 'refresh_token', refresh_token: token },
    { Authorization: basicAuth(client.clientId, secret) },
  );

describe('the consent page', () => {
  it('names the app, shows its logo and says what each scope allows', async () => {
    const { client } = await thirdParty({ logoUri: LOGO });
    const { user, browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, { scope: 'openid profile email read' });
    const page = await consentPage(browser, path);
    // The name is escaped like any value.
    expect(page.body).toContain('Allow Photo Printer &lt;Beta&gt; to access your account?');
    expect(page.body).toContain(`<img src="${LOGO}"`);
    expect(page.body).toContain(user.email);
    expect(page.body).toContain('Sign you in with your edge-auth account');
    expect(page.body).toContain('See your profile: your name.');
    expect(page.body).toContain('See your email address and whether it is confirmed.');
    expect(page.body).toContain('with the “read” permission');
    expect(page.body).toContain('name="decision" value="allow"');
    expect(page.body).toContain('name="decision" value="deny"');
    // The page CSP lets that one logo origin in, and still frames nothing.
    const csp = page.response.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toMatch(/img-src 'self' data: https:\/\/cdn\.photo-printer\.example(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.response.headers.get('Cache-Control')).toBe('no-store');
    expect(page.response.headers.get('Referrer-Policy')).toBe('same-origin');
  });

  it('allow: a code for the client, the grant remembered and audited', async () => {
    const { client, user, tokens } = await consented();
    expect(tokens.scope).toBe('openid read');
    const [row] = await auditRowsOfUser(user.user_id, 'consent_granted');
    expect(row?.details).toEqual({ client_id: client.clientId, scopes: ['openid', 'read'] });
  });

  it('deny: access_denied at the redirect URI, with state and iss; nothing remembered', async () => {
    const { client } = await thirdParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId);
    const target = await decide(browser, path, 'deny');
    expect(expectRedirectError(target, 'access_denied')).toBe('The user denied the request.');
    // Asked again next time.
    await consentPage(browser, (await authorizePath(client.clientId)).path);
  });

  it('a decision without the form token is refused (csrf_failed) and grants nothing', async () => {
    const { client } = await thirdParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId);
    const { action } = await consentPage(browser, path);
    const forged = await browser.post(action, { decision: 'allow' });
    expect(forged.response.status).toBe(403);
    expect(forged.body).toContain('This form could not be accepted');
    expect(forged.body).not.toContain('code=');
    await consentPage(browser, (await authorizePath(client.clientId)).path);
  });

  it('an allow shown to another user (another account signed in since) asks again', async () => {
    const { client } = await thirdParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId);
    const { action, csrf } = await consentPage(browser, path);
    const stale = await browser.post(action, {
      csrf,
      user: crypto.randomUUID(),
      decision: 'allow',
    });
    // The page again, for the user signed in now; nothing remembered.
    expect(stale.response.status).toBe(200);
    expect(stale.body).toContain('name="decision" value="allow"');
    await consentPage(browser, (await authorizePath(client.clientId)).path);
  });

  it('first-party clients are never asked', async () => {
    const { client } = await thirdParty({ firstParty: true });
    const { browser } = await signedInUser();
    const { location } = await browser.get((await authorizePath(client.clientId)).path);
    expect(location?.searchParams.get('code')).toBeTruthy();
  });
});

describe('the remembered grant', () => {
  it('skips the page for the same or fewer scopes', async () => {
    const { client, browser } = await consented('openid read');
    for (const scope of ['openid read', 'read']) {
      const { path } = await authorizePath(client.clientId, { scope });
      const { response, location } = await browser.get(path);
      expect(response.status).toBe(303);
      expect(location?.searchParams.get('code'), scope).toBeTruthy();
    }
  });

  it('a scope beyond it (escalation) asks again, marking what is new', async () => {
    const { client, browser } = await consented('openid read');
    const { path } = await authorizePath(client.clientId, { scope: 'openid read email' });
    const page = await consentPage(browser, path);
    expect(page.body).toMatch(/data-scope="email">[^<]*<span class="tag"> New<\/span>/);
    expect(page.body).not.toMatch(/data-scope="read">[^<]*<span class="tag">/);
    // prompt=none cannot ask: consent_required.
    const none = await authorizePath(client.clientId, {
      scope: 'openid read email',
      prompt: 'none',
    });
    expect(expectRedirectError((await browser.get(none.path)).location, 'consent_required')).toBe(
      'The user must consent, and prompt=none forbids showing the consent page.',
    );
  });

  it('prompt=consent asks even when remembered', async () => {
    const { client, browser } = await consented('openid read');
    const { path } = await authorizePath(client.clientId, { prompt: 'consent' });
    const target = await decide(browser, path, 'allow');
    expect(target.searchParams.get('code')).toBeTruthy();
  });

  it('prompt=none with no grant yet: consent_required, no page', async () => {
    const { client } = await thirdParty();
    const { browser } = await signedInUser();
    const { path } = await authorizePath(client.clientId, { prompt: 'none' });
    const { response, location } = await browser.get(path);
    expect(response.status).toBe(303);
    expectRedirectError(location, 'consent_required');
  });
});

describe('withdrawing a grant', () => {
  it('on the account page: listed, revoked, the client signed out, asked again', async () => {
    const { client, secret, user, browser, tokens } = await consented();
    const account = await browser.get('/account');
    expect(account.body).toContain('Photo Printer &lt;Beta&gt;');
    expect(account.body).toContain(client.clientId);
    const action = `/account/consents/${encodeURIComponent(client.clientId)}/revoke`;
    expect(account.body).toContain(`action="${action}"`);

    const revoked = await browser.post(action, { csrf: csrfOf(account.body) });
    expect([revoked.response.status, revoked.location?.pathname]).toEqual([303, '/account']);
    expect((await browser.get('/account')).body).not.toContain(client.clientId);
    const refused = await refresh(client, secret, tokens.refresh_token);
    expect(refused.status).toBe(400);
    expect((await refused.json<{ error: string }>()).error).toBe('invalid_grant');
    const [row] = await auditRowsOfUser(user.user_id, 'consent_revoked');
    expect(row?.details).toEqual({
      client_id: client.clientId,
      sessions_revoked: 1,
      source: 'page',
    });
    await consentPage(browser, (await authorizePath(client.clientId)).path);
  });

  it('through the API: listed, revoked (its refresh token dies), then 404', async () => {
    const { client, secret, user, tokens } = await consented('openid read');
    const own = await login(user.email);
    const auth = { Authorization: `Bearer ${own.access_token}` };

    const list = await send('/api/v1/account/consents', { headers: auth });
    expect(list.response.status).toBe(200);
    const { consents } = await list.response.json<{
      consents: { client_id: string; client_name: string; scopes: string[] }[];
    }>();
    expect(consents).toEqual([
      expect.objectContaining({
        client_id: client.clientId,
        client_name: 'Photo Printer <Beta>',
        scopes: ['openid', 'read'],
      }),
    ]);

    // The client's own token may not read or withdraw grants (first-party only).
    const asClient = await send('/api/v1/account/consents', {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(asClient.response.status).toBe(403);

    const path = `/api/v1/account/consents/${encodeURIComponent(client.clientId)}`;
    const deleted = await send(path, { method: 'DELETE', headers: auth });
    expect(deleted.response.status).toBe(204);
    const refused = await refresh(client, secret, tokens.refresh_token);
    expect((await refused.json<{ error: string }>()).error).toBe('invalid_grant');
    const again = await send(path, { method: 'DELETE', headers: auth });
    expect(again.response.status).toBe(404);
    expect((await again.response.json<{ error: string }>()).error).toBe('not_found');
    const empty = await send('/api/v1/account/consents', { headers: auth });
    expect((await empty.response.json<{ consents: unknown[] }>()).consents).toEqual([]);
  });
});

describe('withdrawing a grant tells the client', () => {
  it('its sessions ended: a back-channel logout token per session (OIDC Back-Channel Logout)', async () => {
    const receiver = receiverUri('consent');
    const { client, user, browser } = await consented('openid read', receiver.uri);
    const own = await login(user.email);
    const path = `/api/v1/account/consents/${encodeURIComponent(client.clientId)}`;
    const deleted = await send(path, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${own.access_token}` },
    });
    expect(deleted.response.status).toBe(204);
    const [message, ...more] = await receivedAt(receiver.name);
    expect(more).toEqual([]);
    const [, payload = ''] = (message?.logoutToken ?? '').split('.');
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<
      string,
      unknown
    >;
    // Signature, typ and the rest are verified in oidc-backchannel-logout.test.ts; here: whom.
    expect(claims).toMatchObject({
      aud: client.clientId,
      sub: user.user_id,
      sid: browser.sso?.sid,
    });
  });
});

describe('documentation', () => {
  it('the OpenAPI document covers the consent endpoints and the authorize parameters', async () => {
    const { response } = await send('/openapi.json');
    const doc = await response.json<{
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/account/consents'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/account/consents/{client_id}'] ?? {})).toEqual([
      'delete',
    ]);
    expect(doc.paths['/oauth/consent']).toHaveProperty('post');
    const names = doc.paths['/oauth/authorize']?.get?.parameters?.map((p) => p.name) ?? [];
    for (const name of ['prompt', 'max_age', 'login_hint', 'id_token_hint', 'request_uri']) {
      expect(names).toContain(name);
    }
  });
});
