// What `npm run bench` measures. Each scenario may prepare state (warm a cache, create users).
import { decodeJwt } from 'jose';
import { openToolDb } from '../dev/db-client.ts';
import { drizzleOAuthClientStore } from '../src/store/oauth-clients.ts';
import type { Scenario, Target } from './harness.ts';

export interface BenchScenario extends Scenario {
  prepare?: () => Promise<void>;
}

const PASSWORD = 'bench passphrase that is long enough';
const json = { 'Content-Type': 'application/json' };

interface Pair {
  access_token: string;
  refresh_token: string;
}

/** Users the login run signs in as, round-robin: one login in flight per account at a time. */
export const LOGIN_USERS = 100;

/**
 * A distinct client address (10.x.y.z) for each simulated client: the Worker reads the client
 * from CF-Connecting-IP, so without it every request would look like one address to the
 * per-address limits and their Redis keys.
 */
export function clientAddresses(): () => string {
  let n = 0;
  return () => {
    n += 1;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
}

/**
 * A confidential client for introspection, made the way `npm run client` makes one: a resource
 * server for `audiences` (RFC 7662 §4: it may learn only about tokens meant for it).
 */
async function introspectingClient(stackUrl: string, audiences: string[]): Promise<string> {
  const { db, close } = openToolDb({ STACK_URL: stackUrl });
  try {
    const { client, secret } = await drizzleOAuthClientStore(db).create({
      name: 'bench resource server',
      public: false,
      grantTypes: ['client_credentials'],
      scopes: [],
      redirectUris: [],
      resourceAudiences: audiences,
    });
    return `Basic ${btoa(`${client.clientId}:${secret ?? ''}`)}`;
  } finally {
    await close();
  }
}

/** `target.stack`: scenarios that need rows made beside the Worker (introspection) run only with it. */
export function scenarios(
  target: Pick<Target, 'worker'> & Partial<Pick<Target, 'stack'>>,
): BenchScenario[] {
  const base = target.worker.url;
  const run = Date.now().toString(36);
  const nextAddress = clientAddresses();
  let emails = 0;
  const newEmail = () => `bench-${run}-${emails++}@example.test`;
  const from = (ip: string) => ({ ...json, 'CF-Connecting-IP': ip });
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const login = async (as: string, ip: string) =>
    (await call('/api/v1/auth/login', {
      method: 'POST',
      headers: from(ip),
      body: JSON.stringify({ email: as, password: PASSWORD }),
    })) as Pair;
  const register = (as: string, ip: string) =>
    call('/api/v1/auth/register', {
      method: 'POST',
      headers: from(ip),
      body: JSON.stringify({ email: as, password: PASSWORD }),
    });
  const warm = (path: string) => async () => void (await call(path));

  // The login run: each request signs in as the next of LOGIN_USERS pre-registered users, each
  // from its own address, so it measures logins, not the per-account limit on attempts in flight.
  const loginUsers: { email: string; ip: string }[] = [];
  let nextLogin = 0;
  const loginUser = () => loginUsers[nextLogin++ % loginUsers.length] ?? { email: '', ip: '' };
  const loginRequest = () => {
    const user = loginUser();
    return {
      headers: from(user.ip),
      body: JSON.stringify({ email: user.email, password: PASSWORD }),
    };
  };

  // Sessions for the refresh and logout runs each belong to their own user, or to one of the
  // login run's users: a user holds at most SESSION_CAP sessions (the least recently used is
  // evicted), so one user's pool would be dead. The login run's sessions go into the pool too.
  let me: Pair | undefined;
  const pool: Pair[] = [];
  const freshSession = async () => {
    const as = newEmail();
    const ip = nextAddress();
    await register(as, ip);
    return login(as, ip);
  };
  const fill = async (count: number) => {
    while (pool.length < count)
      pool.push(...(await Promise.all(Array.from({ length: 20 }, freshSession))));
  };

  // Introspection (RFC 7662) by a resource server: client authentication (1 SQL), the token's
  // signature and its session (1 Redis).
  let introspection: { authorization: string; token: string } | undefined;
  const introspect: BenchScenario[] = target.stack
    ? [
        {
          name: 'POST /oauth/introspect',
          method: 'POST',
          path: '/oauth/introspect',
          prepare: async () => {
            const token = (await freshSession()).access_token;
            const { aud } = decodeJwt(token);
            const audiences = Array.isArray(aud) ? aud : aud ? [aud] : [];
            const authorization = await introspectingClient(target.stack?.url ?? '', audiences);
            introspection = { authorization, token };
            // The run must measure the full answer, not a cheap `active: false`.
            const answer = (await call('/oauth/introspect', {
              method: 'POST',
              ...introspectRequest(),
            })) as { active?: boolean };
            if (answer.active !== true) throw new Error('introspection: the token is not active');
          },
          sample: async () => introspectRequest(),
          load: { requests: [{ setupRequest: (req) => ({ ...req, ...introspectRequest() }) }] },
        },
      ]
    : [];
  const introspectRequest = () => ({
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: introspection?.authorization ?? '',
    },
    body: new URLSearchParams({ token: introspection?.token ?? '' }).toString(),
  });

  return [
    {
      name: 'GET /.well-known/jwks.json (warm)',
      path: '/.well-known/jwks.json',
      prepare: warm('/.well-known/jwks.json'),
    },
    { name: 'GET /health', path: '/health' },
    {
      name: 'POST /api/v1/auth/login',
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: json,
      floor: ['argon2id', 'rs256'],
      prepare: async () => {
        while (loginUsers.length < LOGIN_USERS) {
          const batch = Array.from({ length: 20 }, () => ({
            email: newEmail(),
            ip: nextAddress(),
          }));
          await Promise.all(batch.map((user) => register(user.email, user.ip)));
          loginUsers.push(...batch);
        }
      },
      sample: async () => loginRequest(),
      load: {
        requests: [
          {
            setupRequest: (req) => ({ ...req, ...loginRequest() }),
            onResponse: (status, body) => {
              if (status === 200) pool.push(JSON.parse(body) as Pair);
            },
          },
        ],
      },
    },
    {
      name: 'POST /api/v1/auth/register',
      method: 'POST',
      path: '/api/v1/auth/register',
      headers: json,
      floor: ['argon2id'],
      // Each request a new account from a new address.
      sample: async () => ({
        headers: from(nextAddress()),
        body: JSON.stringify({ email: newEmail(), password: PASSWORD }),
      }),
      load: {
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: from(nextAddress()),
              body: JSON.stringify({ email: newEmail(), password: PASSWORD }),
            }),
          },
        ],
      },
    },
    {
      name: 'GET /api/v1/auth/me',
      path: '/api/v1/auth/me',
      // A session of its own: the login run above evicted older ones (SESSION_CAP).
      prepare: async () => {
        me = await freshSession();
      },
      sample: async () => ({ headers: { Authorization: `Bearer ${me?.access_token}` } }),
      load: {
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: { ...req.headers, Authorization: `Bearer ${me?.access_token}` },
            }),
          },
        ],
      },
    },
    {
      // Each connection follows its own rotation chain, from its own address: every request
      // presents the successor the previous response returned, so this measures real
      // rotations, not the grace path.
      name: 'POST /api/v1/auth/refresh',
      method: 'POST',
      path: '/api/v1/auth/refresh',
      headers: json,
      floor: ['rs256'],
      prepare: () => fill(60),
      sample: async () => ({
        headers: from(nextAddress()),
        body: JSON.stringify({ refresh_token: pool.pop()?.refresh_token }),
      }),
      chain: () => async (state) => {
        state.token ??= pool.pop()?.refresh_token ?? '';
        state.ip ??= nextAddress();
        const res = await fetch(`${base}/api/v1/auth/refresh`, {
          method: 'POST',
          headers: from(state.ip),
          body: JSON.stringify({ refresh_token: state.token }),
        });
        const body = await res.text();
        if (res.status === 200) state.token = (JSON.parse(body) as Pair).refresh_token;
        return res;
      },
    },
    ...introspect,
    {
      name: 'POST /api/v1/auth/logout',
      method: 'POST',
      path: '/api/v1/auth/logout',
      prepare: () => fill(400),
      sample: async () => ({
        headers: {
          Authorization: `Bearer ${pool.pop()?.access_token}`,
          'CF-Connecting-IP': nextAddress(),
        },
      }),
      load: {
        amount: 300,
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: {
                ...req.headers,
                Authorization: `Bearer ${pool.pop()?.access_token}`,
                'CF-Connecting-IP': nextAddress(),
              },
            }),
          },
        ],
      },
    },
  ];
}
