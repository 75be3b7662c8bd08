// Who may introspect what (issue 13, item 15; RFC 7662 §4): a client learns about the tokens
// issued to it, and a client registered as a resource server also about the access tokens
// whose `aud` names it. Everyone else is told exactly `{"active": false}`, as for a dead
// token: no email, no subject, no hint that the token lives.
import { describe, expect, it } from 'vitest';
import type { NewClient } from '../../src/oauth/clients.ts';
import { basicAuth, codeFlowTokens, postForm, registerClient } from './oauth-fixtures.ts';

const RESOURCE = 'https://api.resource.test';

/** A confidential client that only gets client-credentials tokens. */
const serviceClient = (overrides: Partial<NewClient> = {}) =>
  registerClient({
    grantTypes: ['client_credentials'],
    redirectUris: [],
    ...overrides,
  });

async function introspectAs(caller: { clientId: string; secret: string }, token: string) {
  const response = await postForm(
    '/oauth/introspect',
    { token },
    { Authorization: basicAuth(caller.clientId, caller.secret) },
  );
  expect(response.status).toBe(200);
  return response.json<Record<string, unknown>>();
}

const caller = (registered: Awaited<ReturnType<typeof registerClient>>) => ({
  clientId: registered.client.clientId,
  secret: registered.secret!,
});

describe('introspection is limited to the caller’s own tokens', () => {
  it("another client's access and refresh tokens are inactive; the issuing client's are active", async () => {
    const { client, secret, browser, tokens } = await codeFlowTokens();
    const other = caller(await serviceClient());
    expect(await introspectAs(other, tokens.access_token)).toEqual({ active: false });
    expect(await introspectAs(other, tokens.refresh_token)).toEqual({ active: false });

    const own = { clientId: client.clientId, secret };
    const access = await introspectAs(own, tokens.access_token);
    expect(access).toMatchObject({
      active: true,
      client_id: client.clientId,
      sub: browser.user.user_id,
    });
    // Granted `read` only: the user's address is not the client's to learn (issue 15).
    expect(access).not.toHaveProperty('username');
    const refresh = await introspectAs(own, tokens.refresh_token);
    expect(refresh).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: client.clientId,
    });
    expect(refresh).not.toHaveProperty('username');
  });

  it('names the user (username) to the issuing client only with the email scope', async () => {
    const { client, secret, browser, tokens } = await codeFlowTokens({
      scope: 'read email',
      client: { scopes: ['read', 'email'] },
    });
    const own = { clientId: client.clientId, secret };
    for (const token of [tokens.access_token, tokens.refresh_token]) {
      expect(await introspectAs(own, token)).toMatchObject({
        active: true,
        sub: browser.user.user_id,
        username: browser.user.email,
      });
    }
  });

  it('a client-credentials token is introspectable by its client only', async () => {
    const a = caller(await serviceClient());
    const b = caller(await serviceClient());
    const issued = await postForm(
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { Authorization: basicAuth(a.clientId, a.secret) },
    );
    const { access_token: token } = await issued.json<{ access_token: string }>();
    expect(await introspectAs(b, token)).toEqual({ active: false });
    expect(await introspectAs(a, token)).toMatchObject({ active: true, client_id: a.clientId });
  });

  it('a first-party token is introspectable by no client that is not its resource server', async () => {
    const { browser } = await codeFlowTokens();
    const plain = caller(await serviceClient());
    expect(await introspectAs(plain, browser.tokens.access_token)).toEqual({ active: false });
    expect(await introspectAs(plain, browser.tokens.refresh_token)).toEqual({ active: false });
  });
});

describe('resource servers', () => {
  it('introspect access tokens whose aud names them, and nothing else', async () => {
    const { tokens, browser } = await codeFlowTokens({ client: { audience: [RESOURCE] } });
    const server = caller(await serviceClient({ resourceAudiences: [RESOURCE] }));
    const elsewhere = caller(await serviceClient({ resourceAudiences: ['https://other.test'] }));

    expect(await introspectAs(server, tokens.access_token)).toMatchObject({
      active: true,
      aud: [RESOURCE],
      sub: browser.user.user_id,
    });
    expect(await introspectAs(elsewhere, tokens.access_token)).toEqual({ active: false });
    // A refresh token has no audience: it is for its client alone.
    expect(await introspectAs(server, tokens.refresh_token)).toEqual({ active: false });
  });

  it("a resource server of the service's own audience introspects first-party tokens", async () => {
    const { browser } = await codeFlowTokens();
    // vitest.config.ts: AUDIENCES=http://api.test, the aud of first-party tokens.
    const api = caller(await serviceClient({ resourceAudiences: ['http://api.test'] }));
    expect(await introspectAs(api, browser.tokens.access_token)).toMatchObject({
      active: true,
      sub: browser.user.user_id,
    });
    expect(await introspectAs(api, browser.tokens.refresh_token)).toEqual({ active: false });
  });

  it('a public client cannot be registered as a resource server', async () => {
    await expect(
      registerClient({
        public: true,
        grantTypes: ['authorization_code'],
        resourceAudiences: [RESOURCE],
      }),
    ).rejects.toThrow('resourceAudiences: a public client cannot be a resource server');
  });
});
