// OIDC logout across two isolates: a user confirms end-session on isolate A while isolate B
// exchanges an authorization code issued from the same browser session. Whatever the order,
// no client session may be alive once both answered: either the exchange is refused
// (invalid_grant: the browser session it came from is gone, CREATE_SESSION checks it in the
// same atomic step that creates the session) or the session it created was ended by the
// logout's sweep (its refresh token is refused). Two `wrangler dev` processes on one stack
// (test/node/isolates-harness.ts), so the two requests really run at once.
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openToolDb } from '../../dev/db-client.ts';
import { loadConfig } from '../../src/config/index.ts';
import { clientPolicy, parseNewClient } from '../../src/oauth/clients.ts';
import { hmacBase64Url } from '../../src/shared/hmac-keys.ts';
import { drizzleOAuthClientStore } from '../../src/store/oauth-clients.ts';
import { type Isolates, loggedIn, registerUser, sleep, startIsolates } from './isolates-harness.ts';
import { ownKeyPrefix, ROOMY_LIMITS } from './worker-test-vars.ts';

const TRIALS = 8;
const REDIRECT_URI = 'https://app.example/callback';
const stack = inject('stack');
let isolates: Isolates;
let client = { id: '', secret: '' };
let kekRaw: Uint8Array<ArrayBuffer>;
let origin = '';

beforeAll(async () => {
  isolates = await startIsolates(stack, {
    ...ROOMY_LIMITS,
    REDIS_KEY_PREFIX: ownKeyPrefix('logout-race'),
  });
  const config = loadConfig(isolates.vars as never);
  kekRaw = config.keys.keks[0]!.raw;
  origin = new URL(isolates.issuer).origin;
  const parsed = parseNewClient(
    {
      name: 'Race app',
      public: false,
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['read'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    },
    clientPolicy(config),
  );
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const { db, close } = openToolDb({ STACK_URL: stack.url });
  try {
    const created = await drizzleOAuthClientStore(db).create(parsed.client);
    client = { id: created.client.clientId, secret: created.secret ?? '' };
  } finally {
    await close();
  }
}, 180_000);

afterAll(async () => {
  await isolates?.stop();
}, 30_000);

const b64url = (bytes: Buffer) => bytes.toString('base64url');

/** A browser signed in on the hosted pages: a first-party login, named by the sign-in cookie. */
async function signedInBrowser() {
  const user = await registerUser(isolates.a.url, 'logout-race');
  const tokens = await loggedIn(isolates.a.url, user);
  const { sub, sid } = decodeJwt(tokens.access_token) as { sub: string; sid: string };
  const mac = await hmacBase64Url(kekRaw, 'edge-auth hosted-pages sign-in v2', `${sub}.${sid}`);
  return { sub, sid, cookie: `__Host-ea_sso=${sub}.${sid}.${mac}` };
}

async function codeFor(cookie: string) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const url = new URL('/oauth/authorize', isolates.b.url);
  for (const [name, value] of Object.entries({
    client_id: client.id,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'read',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(name, value);
  }
  const res = await fetch(url, { headers: { Cookie: cookie }, redirect: 'manual' });
  const code = new URL(res.headers.get('Location') ?? '', REDIRECT_URI).searchParams.get('code');
  if (!code) throw new Error(`authorize: ${res.status} ${res.headers.get('Location')}`);
  return { code, verifier };
}

/** The confirmation page's form on A: its CSRF token and the form cookie it set. */
async function confirmationForm(cookie: string) {
  const res = await fetch(`${isolates.a.url}/oauth/end-session?client_id=${client.id}`, {
    headers: { Cookie: cookie },
  });
  const page = await res.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  const form = res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .find((pair) => pair.startsWith('__Host-ea_form='));
  if (!csrf || !form) throw new Error(`no confirmation form: ${res.status}`);
  return { csrf, cookie: `${cookie}; ${form}` };
}

const tokenCall = (fields: Record<string, string>) =>
  fetch(`${isolates.b.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams(fields).toString(),
  });

describe('end-session on isolate A racing a code exchange on isolate B', () => {
  it('never leaves a live client session from the signed-out browser session', async () => {
    const outcomes = { refused: 0, endedAfter: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      const browser = await signedInBrowser();
      const { code, verifier } = await codeFor(browser.cookie);
      const form = await confirmationForm(browser.cookie);
      // Staggered starts (-21..+21 ms), so each side sometimes goes first.
      const offset = (trial - (TRIALS - 1) / 2) * 6;
      const [logout, exchange] = await Promise.all([
        sleep(offset).then(() =>
          fetch(`${isolates.a.url}/oauth/end-session/confirm`, {
            method: 'POST',
            headers: {
              Cookie: form.cookie,
              Origin: origin,
              'Content-Type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({ csrf: form.csrf, client_id: client.id }).toString(),
          }),
        ),
        sleep(-offset).then(() =>
          tokenCall({
            grant_type: 'authorization_code',
            code,
            redirect_uri: REDIRECT_URI,
            code_verifier: verifier,
          }),
        ),
      ]);
      expect(logout.status, `trial ${trial}: the sign-out`).toBe(200);
      const body = (await exchange.json()) as Record<string, string>;
      if (exchange.status === 200) {
        // The session was created before the sweep, so the sweep ended it.
        const refreshed = await tokenCall({
          grant_type: 'refresh_token',
          refresh_token: body.refresh_token ?? '',
        });
        const refusal = (await refreshed.json()) as Record<string, string>;
        expect(refreshed.status, `trial ${trial}: ${JSON.stringify(refusal)}`).toBe(400);
        expect(refusal.error).toBe('invalid_grant');
        outcomes.endedAfter++;
      } else {
        expect(exchange.status, `trial ${trial}: ${JSON.stringify(body)}`).toBe(400);
        expect(body).toEqual({
          error: 'invalid_grant',
          error_description: 'The user signed out after this code was issued.',
        });
        outcomes.refused++;
      }
    }
    console.log(
      `logout race: ${outcomes.refused} exchanges refused, ${outcomes.endedAfter} sessions ended by the logout (${TRIALS} trials)`,
    );
    expect(outcomes.refused + outcomes.endedAfter).toBe(TRIALS);
  }, 240_000);
});
