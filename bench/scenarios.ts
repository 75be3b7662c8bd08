// What `npm run bench` measures. Each scenario may prepare state (warm a cache, create users).
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

export function scenarios(target: Target): BenchScenario[] {
  const base = target.worker.url;
  const email = `bench-${Date.now()}@example.test`;
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const login = async (as = email) =>
    (await call('/api/v1/auth/login', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: as, password: PASSWORD }),
    })) as Pair;
  const register = (as: string) =>
    call('/api/v1/auth/register', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: as, password: PASSWORD }),
    });
  const warm = (path: string) => async () => void (await call(path));

  // Sessions for the refresh and logout runs each belong to their own user: a user holds at most
  // SESSION_CAP sessions (the least recently used is evicted), so one user's pool would be dead.
  let me: Pair | undefined;
  const pool: Pair[] = [];
  let users = 0;
  const freshSession = async () => {
    const as = `bench-${Date.now()}-${users++}@example.test`;
    await register(as);
    return login(as);
  };
  const fill = async (count: number) => {
    while (pool.length < count)
      pool.push(...(await Promise.all(Array.from({ length: 20 }, freshSession))));
  };

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
      body: JSON.stringify({ email, password: PASSWORD }),
      floor: ['argon2id', 'rs256'],
      prepare: async () => void (await register(email)),
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
      // Each connection follows its own rotation chain: every request presents the successor
      // the previous response returned, so this measures real rotations, not the grace path.
      name: 'POST /api/v1/auth/refresh',
      method: 'POST',
      path: '/api/v1/auth/refresh',
      headers: json,
      floor: ['rs256'],
      prepare: () => fill(60),
      sample: async () => ({ body: JSON.stringify({ refresh_token: pool.pop()?.refresh_token }) }),
      chain: () => async (state) => {
        state.token ??= pool.pop()?.refresh_token ?? '';
        const res = await fetch(`${base}/api/v1/auth/refresh`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ refresh_token: state.token }),
        });
        const body = await res.text();
        if (res.status === 200) state.token = (JSON.parse(body) as Pair).refresh_token;
        return res;
      },
    },
    {
      name: 'POST /api/v1/auth/logout',
      method: 'POST',
      path: '/api/v1/auth/logout',
      prepare: () => fill(400),
      sample: async () => ({ headers: { Authorization: `Bearer ${pool.pop()?.access_token}` } }),
      load: {
        amount: 300,
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: { ...req.headers, Authorization: `Bearer ${pool.pop()?.access_token}` },
            }),
          },
        ],
      },
    },
  ];
}
