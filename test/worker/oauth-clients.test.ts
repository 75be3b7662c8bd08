// OAuth clients: the admin API (admin scope, validation, secrets shown once, audited without
// them) and client authentication (RFC 6749 §2.3.1) through a tiny app of its own.
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/store/schema.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { renderError } from '../../src/http/error-response.ts';
import { oauthForm, presentedClientCredentials } from '../../src/http/oauth-form.ts';
import { authenticateClient } from '../../src/oauth/client-auth.ts';
import type { NewClient } from '../../src/oauth/clients.ts';
import { drizzleOAuthClientStore } from '../../src/store/oauth-clients.ts';
import { adminSession, auditRowsWhere, secretsIn } from './audit-fixtures.ts';
import { bearer, newSession } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';
import { expectRefusal, send } from './helpers.ts';

const call = (method: string, path: string, token: string, body?: unknown) =>
  send(`/api/v1/admin${path}`, {
    method,
    headers: { ...bearer(token), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

interface ClientView {
  client_id: string;
  type: string;
  grant_types: string[];
  scopes: string[];
  redirect_uris: string[];
  client_secret?: string | null;
}

const slug = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;
const webApp = {
  name: 'Web app',
  grant_types: ['authorization_code', 'refresh_token'],
  scopes: ['read', 'openid'],
  redirect_uris: ['https://app.example/callback'],
};

describe('admin clients API: authorisation', () => {
  it('non-admins get 403 insufficient_scope on every route; no token gets 401', async () => {
    const { tokens } = await newSession();
    const routes: [string, string, unknown?][] = [
      ['GET', '/clients'],
      ['GET', '/clients/some-client'],
      ['POST', '/clients', webApp],
      ['POST', '/clients/some-client/rotate-secret'],
      ['DELETE', '/clients/some-client'],
    ];
    for (const [method, path, body] of routes) {
      const { response } = await call(method, path, tokens.access_token, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
      const anonymous = await send(`/api/v1/admin${path}`, { method });
      expect(anonymous.response.status, `${method} ${path} without a token`).toBe(401);
      await expectRefusal(anonymous.response, 401, 'invalid_token', 'An access token is required.');
    }
  });
});

describe('admin clients API', () => {
  it('registers a confidential client, shows its secret once, lists and reads it, audits without the secret', async () => {
    const { user, tokens } = await adminSession();
    const created = await call('POST', '/clients', tokens.access_token, webApp);
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('Cache-Control')).toBe('no-store');
    const body = await created.response.json<ClientView>();
    expect(body).toMatchObject({ type: 'confidential', scopes: ['read', 'openid'] });
    expect(body.client_id).toMatch(/^eac_[\w-]{22}$/);
    expect(body.client_secret).toMatch(/^eacs_[\w-]{43}$/);

    const list = await call('GET', '/clients', tokens.access_token);
    const { clients } = await list.response.json<{ clients: ClientView[] }>();
    const listed = clients.find((c) => c.client_id === body.client_id);
    expect(listed).toMatchObject({ redirect_uris: webApp.redirect_uris });
    expect(listed).not.toHaveProperty('client_secret');
    const one = await call('GET', `/clients/${body.client_id}`, tokens.access_token);
    expect(await one.response.json()).toMatchObject({
      client_id: body.client_id,
      audience: [],
      resource_audiences: [],
    });

    const rows = await auditRowsWhere(eq(auditEvents.requestId, created.requestId));
    expect(rows[0]).toMatchObject({
      type: 'admin_client_created',
      userId: user.user_id,
      details: { target: body.client_id, client_type: 'confidential', source: 'api' },
    });
    const stored = await drizzleOAuthClientStore(testDb()).find(body.client_id);
    expect(secretsIn(rows[0]!, [body.client_secret!, stored!.secretHash!])).toEqual([]);
    expect((await auditRowsWhere(eq(auditEvents.requestId, one.requestId)))[0]?.type).toBe(
      'admin_client_read',
    );
  });

  it('registers a public client under a chosen id, and refuses the id twice (409)', async () => {
    const { tokens } = await adminSession();
    const id = slug('spa');
    const spa = {
      ...webApp,
      client_id: id,
      public: true,
      redirect_uris: ['http://127.0.0.1:8080/cb'],
    };
    const created = await call('POST', '/clients', tokens.access_token, spa);
    expect(created.response.status).toBe(201);
    expect(await created.response.json()).toMatchObject({
      client_id: id,
      type: 'public',
      client_secret: null,
    });
    const again = await call('POST', '/clients', tokens.access_token, spa);
    await expectRefusal(
      again.response,
      409,
      'invalid_request',
      /^A client with the id "spa-[0-9a-f]+" exists\.$/,
    );
    const rotate = await call('POST', `/clients/${id}/rotate-secret`, tokens.access_token);
    await expectRefusal(
      rotate.response,
      400,
      'invalid_request',
      'A public client has no secret to rotate.',
    );
  });

  it('registers a resource server: the audiences it may introspect tokens for', async () => {
    const { tokens } = await adminSession();
    const created = await call('POST', '/clients', tokens.access_token, {
      name: 'Orders API',
      grant_types: ['client_credentials'],
      scopes: ['read'],
      resource_audiences: ['https://orders.example'],
    });
    expect(created.response.status).toBe(201);
    const body = await created.response.json<ClientView>();
    expect(body).toMatchObject({ resource_audiences: ['https://orders.example'] });
    const events = await auditRowsWhere(eq(auditEvents.requestId, created.requestId));
    expect(events[0]?.details).toMatchObject({ resource_audiences: ['https://orders.example'] });
    const refused = await call('POST', '/clients', tokens.access_token, {
      ...webApp,
      public: true,
      resource_audiences: ['https://orders.example'],
    });
    expect(refused.response.status).toBe(400);
    expect(await refused.response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'resource_audiences: a public client cannot be a resource server',
    });
  });

  it('registers the OpenID fields: first-party, logo, post-logout and back-channel URIs', async () => {
    const { tokens } = await adminSession();
    const plain = await call('POST', '/clients', tokens.access_token, webApp);
    expect(plain.response.status).toBe(201);
    // Third-party unless said otherwise: its users are asked for consent.
    expect(await plain.response.json()).toMatchObject({
      first_party: false,
      logo_uri: null,
      post_logout_redirect_uris: [],
      backchannel_logout_uri: null,
    });
    const oidc = {
      ...webApp,
      first_party: true,
      logo_uri: 'https://app.example/logo.png',
      post_logout_redirect_uris: ['https://app.example/signed-out'],
      backchannel_logout_uri: 'https://app.example/backchannel',
    };
    const created = await call('POST', '/clients', tokens.access_token, oidc);
    expect(created.response.status).toBe(201);
    const view = await created.response.json<ClientView>();
    const { first_party, logo_uri, post_logout_redirect_uris, backchannel_logout_uri } = oidc;
    const fields = { first_party, logo_uri, post_logout_redirect_uris, backchannel_logout_uri };
    expect(view).toMatchObject(fields);
    const read = await call('GET', `/clients/${view.client_id}`, tokens.access_token);
    expect(await read.response.json()).toMatchObject(fields);
  });

  it('refuses registrations that break the rules, naming the field', async () => {
    const { tokens } = await adminSession();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ redirect_uris: ['http://app.example/cb'] }, /redirect_uris\[0\]: must be https/],
      [{ redirect_uris: ['https://app.example/cb#x'] }, /fragment/],
      [{ redirect_uris: ['/callback'] }, /absolute/],
      [{ redirect_uris: [] }, /authorization_code needs at least one redirect URI/],
      [{ public: true, grant_types: ['client_credentials'], redirect_uris: [] }, /public client/],
      [{ grant_types: ['password'] }, /grant_types/],
      [
        { grant_types: ['client_credentials', 'refresh_token'], redirect_uris: [] },
        /refresh_token needs/,
      ],
      [{ scopes: ['superpowers'] }, /scopes\[0\]: is not a scope of this service/],
      [{ scopes: ['a"b'] }, /scope-token/],
      [{ access_token_ttl: 86_400 * 30 }, /access_token_ttl/],
      [{ client_id: 'No Caps' }, /client_id/],
      [{ client_id: 'eac_mine' }, /eac_ prefix/],
      [{ name: '  ' }, /name/],
      [{ secret: 'mine' }, /secret/],
      [{ logo_uri: 'http://cdn.example/logo.png' }, /logo_uri: must be https/],
      [{ post_logout_redirect_uris: ['https://app.example/out#x'] }, /fragment/],
      [
        {
          grant_types: ['client_credentials'],
          redirect_uris: [],
          backchannel_logout_uri: 'https://api.example/bc',
        },
        /backchannel_logout_uri: only a client with authorization_code/,
      ],
    ];
    for (const [override, message] of cases) {
      const { response } = await call('POST', '/clients', tokens.access_token, {
        ...webApp,
        ...override,
      });
      expect(response.status, JSON.stringify(override)).toBe(400);
      const error = await response.json<{ error: string; error_description: string }>();
      expect(error.error).toBe('invalid_request');
      expect(error.error_description, JSON.stringify(override)).toMatch(message);
    }
  });

  it('rotates a secret (the old one stops working) and deletes a client', async () => {
    const { tokens } = await adminSession();
    const created = await call('POST', '/clients', tokens.access_token, webApp);
    const { client_id: id, client_secret: first } = await created.response.json<ClientView>();
    const rotated = await call('POST', `/clients/${id}/rotate-secret`, tokens.access_token);
    expect(rotated.response.status).toBe(200);
    const { client_secret: second } = await rotated.response.json<{ client_secret: string }>();
    expect(second).toMatch(/^eacs_/);
    expect(second).not.toBe(first);
    await expectRefusal(
      await authenticate({ client_id: id, client_secret: first! }),
      401,
      'invalid_client',
      'Client authentication failed.',
    );
    expect((await authenticate({ client_id: id, client_secret: second })).status).toBe(200);

    const deleted = await call('DELETE', `/clients/${id}`, tokens.access_token);
    expect(deleted.response.status).toBe(204);
    await expectRefusal(
      (await call('GET', `/clients/${id}`, tokens.access_token)).response,
      404,
      'not_found',
    );
    await expectRefusal(
      (await call('DELETE', `/clients/${id}`, tokens.access_token)).response,
      404,
      'not_found',
    );
    const gone = await call('POST', `/clients/${id}/rotate-secret`, tokens.access_token);
    expect(gone.response.status).toBe(404);
    const events = await auditRowsWhere(eq(auditEvents.requestId, deleted.requestId));
    expect(events[0]).toMatchObject({ type: 'admin_client_deleted', details: { target: id } });
  });
});

