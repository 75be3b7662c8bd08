// Issue 13, item 4: a store that fails (down, answering 5xx, answering an error that quotes the
// request) gives 503 temporarily_unavailable on every face (JSON and hosted pages), and no log
// line, from the error handler or anywhere else in the worker, carries the request's secrets:
// no email, no password, no hash, no token, no query parameter. The worker runs in this
// isolate, so spying on console sees every line it writes.
import { inject } from 'vitest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { adminSession } from './audit-fixtures.ts';
import { freshEmail, newSession, PASSWORD, registerUser } from './auth-fixtures.ts';
import { freshIp } from './abuse-fixtures.ts';
import { sendWithEnv } from './helpers.ts';

// Port 9 (discard) on loopback: nothing listens, so connections are refused at once.
const DEAD = 'http://127.0.0.1:9';
// dev/faults.ts: the stack's failing endpoint echoes the request after this marker.
const ECHO_MARKER = 'ECHOED-REQUEST>>';
const faultUrl = (status: number, query = '') => `${inject('stack').url}/__fault/${status}${query}`;

/** Every way a store can fail here, as env overrides. */
const POSTGRES_FAULTS = {
  'Postgres unreachable': { NEON_FETCH_ENDPOINT: `${DEAD}/sql` },
  'Postgres endpoint answering 500 with the statement in its body': {
    NEON_FETCH_ENDPOINT: faultUrl(500),
  },
  // Postgres' own error for a server shutting down, with the statement quoted in the message
  // and the parameters in the detail.
  'Postgres answering a server error (57P01) that quotes the parameters': {
    NEON_FETCH_ENDPOINT: faultUrl(400, '?code=57P01'),
  },
} as const;
const REDIS_FAULTS = {
  'Redis unreachable': { UPSTASH_REDIS_REST_URL: DEAD },
  'Redis answering error replies that quote the command': {
    UPSTASH_REDIS_REST_URL: faultUrl(400),
  },
} as const;

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

/** The secrets of one request, and what must never be logged whatever the request. */
function expectCleanLogs(secrets: string[]) {
  const text = lines.join('\n');
  for (const secret of [...secrets, ECHO_MARKER, '$argon2', 'Failed query', 'params:']) {
    expect(text, `the log holds ${JSON.stringify(secret)}`).not.toContain(secret);
  }
}

async function expect503(response: Response) {
  expect(response.status).toBe(503);
  expect(await response.json()).toEqual({
    error: 'temporarily_unavailable',
    error_description: 'A backing store is unreachable; try again shortly.',
  });
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': freshIp(), ...headers },
  body: JSON.stringify(body),
});

