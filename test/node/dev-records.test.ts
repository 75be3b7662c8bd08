// `npm run dev` and the CLIs as a newcomer runs them (issue 18): `npm run dev` on custom ports
// records where it runs and `npm run seed`/`keys`/`user`/`client` find it without being told;
// with no stack they say so in one line (no stack trace, no hash); `keys` will not act for an
// issuer no running worker uses; a Worker variable from the shell reaches the worker; a taken
// port is one line naming PORT; the dev Redis keeps sessions across a restart (emulation and
// redis-server) and `--reset` starts clean. Each `npm run dev` here gets its own DEV_DATA_DIR,
// so a developer's own .data is never touched.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findOnPath } from '../../dev/upstash/redis-server.ts';
import { SHELL_WORKER_VARIABLES, STACK_WORKER_VARIABLES } from '../../dev/worker-vars.ts';
import { freePort } from './browser-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DEMO = { email: 'demo@example.com', password: 'correct horse battery staple' };
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a newcomer's shell: nothing pointing at a database, Redis or a stack. */
function shellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'LOCAL_REDIS',
    'STACK_URL',
    'STACK_PORT',
    'PORT',
    'ISSUER',
    'INSPECTOR_PORT',
    'KEY_ENCRYPTION_KEY',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    ...SHELL_WORKER_VARIABLES,
  ]) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** `npm run <script> -- args`, to its end. */
function npmRun(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', script, ...(args.length ? ['--', ...args] : [])], {
      cwd: ROOT,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** What npm itself prints before the script runs ("> edge-auth@0.1.0 seed", "> tsx ..."). */
const scriptLines = (text: string) =>
  text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('> '));

interface Dev {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

/** `npm run dev` in its own process group (as a terminal runs it), ready once /health answers. */
async function startDev(env: NodeJS.ProcessEnv, port: number, args: string[] = []): Promise<Dev> {
  const child = spawn('npm', ['run', 'dev', ...(args.length ? ['--', ...args] : [])], {
    cwd: ROOT,
    env,
    detached: true,
  });
  let output = '';
  child.stdout?.on(
    'data',
    (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)),
  );
  child.stderr?.on(
    'data',
    (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)),
  );
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`npm run dev not ready: ${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`)
      .then(async (res) => (await res.arrayBuffer(), res.status === 200))
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    child,
    output: () => output,
    async stop() {
      // Ctrl-C: the terminal signals the whole foreground group.
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
      return exited;
    },
  };
}

async function login(port: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO),
  });
}

async function refresh(port: number, token: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: token }),
  });
  await res.arrayBuffer();
  return res.status;
}

it('takes every Worker variable the README documents from the shell, except the stack wiring', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  const documented = [...table.matchAll(/^\| (.+?) \|/gm)].flatMap((row) =>
    [...(row[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]),
  );
  expect(documented.length).toBeGreaterThan(40);
  const known = new Set([...SHELL_WORKER_VARIABLES, ...STACK_WORKER_VARIABLES]);
  expect(documented.filter((name) => !known.has(name ?? ''))).toEqual([]);
  expect(STACK_WORKER_VARIABLES.sort()).toEqual([
    'DATABASE_URL',
    'DEV_MAILBOX_TOKEN',
    'DEV_MAILBOX_URL',
    'NEON_FETCH_ENDPOINT',
    'TURNSTILE_VERIFY_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'UPSTASH_REDIS_REST_URL',
  ]);
});

