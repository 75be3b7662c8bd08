// Item 11 of issue 13: only the canonical compact serialization of a JWT is a token
// (RFC 7515 §7.1, unpadded base64url per §2). Other spellings of the same bytes (padding
// appended, a last signature character with non-zero unused bits) are refused at every entry
// point, because each one goes through verifyAccessToken.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bearer, newSession } from './auth-fixtures.ts';
import { send } from './helpers.ts';
import { ISSUER, registerClient } from './oauth-fixtures.ts';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The same token with its last character's unused low bits set: it decodes to the same bytes.
 * An RS256 signature of 256 bytes is 342 characters, the last of which carries 2 bits of data
 * and 4 unused bits (RFC 4648 §3.5 calls them pad bits, which a canonical encoder zeroes).
 */
function nonCanonicalLastCharacter(token: string): string {
  const last = BASE64URL.indexOf(token.at(-1)!);
  expect(last & 0b1111).toBe(0);
  return token.slice(0, -1) + BASE64URL[last | 0b0001];
}

const spellings = (token: string) => ({
  'padding appended': `${token}==`,
  'a non-canonical last character': nonCanonicalLastCharacter(token),
});

function postForm(path: string, fields: Record<string, string>, auth: string) {
  return exports.default.fetch(
    new Request(new URL(path, ISSUER), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: auth },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

async function expectInvalidToken(response: Response, reason: RegExp) {
  expect(response.status).toBe(401);
  const body = await response.json<{ error: string; error_description: string }>();
  expect(body.error).toBe('invalid_token');
  expect(body.error_description).toMatch(reason);
  expect(response.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
  // RFC 6750 §3: the challenge's description is printable ASCII without quotes or backslashes.
  expect(response.headers.get('WWW-Authenticate')).toMatch(
    /error_description="[\x20\x21\x23-\x5B\x5D-\x7E]*"$/,
  );
}

const WHY = /unpadded base64url|not canonical base64url/;

describe('an access token in a non-canonical spelling', () => {
  it('is refused at /me and /oauth/userinfo with invalid_token saying why', async () => {
    const { tokens } = await newSession();
    const me = (token: string) => send('/api/v1/auth/me', { headers: bearer(token) });
    const userinfo = (token: string) =>
      exports.default.fetch(new Request(`${ISSUER}/oauth/userinfo`, { headers: bearer(token) }));

    // The canonical token passes verification at both, so the refusals below are about the
    // spelling only. Userinfo then refuses it for its scope (a first-party token holds no
    // `openid`): a refusal that comes only after the signature and claims were checked.
    expect((await me(tokens.access_token)).response.status).toBe(200);
    const canonical = await userinfo(tokens.access_token);
    expect(canonical.status).toBe(403);
    expect(await canonical.json()).toMatchObject({ error: 'insufficient_scope' });

    for (const [label, token] of Object.entries(spellings(tokens.access_token))) {
      expect(token, label).not.toBe(tokens.access_token);
      await expectInvalidToken((await me(token)).response, WHY);
      await expectInvalidToken(await userinfo(token), WHY);
    }
  });

  it('introspects as inactive', async () => {
    const { client, secret } = await registerClient();
    const auth = `Basic ${btoa(`${client.clientId}:${secret}`)}`;
    const issued = await postForm(
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'read' },
      auth,
    );
    expect(issued.status).toBe(200);
    const { access_token: token } = await issued.json<{ access_token: string }>();
    const introspect = async (candidate: string) =>
      (await postForm('/oauth/introspect', { token: candidate }, auth)).json();

    expect(await introspect(token)).toMatchObject({ active: true });
    for (const candidate of Object.values(spellings(token))) {
      expect(await introspect(candidate)).toEqual({ active: false });
    }
  });
});