// ---- Client authentication --------------------------------------------------------------

/** A tiny app: the form in, the authenticated client (or the error) out. */
const app = new Hono<AppEnv>()
  .post('/auth', async (c) => {
    const store = drizzleOAuthClientStore(testDb());
    const form = await oauthForm(c);
    const client = await authenticateClient(presentedClientCredentials(c, form), store);
    return c.json({ client_id: client.clientId, type: client.type });
  })
  .onError(renderError);

function authenticate(form: Record<string, string>, headers: Record<string, string> = {}) {
  return app.request('/auth', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** §2.3.1 as oauth4webapi does it: both halves form-urlencoded, then base64. */
const formEncode = (text: string) =>
  encodeURIComponent(text)
    .replace(/[-_.!~*'()]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
const basic = (id: string, secret: string) => ({
  Authorization: `Basic ${btoa(`${formEncode(id)}:${formEncode(secret)}`)}`,
});

const register = (overrides: Partial<NewClient> = {}) =>
  drizzleOAuthClientStore(testDb()).create({
    clientId: slug('svc.auth_test'),
    name: 'Service',
    public: false,
    grantTypes: ['client_credentials'],
    scopes: ['read'],
    redirectUris: [],
    ...overrides,
  });

async function expectInvalidClient(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get('WWW-Authenticate')).toBe('Basic realm="edge-auth"');
  expect(await response.json()).toMatchObject({ error: 'invalid_client' });
}

describe('authenticateClient', () => {
  it('accepts client_secret_basic (form-urlencoded halves) and client_secret_post', async () => {
    const { client, secret } = await register();
    const viaBasic = await authenticate({}, basic(client.clientId, secret!));
    expect(await viaBasic.json()).toEqual({ client_id: client.clientId, type: 'confidential' });
    const viaPost = await authenticate({ client_id: client.clientId, client_secret: secret! });
    expect(viaPost.status).toBe(200);
    // The id may be repeated in the body when it is the same one.
    const both = await authenticate(
      { client_id: client.clientId },
      basic(client.clientId, secret!),
    );
    expect(both.status).toBe(200);
  });

  it('refuses two methods at once with invalid_request', async () => {
    const { client, secret } = await register();
    const response = await authenticate(
      { client_id: client.clientId, client_secret: secret! },
      basic(client.clientId, secret!),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: 'Use one client authentication method, not two.',
    });
    const other = await authenticate(
      { client_id: 'someone-else' },
      basic(client.clientId, secret!),
    );
    await expectRefusal(
      other,
      400,
      'invalid_request',
      'client_id differs from the Basic credentials.',
    );
  });

  it('answers a wrong secret, an unknown client, no credentials and a bad header alike: 401 invalid_client', async () => {
    const { client, secret } = await register();
    const wrong = `${secret!.slice(0, -1)}${secret!.endsWith('A') ? 'B' : 'A'}`;
    await expectInvalidClient(await authenticate({}, basic(client.clientId, wrong)));
    await expectInvalidClient(
      await authenticate({ client_id: client.clientId, client_secret: wrong }),
    );
    await expectInvalidClient(await authenticate({}, basic('no-such-client', secret!)));
    await expectInvalidClient(
      await authenticate({ client_id: 'no-such-client', client_secret: 'x' }),
    );
    // A confidential client must authenticate: its id alone is not enough.
    await expectInvalidClient(await authenticate({ client_id: client.clientId }));
    await expectInvalidClient(await authenticate({}));
    await expectInvalidClient(await authenticate({}, { Authorization: 'Basic !!!' }));
    await expectInvalidClient(await authenticate({}, { Authorization: `Bearer ${secret}` }));
  });

  it('returns a public client named by client_id alone; a secret it presents fails', async () => {
    const { client } = await register({
      public: true,
      grantTypes: ['authorization_code'],
      redirectUris: ['https://spa.example/cb'],
    });
    const response = await authenticate({ client_id: client.clientId });
    expect(await response.json()).toEqual({ client_id: client.clientId, type: 'public' });
    await expectInvalidClient(
      await authenticate({ client_id: client.clientId, client_secret: 'guess' }),
    );
    await expectInvalidClient(await authenticate({}, basic(client.clientId, 'guess')));
  });
});