describe('the CLIs with no local stack', { timeout: 60_000 }, () => {
  it.each([
    ['seed', []],
    ['keys', ['list']],
    ['user', ['list']],
    ['client', ['list']],
  ])('npm run %s says so in one line, with the fix', async (script, args) => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'dev-records-'));
    dirs.push(dir);
    const result = await npmRun(
      script,
      args,
      shellEnv({ DEV_DATA_DIR: dir, STACK_PORT: String(port) }),
    );
    expect(result.code).toBe(1);
    const lines = scriptLines(result.stdout + result.stderr);
    expect(lines).toEqual([
      `no local stack answers at http://127.0.0.1:${port} (from STACK_URL/STACK_PORT): ` +
        'start it with `npm run dev`, or set DATABASE_URL (or STACK_URL) to the database to use',
    ]);
  });

  it('npm run seed prints no hash when the database refuses the insert', async () => {
    // A stack that answers its health check but whose SQL endpoint fails echoing the request,
    // parameters included (dev/faults.ts): drizzle's error would quote the argon2 hash.
    const stack = inject('stack');
    const proxy: Server = createServer((req, res) => {
      const target = req.url === '/__health' ? '/__health' : `/__fault/400${req.url ?? ''}`;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const init: RequestInit = {
          method: req.method ?? 'GET',
          headers: { 'content-type': 'application/json' },
        };
        if (req.method !== 'GET') init.body = Buffer.concat(chunks);
        void fetch(`${stack.url}${target}`, init).then(async (reply) => {
          res.writeHead(reply.status, { 'content-type': 'application/json' });
          res.end(Buffer.from(await reply.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const { port } = proxy.address() as { port: number };
    try {
      const dir = mkdtempSync(join(tmpdir(), 'dev-records-'));
      dirs.push(dir);
      const result = await npmRun(
        'seed',
        [],
        shellEnv({ DEV_DATA_DIR: dir, STACK_PORT: String(port) }),
      );
      expect(result.code).toBe(1);
      const all = result.stdout + result.stderr;
      expect(all).not.toContain('argon2');
      expect(all).not.toContain('ECHOED-REQUEST');
      expect(all).not.toMatch(/^\s+at /m);
      expect(scriptLines(all)).toEqual([
        `seed failed in the local stack at http://127.0.0.1:${port}: the database refused the insert (NeonDbError)`,
      ]);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe('npm run dev on custom ports', { timeout: 300_000 }, () => {
  const modes = ['memory', ...(findOnPath('redis-server') ? ['server'] : [])];

  it.each(modes)(
    'records where it runs, the CLIs use it, shell settings reach the worker, Redis (%s) keeps sessions; --reset starts clean',
    async (mode) => {
      const dir = mkdtempSync(join(tmpdir(), 'dev-records-'));
      dirs.push(dir);
      const [port, stackPort] = [await freePort(), await freePort()];
      const env = shellEnv({
        DEV_DATA_DIR: dir,
        PORT: String(port),
        STACK_PORT: String(stackPort),
        LOCAL_REDIS: mode,
        ACCESS_TOKEN_TTL: '5m',
      });
      // The tools' own environment: no port, no URL; they must find the stack by the record.
      const toolEnv = shellEnv({ DEV_DATA_DIR: dir });
      const issuer = `http://localhost:${port}`;

      let dev = await startDev(env, port);
      let refreshToken: string;
      try {
        const record = JSON.parse(readFileSync(join(dir, 'dev-server.json'), 'utf8'));
        expect(record).toMatchObject({
          worker: { port, issuer },
          stack: { port: stackPort, url: `http://127.0.0.1:${stackPort}` },
        });
        expect(record.pid).toEqual(expect.any(Number));

        const seeded = await npmRun('seed', [], toolEnv);
        expect(seeded.code, seeded.stderr).toBe(0);
        expect(seeded.stdout).toContain(`in the local stack at http://127.0.0.1:${stackPort}`);

        const keys = await npmRun('keys', ['list'], toolEnv);
        expect(keys.code, keys.stderr).toBe(0);
        expect(keys.stdout).toContain(`issuer ${issuer} (the running npm run dev uses it)`);

        // The issuer of the default port: no worker uses it, so no key is made for it.
        const other = 'http://localhost:8787';
        const refused = await npmRun('keys', ['advance', '--issuer', other], toolEnv);
        expect(refused.code).toBe(1);
        expect(scriptLines(refused.stdout + refused.stderr)).toEqual([
          `refusing to advance keys of ${other}: the running \`npm run dev\` uses ${issuer}. ` +
            `Start \`npm run dev\` first, or act on that issuer anyway: npm run keys -- advance --issuer ${other} --force`,
        ]);

        const users = await npmRun('user', ['list', '--search', 'demo@'], toolEnv);
        expect(users.code, users.stderr).toBe(0);
        expect(users.stdout).toContain(DEMO.email);

        // ACCESS_TOKEN_TTL=5m from the shell reached the worker.
        const res = await login(port);
        const body = (await res.json()) as { expires_in: number; refresh_token: string };
        expect(res.status).toBe(200);
        expect(body.expires_in).toBe(300);
        refreshToken = body.refresh_token;

        // A second `npm run dev` on the same worker port: one line naming it and PORT.
        const busy = await npmRun('dev', [], shellEnv({ DEV_DATA_DIR: dir, PORT: String(port) }));
        expect(busy.code).toBe(1);
        expect(scriptLines(busy.stdout + busy.stderr)).toEqual([
          `npm run dev: port ${port} (the worker) is already in use: stop what listens there, ` +
            `or move it, e.g. PORT=${port + 10} npm run dev`,
        ]);
      } finally {
        await dev.stop();
      }
      expect(existsSync(join(dir, 'dev-server.json'))).toBe(false);
      const stopped = await npmRun('user', ['list'], toolEnv);
      expect(scriptLines(stopped.stdout + stopped.stderr)[0]).toMatch(/^no local stack answers at/);

      // Restarted: the session is still there (Redis kept it under DEV_DATA_DIR/redis).
      dev = await startDev(env, port);
      try {
        expect(await refresh(port, refreshToken)).toBe(200);
      } finally {
        await dev.stop();
      }

      if (mode !== 'memory') return;
      // --reset: no user, no session.
      dev = await startDev(env, port, ['--reset']);
      try {
        const res = await login(port);
        await res.arrayBuffer();
        expect(res.status).toBe(401);
        expect(await refresh(port, refreshToken)).toBe(401);
      } finally {
        await dev.stop();
      }
    },
  );
});