describe.each(Object.entries(POSTGRES_FAULTS))('%s', (_, fault) => {
  it('register: 503, and the log holds neither the email, the password nor the hash', async () => {
    const email = freshEmail('fault');
    const response = await sendWithEnv(
      '/api/v1/auth/register',
      fault,
      json({ email, password: PASSWORD }),
    );
    await expect503(response);
    expect(lines.length).toBeGreaterThan(0);
    const line = JSON.parse(lines.find((l) => l.includes('temporarily_unavailable'))!);
    expect(line).toMatchObject({
      code: 'temporarily_unavailable',
      store: 'db',
      route: '/api/v1/auth/register',
      request_id: expect.any(String),
    });
    expect(line.cause.classes.length).toBeGreaterThan(0);
    expectCleanLogs([email, PASSWORD, email.split('@')[0]!]);
  });

  it('login: 503 without the email or password in the log', async () => {
    const { email } = await registerUser();
    const response = await sendWithEnv(
      '/api/v1/auth/login',
      fault,
      json({ email, password: PASSWORD }),
    );
    await expect503(response);
    expectCleanLogs([email, PASSWORD]);
  });

  it('/me: 503 without the token in the log', async () => {
    const { tokens, user } = await newSession();
    const response = await sendWithEnv('/api/v1/auth/me', fault, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    await expect503(response);
    expectCleanLogs([tokens.access_token, tokens.refresh_token, user.email]);
  });

  it('admin user search: 503, and the log has the route pattern, not the query', async () => {
    const { tokens } = await adminSession();
    const searched = freshEmail('searched');
    const response = await sendWithEnv(
      `/api/v1/admin/users?query=${encodeURIComponent(searched)}`,
      fault,
      { headers: { Authorization: `Bearer ${tokens.access_token}` } },
    );
    await expect503(response);
    expect(lines.join('\n')).toContain('"route":"/api/v1/admin/users"');
    expectCleanLogs([searched, encodeURIComponent(searched), tokens.access_token]);
  });

  it('hosted sign-in page: a 503 page, not a 500, and nothing of the form in the log', async () => {
    const { email } = await registerUser();
    const ip = freshIp();
    const page = await sendWithEnv('/login', {}, { headers: { 'CF-Connecting-IP': ip } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const cookie = page.headers
      .getAll('Set-Cookie')
      .map((line) => line.split(';')[0])
      .join('; ');
    const response = await sendWithEnv('/login', fault, {
      method: 'POST',
      body: new URLSearchParams({ csrf, email, password: PASSWORD }),
      headers: { Origin: 'http://auth.test', Cookie: cookie, 'CF-Connecting-IP': ip },
      redirect: 'manual',
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('A backing store is unreachable');
    expectCleanLogs([email, PASSWORD, csrf]);
  });
});

describe.each(Object.entries(REDIS_FAULTS))('%s', (_, fault) => {
  it('refresh: 503 without either token in the log', async () => {
    const { tokens } = await newSession();
    const response = await sendWithEnv(
      '/api/v1/auth/refresh',
      fault,
      json({ refresh_token: tokens.refresh_token }),
    );
    await expect503(response);
    expect(lines.length).toBeGreaterThan(0);
    expectCleanLogs([tokens.refresh_token, tokens.access_token]);
  });

  it('login: 503 (fails closed) without the email or password in the log', async () => {
    const { email } = await registerUser();
    const response = await sendWithEnv(
      '/api/v1/auth/login',
      fault,
      json({ email, password: PASSWORD }),
    );
    await expect503(response);
    expectCleanLogs([email, PASSWORD]);
  });

  it('register (its limiter fails open): the warning holds no address', async () => {
    const email = freshEmail('fault');
    await sendWithEnv('/api/v1/auth/register', fault, json({ email, password: PASSWORD }));
    expectCleanLogs([email, PASSWORD]);
  });
});

describe('a statement Postgres refuses for its data', () => {
  it('a taken email is still the expected answer (23505 handled by the store), not a 503', async () => {
    const { email } = await registerUser();
    const again = await sendWithEnv(
      '/api/v1/auth/register',
      {},
      json({ email, password: PASSWORD }),
    );
    expect(again.status).not.toBe(503);
    expect(again.status).toBeLessThan(500);
    expectCleanLogs([email, PASSWORD]);
  });

  it('an unexpected constraint violation is a 500 whose log line names the constraint only', async () => {
    const email = freshEmail('fault');
    const response = await sendWithEnv(
      '/api/v1/auth/register',
      { NEON_FETCH_ENDPOINT: faultUrl(400, '?code=23503&constraint=users_some_fkey') },
      json({ email, password: PASSWORD }),
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: 'server_error' });
    const line = JSON.parse(lines.find((l) => l.includes('server_error'))!);
    expect(line.cause).toMatchObject({ pg_code: '23503', constraint: 'users_some_fkey' });
    expectCleanLogs([email, PASSWORD]);
  });

  it('bad input that reaches SQL (a NUL byte in the email) never logs the input', async () => {
    const email = `nul\u0000${freshEmail('fault')}`;
    const response = await sendWithEnv(
      '/api/v1/auth/login',
      {},
      json({ email, password: PASSWORD }),
    );
    expect(response.status).not.toBe(200);
    expectCleanLogs([email, email.slice(4), PASSWORD]);
  });
});
