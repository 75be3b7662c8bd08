// OAuth test building blocks: clients registered in the database, a browser signed in on the
// hosted pages (the sign-in cookie of src/http/browser/sso-cookie.ts), and the authorize step up
// to the redirect with a code. oauth4webapi talks to the Worker through `customFetch`.
import { env, exports } from 'cloudflare:workers';
import * as oauth from 'oauth4webapi';
import { hmacBase64Url } from '../../src/shared/hmac-keys.ts';
import { loadConfig } from '../../src/config/index.ts';
import { clientPolicy, type NewClient, parseNewClient } from '../../src/oauth/clients.ts';
import { drizzleOAuthClientStore } from '../../src/store/oauth-clients.ts';
import { newSession } from './auth-fixtures.ts';
import { testDb } from './db-fixtures.ts';

export const ISSUER = 'http://auth.test';
export const REDIRECT_URI = 'https://app.example/callback';

/** Every request of oauth4webapi goes to the Worker under test. */
export const viaWorker = {
  [oauth.customFetch]: (
    url: string,
    { body, ...init }: oauth.CustomFetchOptions<string, URLSearchParams | undefined>,
  ) => exports.default.fetch(new Request(url, body === undefined ? init : { ...init, body })),
  [oauth.allowInsecureRequests]: true,
};

export async function registerClient(overrides: Partial<NewClient> = {}) {
  const parsed = parseNewClient(
    {
      name: 'Test app',
      public: false,
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['read', 'write'],
      redirectUris: [REDIRECT_URI],
      // The flows under test here are first-party; the consent tests register third-party ones.
      firstParty: true,
      ...overrides,
    },
    clientPolicy(loadConfig(env)),
  );
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const { client, secret } = await drizzleOAuthClientStore(testDb()).create(parsed.client);
  return { client, secret: secret ?? undefined };
}

export async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(ISSUER);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...viaWorker });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** A user signed in on the hosted pages: their sign-in cookie. */
export async function signedInBrowser() {
  const session = await newSession();
  const { sid, sub } = JSON.parse(atob(session.tokens.access_token.split('.')[1] ?? '')) as {
    sid: string;
    sub: string;
  };
  const config = loadConfig(env);
  const mac = await hmacBase64Url(
    config.keys.keks[0]!.raw,
    'edge-auth hosted-pages sign-in v2',
    `${sub}.${sid}`,
  );
  return { ...session, sid, cookie: `__Host-ea_sso=${sub}.${sid}.${mac}` };
}

export interface AuthorizeParams {
  client_id: string;
  redirect_uri?: string;
  response_type?: string;
  scope?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

/** GET /oauth/authorize as the signed-in browser; the Location it redirects to. */
export async function authorize(params: AuthorizeParams, cookie?: string) {
  const url = new URL('/oauth/authorize', ISSUER);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  const response = await exports.default.fetch(
    new Request(url, { headers: cookie ? { Cookie: cookie } : {}, redirect: 'manual' }),
  );
  const location = response.headers.get('Location');
  return { response, location: location ? new URL(location, ISSUER) : undefined };
}

export async function pkce() {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

export const basicAuth = (id: string, secret: string) =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

/** POST a form to the Worker (the OAuth endpoints' body). */
export function postForm(
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return exports.default.fetch(
    new Request(new URL(path, ISSUER), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

export interface ClientTokens {
  access_token: string;
  refresh_token: string;
  scope: string;
}

/**
 * The real authorization code flow, end to end: a registered client, a browser signed in on
 * the hosted pages, authorize (PKCE), then the code exchanged at /oauth/token. `browser` lets
 * a test grant a second client access to the same user.
 */
export async function codeFlowTokens(
  options: {
    scope?: string;
    client?: Partial<NewClient>;
    browser?: Awaited<ReturnType<typeof signedInBrowser>>;
  } = {},
) {
  const { client, secret } = await registerClient(options.client);
  const browser = options.browser ?? (await signedInBrowser());
  const { verifier, challenge } = await pkce();
  const { location } = await authorize(
    {
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: options.scope ?? 'read',
      state: 'state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    browser.cookie,
  );
  const code = location?.searchParams.get('code');
  if (!code) throw new Error(`authorize did not redirect with a code: ${location}`);
  const response = await postForm(
    '/oauth/token',
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    { Authorization: basicAuth(client.clientId, secret!) },
  );
  if (response.status !== 200) throw new Error(`code exchange: ${await response.text()}`);
  const tokens = await response.json<ClientTokens>();
  return { client, secret: secret!, browser, tokens };
}
