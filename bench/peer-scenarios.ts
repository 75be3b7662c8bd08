// The peer's side of `npm run bench -- --peer`: Better Auth's equivalents of bench/scenarios.ts,
// run by the same harness (runScenario) with the same load generator, as its own bench.mjs does
// them: POSTs carry Origin (its CSRF check), sign-in goes round-robin over users created by
// sign-up, session reads over the session cookies collected from sign-in and sign-up.
import type { Op } from './compare-ops.ts';
import type { BenchScenario } from './scenarios.ts';
import { LOGIN_USERS } from './scenarios.ts';

const PASSWORD = 'bench passphrase that is long enough';
const API = '/api/auth';
const SESSION_COOKIE = 'better-auth.session_token=';

/** The session cookie of a response, from autocannon's headers (names as sent) or fetch's. */
function sessionCookie(headers: Record<string, unknown> | string[]): string | undefined {
  const values = Array.isArray(headers)
    ? headers
    : Object.entries(headers)
        .filter(([name]) => name.toLowerCase() === 'set-cookie')
        .flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  return values
    .map((value) => String(value).split(';')[0] ?? '')
    .find((pair) => pair.startsWith(SESSION_COOKIE) && pair.length > SESSION_COOKIE.length);
}

export function peerScenarios(peer: { url: string }): Record<Op, BenchScenario> {
  const base = peer.url;
  const post = { 'Content-Type': 'application/json', Origin: base };
  const run = Date.now().toString(36);
  let emails = 0;
  const newEmail = () => `peer-${run}-${emails++}@bench.example`;
  const signUpBody = () => {
    const email = newEmail();
    return { email, body: JSON.stringify({ email, password: PASSWORD, name: 'bench' }) };
  };
  const users: string[] = [];
  let nextUser = 0;
  const signInBody = () =>
    JSON.stringify({ email: users[nextUser++ % users.length], password: PASSWORD });
  // Live sessions: get-session and /token go round-robin over them, sign-out ends them.
  const sessions: string[] = [];
  let nextSession = 0;
  const anySession = () => sessions[nextSession++ % sessions.length] ?? '';
  const collect = (status: number, _body: string, _ctx: object, headers?: object) => {
    const cookie =
      status === 200 && headers ? sessionCookie(headers as Record<string, unknown>) : undefined;
    if (cookie) sessions.push(cookie);
  };
  const call = async (path: string, body: string) => {
    const res = await fetch(`${base}${API}${path}`, { method: 'POST', headers: post, body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`peer ${path}: ${res.status}`);
    return sessionCookie(res.headers.getSetCookie());
  };
  const signUpUsers = async (count: number) => {
    while (users.length < count) {
      const batch = Array.from({ length: 10 }, signUpBody);
      await Promise.all(batch.map((user) => call('/sign-up/email', user.body)));
      users.push(...batch.map((user) => user.email));
    }
  };
  const fillSessions = async (count: number) => {
    await signUpUsers(10);
    while (sessions.length < count) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => call('/sign-in/email', signInBody())),
      );
      sessions.push(...batch.filter((cookie): cookie is string => cookie !== undefined));
    }
  };
  const withSession = (path: string): BenchScenario => ({
    name: `GET ${API}${path}`,
    path: `${API}${path}`,
    prepare: () => fillSessions(60),
    sample: async () => ({ headers: { Cookie: anySession() } }),
    load: {
      requests: [
        {
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, Cookie: anySession() } }),
        },
      ],
    },
  });

  return {
    jwks: {
      name: `GET ${API}/jwks`,
      path: `${API}/jwks`,
      // One serial request first: on an empty jwks table concurrent first requests each mint a
      // key (the peer README's caveats).
      prepare: async () => void (await (await fetch(`${base}${API}/jwks`)).arrayBuffer()),
    },
    login: {
      name: `POST ${API}/sign-in/email`,
      method: 'POST',
      path: `${API}/sign-in/email`,
      headers: post,
      prepare: () => signUpUsers(LOGIN_USERS),
      sample: async () => ({ body: signInBody() }),
      load: {
        requests: [
          { setupRequest: (req) => ({ ...req, body: signInBody() }), onResponse: collect },
        ],
      },
    },
    register: {
      name: `POST ${API}/sign-up/email`,
      method: 'POST',
      path: `${API}/sign-up/email`,
      headers: post,
      sample: async () => ({ body: signUpBody().body }),
      load: {
        requests: [
          { setupRequest: (req) => ({ ...req, body: signUpBody().body }), onResponse: collect },
        ],
      },
    },
    me: withSession('/get-session'),
    refresh: {
      ...withSession('/token'),
      // The same closed loop as edge-auth's refresh: one session per connection.
      chain: () => async (state) => {
        state.cookie ??= anySession();
        const res = await fetch(`${base}${API}/token`, { headers: { Cookie: state.cookie } });
        await res.arrayBuffer();
        return res;
      },
    },
    logout: {
      name: `POST ${API}/sign-out`,
      method: 'POST',
      path: `${API}/sign-out`,
      headers: { Origin: base },
      // Each request ends a distinct live session: sign-out answers 200 for one already gone.
      // 300 for the load, 25 for the samples, a few spare (a sign-in costs ~90 ms of scrypt).
      prepare: () => fillSessions(340),
      sample: async () => ({ headers: { Cookie: sessions.pop() ?? '' } }),
      load: {
        amount: 300,
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: { ...req.headers, Cookie: sessions.pop() ?? '' },
            }),
          },
        ],
      },
    },
  };
}
