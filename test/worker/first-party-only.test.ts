// The account's own endpoints accept only first-party sessions (issue 13, item 14): a token
// the user granted an OAuth client, whatever its scope, is refused with 403 insufficient_scope
// and an RFC 6750 challenge, and changes nothing.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bearer, PASSWORD, postJson } from './auth-fixtures.ts';
import { codeFlowTokens, ISSUER } from './oauth-fixtures.ts';

const DESCRIPTION =
  'first-party session required: tokens issued to OAuth clients are not accepted here.';

function call(method: string, path: string, token: string, body?: unknown) {
  return exports.default.fetch(
    new Request(new URL(path, ISSUER), {
      method,
      headers: {
        ...bearer(token),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  );
}

async function expectFirstPartyRefusal(response: Response) {
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({
    error: 'insufficient_scope',
    error_description: DESCRIPTION,
  });
  expect(response.headers.get('WWW-Authenticate')).toBe(
    `Bearer realm="edge-auth", error="insufficient_scope", error_description="${DESCRIPTION}"`,
  );
}

/** A user with a first-party session and a client token (scope read) for the same user. */
async function userWithClientToken() {
  const { browser, tokens } = await codeFlowTokens({ scope: 'read' });
  return { firstParty: browser.tokens.access_token, user: browser.user, client: tokens };
}

const sessionCount = async (token: string) => {
  const response = await call('GET', '/api/v1/auth/sessions', token);
  expect(response.status).toBe(200);
  return (await response.json<{ sessions: unknown[] }>()).sessions.length;
};

describe('first-party account endpoints refuse OAuth client tokens', () => {
  it('GET /sessions: no session list (IPs, user agents) for a client token', async () => {
    const { firstParty, client } = await userWithClientToken();
    await expectFirstPartyRefusal(await call('GET', '/api/v1/auth/sessions', client.access_token));
    // The user's own session still lists them all: the client's and the hosted-page one.
    expect(await sessionCount(firstParty)).toBe(2);
  });

  it('DELETE /sessions/{id}: a client token revokes nothing', async () => {
    const { firstParty, client } = await userWithClientToken();
    const sid = JSON.parse(atob(firstParty.split('.')[1]!)).sid as string;
    await expectFirstPartyRefusal(
      await call('DELETE', `/api/v1/auth/sessions/${sid}`, client.access_token),
    );
    expect(await sessionCount(firstParty)).toBe(2);
  });

  it('POST /logout-all: a client token logs nobody out', async () => {
    const { firstParty, client } = await userWithClientToken();
    await expectFirstPartyRefusal(
      await call('POST', '/api/v1/auth/logout-all', client.access_token),
    );
    expect(await sessionCount(firstParty)).toBe(2);
  });

  it('POST /password/change: a client token cannot change the password', async () => {
    const { user, client } = await userWithClientToken();
    await expectFirstPartyRefusal(
      await call('POST', '/api/v1/auth/password/change', client.access_token, {
        current_password: PASSWORD,
        new_password: 'another long and unusual passphrase 43',
      }),
    );
    // The old password still signs in.
    const { response: login } = await postJson('/api/v1/auth/login', {
      email: user.email,
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
  });

  it('POST /account/delete: a client token cannot delete the account, even with the password', async () => {
    const { firstParty, client } = await userWithClientToken();
    await expectFirstPartyRefusal(
      await call('POST', '/api/v1/auth/account/delete', client.access_token, {
        password: PASSWORD,
      }),
    );
    // The account and its sessions are still there.
    expect(await sessionCount(firstParty)).toBe(2);
  });

  it('the same endpoints still serve a first-party token', async () => {
    const { firstParty } = await userWithClientToken();
    expect(await sessionCount(firstParty)).toBe(2);
    const ended = await call('POST', '/api/v1/auth/logout-all', firstParty);
    expect(ended.status).toBe(204);
  });
});
