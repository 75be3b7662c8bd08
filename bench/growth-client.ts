// The auth API as the growth bench calls it while it sets up users and sessions, and the
// scenarios it measures (login, refresh, list sessions), each connection with its own user or
// session so no per-user guard refuses a parallel attempt.
import type { Scenario } from './harness.ts';

export const PASSWORD = 'bench passphrase that is long enough';
const json = { 'Content-Type': 'application/json' };

export interface Pair {
  access_token: string;
  refresh_token: string;
}

export function authClient(base: string) {
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path}: ${res.status}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const post = (path: string, body: unknown) =>
    call(path, { method: 'POST', headers: json, body: JSON.stringify(body) });
  return {
    register: (email: string) => post('/api/v1/auth/register', { email, password: PASSWORD }),
    login: async (email: string) =>
      (await post('/api/v1/auth/login', { email, password: PASSWORD })) as Pair,
    refresh: async (token: string) =>
      (await post('/api/v1/auth/refresh', { refresh_token: token })) as Pair,
    me: (access: string) => call('/api/v1/auth/me', { headers: bearer(access) }),
    logoutAll: (access: string) =>
      call('/api/v1/auth/logout-all', { method: 'POST', headers: bearer(access) }),
    sessions: async (access: string) =>
      (
        (await call('/api/v1/auth/sessions', { headers: bearer(access) })) as {
          sessions: unknown[];
        }
      ).sessions.length,
  };
}

const bearer = (access: string) => ({ Authorization: `Bearer ${access}` });

/** `count` logins of `email`, `parallel` at a time: that user then holds that many sessions. */
export async function loginMany(
  client: ReturnType<typeof authClient>,
  email: string,
  count: number,
  parallel = 4,
): Promise<Pair[]> {
  const pairs: Pair[] = [];
  while (pairs.length < count) {
    const batch = Math.min(parallel, count - pairs.length);
    pairs.push(...(await Promise.all(Array.from({ length: batch }, () => client.login(email)))));
  }
  return pairs;
}

/** Logins, connection i as `emails[i % n]`; every pair issued goes to `issued`. */
export function loginScenario(
  base: string,
  name: string,
  emails: string[],
  issued: Pair[] = [],
): Scenario {
  let connections = 0;
  let samples = 0;
  const body = (email: string | undefined) => JSON.stringify({ email, password: PASSWORD });
  return {
    name,
    method: 'POST',
    path: '/api/v1/auth/login',
    headers: json,
    sample: async () => ({ body: body(emails[samples++ % emails.length]) }),
    chain: () => {
      const email = emails[connections++ % emails.length];
      return async () => {
        const res = await fetch(`${base}/api/v1/auth/login`, {
          method: 'POST',
          headers: json,
          body: body(email),
        });
        const text = await res.text();
        if (res.status === 200) issued.push(JSON.parse(text) as Pair);
        return new Response(null, { status: res.status });
      };
    },
  };
}

/**
 * Rotations: connection i follows the rotation chain of `chains[i]` and writes each successor
 * back (so a later run goes on from there); each sequential sample spends one of `samples` (its
 * reply is not read, so that token's session is not used again).
 */
export function refreshScenario(
  base: string,
  name: string,
  chains: string[],
  samples: string[],
): Scenario {
  let connections = 0;
  const body = (token: string | undefined) => JSON.stringify({ refresh_token: token });
  return {
    name,
    method: 'POST',
    path: '/api/v1/auth/refresh',
    headers: json,
    sample: async () => ({ body: body(samples.pop()) }),
    chain: () => {
      const at = connections++ % chains.length;
      return async () => {
        const res = await fetch(`${base}/api/v1/auth/refresh`, {
          method: 'POST',
          headers: json,
          body: body(chains[at]),
        });
        const text = await res.text();
        if (res.status === 200) chains[at] = (JSON.parse(text) as Pair).refresh_token;
        return new Response(null, { status: res.status });
      };
    },
  };
}

/** The caller's session list, read with one access token. */
export function listScenario(name: string, access: string): Scenario {
  return {
    name,
    path: '/api/v1/auth/sessions',
    headers: bearer(access),
  };
}
