// Two Workers on one local stack: two `wrangler dev` processes (so two workerd processes, so
// two isolates that really run at once) sharing the stack's Postgres and Redis, with the same
// ISSUER and KEK, so a token one issues the other accepts. Production runs many isolates; one
// isolate serialises on argon2 and hides every race between a login and an account change.
//
// Each process gets its own free port, inspector port and persistence folder (a throwaway
// temp dir: no Cache API entry survives from an earlier run), and runs in its own process
// group, which stop() kills as a whole (wrangler's workerd child ignores SIGTERM).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { openToolDb } from '../../dev/db-client.ts';
import { workerVarsFor } from '../../dev/worker-vars.ts';
import { killGroup, wranglerDevArgs, wranglerEnv } from '../../dev/wrangler-dev.ts';
import { users } from '../../src/store/schema.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface StackRef {
  url: string;
  token: string;
}

export interface Isolate {
  name: string;
  url: string;
  /** The wrangler process; its pid is the process group's id. */
  child: ChildProcess;
  /** The last lines wrangler and workerd printed, for failure messages. */
  tail(): string;
}

export interface Isolates {
  a: Isolate;
  b: Isolate;
  issuer: string;
  kek: string;
  vars: Record<string, string>;
  stop(): Promise<void>;
}

/** A port the OS reports free right now (wrangler needs numbers up front). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

const running = new Set<ChildProcess>();
// A crashed or interrupted run must not leave workerd processes holding ports.
process.once('exit', () => running.forEach(killGroup));

function spawnIsolate(
  name: string,
  port: number,
  inspector: number,
  persist: string,
  vars: Record<string, string>,
): Isolate {
  const args = [
    ...wranglerDevArgs(port, vars),
    '--inspector-port',
    String(inspector),
    '--persist-to',
    persist,
  ];
  const child = spawn('npx', args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: wranglerEnv(),
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    tail: () => lines.join('\n'),
  };
}

async function ready(isolate: Isolate, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isolate.child.exitCode !== null) {
      throw new Error(
        `wrangler dev ${isolate.name} exited with ${isolate.child.exitCode}:\n${isolate.tail()}`,
      );
    }
    try {
      const res = await fetch(`${isolate.url}/health`);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev ${isolate.name} not ready in ${timeoutMs} ms:\n${isolate.tail()}`);
}

/** The pids of the workerd processes in the isolate's process group. */
export function workerdPids(isolate: Isolate): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,comm='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, comm]) => Number(pgid) === isolate.child.pid && comm === 'workerd')
    .map(([pid]) => Number(pid));
}

export async function startIsolates(
  stack: StackRef,
  extraVars: Record<string, string> = {},
): Promise<Isolates> {
  // A fresh issuer per run: its own signing keys, nothing shared with other tests' keys.
  const issuer = `http://race-${randomUUID().slice(0, 8)}.test`;
  const kek = `race:${randomBytes(32).toString('base64url')}`;
  const vars = { ...workerVarsFor(stack, issuer, { KEY_ENCRYPTION_KEY: kek }), ...extraVars };
  const dirs: string[] = [];
  const started: Isolate[] = [];
  const stop = async () => {
    for (const isolate of started) killGroup(isolate.child);
    await Promise.all(
      started.map(
        (isolate) =>
          new Promise<void>((done) => {
            if (isolate.child.exitCode !== null || isolate.child.signalCode !== null) done();
            else isolate.child.once('exit', () => done());
            setTimeout(done, 5_000).unref();
          }),
      ),
    );
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const name of ['A', 'B']) {
      const persist = mkdtempSync(join(tmpdir(), `edge-auth-isolate-${name}-`));
      dirs.push(persist);
      const [port, inspector] = [await freePort(), await freePort()];
      started.push(spawnIsolate(name, port, inspector, persist, vars));
    }
    await Promise.all(started.map((isolate) => ready(isolate, 90_000)));
  } catch (error) {
    await stop();
    throw error;
  }
  const [a, b] = started as [Isolate, Isolate];
  return { a, b, issuer, kek, vars, stop };
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers: every answer with its status, parsed body and `error` code.

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  error: string | undefined;
  /** When the request was sent and when its answer was read (performance.now()). */
  sentAt: number;
  doneAt: number;
}

export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; token?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.json !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const sentAt = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.json === undefined ? null : JSON.stringify(options.json),
  });
  const text = await res.text();
  const doneAt = performance.now();
  let body: unknown = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  const error = (body as { error?: unknown }).error;
  return {
    status: res.status,
    body: body as T,
    error: typeof error === 'string' ? error : undefined,
    sentAt,
    doneAt,
  };
}

export const describeAnswer = (answer: Answer<unknown>) =>
  `${answer.status} ${answer.error ?? ''} ${JSON.stringify(answer.body).slice(0, 200)}`.trim();

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export const freshPassword = () => `race ${randomBytes(9).toString('base64url')} passphrase`;

export async function registerUser(base: string, label = 'race'): Promise<TestUser> {
  const email = `${label}-${randomUUID().slice(0, 12)}@example.test`;
  const password = freshPassword();
  const answer = await call<{ user_id: string }>(base, 'POST', '/api/v1/auth/register', {
    json: { email, password },
  });
  if (answer.status !== 201) throw new Error(`register: ${describeAnswer(answer)}`);
  return { id: answer.body.user_id, email, password };
}

export async function login(base: string, user: Pick<TestUser, 'email' | 'password'>) {
  return call<TokenPair>(base, 'POST', '/api/v1/auth/login', {
    json: { email: user.email, password: user.password },
  });
}

export async function loggedIn(base: string, user: TestUser): Promise<TokenPair> {
  const answer = await login(base, user);
  if (answer.status !== 200) throw new Error(`login: ${describeAnswer(answer)}`);
  return answer.body;
}

/** Sets a user's roles in SQL, as an operator would (the test's way to make an admin). */
export async function grantRoles(stack: StackRef, userId: string, roles: string[]) {
  const { db, close } = openToolDb({ STACK_URL: stack.url });
  try {
    await db.update(users).set({ roles }).where(eq(users.id, userId));
  } finally {
    await close();
  }
}

/** The one-time token in the newest `tag` mail to `to` (mail leaves after the response). */
export async function tokenMailedTo(stack: StackRef, to: string, tag: string): Promise<string> {
  const query = `to=${encodeURIComponent(to)}&tag=${tag}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await fetch(`${stack.url}/mailbox/messages?${query}`);
    // Newest first (dev/mailbox.ts).
    const { messages } = (await res.json()) as { messages: { links: string[] }[] };
    const link = messages[0]?.links.find((l) => l.includes('token='));
    const token = link ? new URL(link).searchParams.get('token') : null;
    if (token) return token;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${tag} mail reached ${to}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
