// `npm run user -- create | import` (scripts/user.ts) run as the operator runs it: a child
// process against the test stack's database, then the rows and audit events read back. Emails
// are unique per run, so the tests also pass against a shared real Postgres (DATABASE_URL).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { verify } from '@node-rs/argon2';
import { genSalt, hash } from 'bcryptjs';
import { and, eq, ilike, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workerVarsFor } from '../../dev/worker-vars.ts';
import { ROOMY_LIMITS } from './worker-test-vars.ts';
import { startWranglerDev, type WranglerDev } from '../../dev/wrangler-dev.ts';
import { freePort } from './browser-harness.ts';
import { openToolDb } from '../../dev/db-client.ts';
import { bcryptDigest, parseWrappedBcrypt } from '../../src/auth/bcrypt-wrapped.ts';
import { auditEvents, users } from '../../src/store/schema.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const stack = inject('stack');
const { db } = openToolDb({ STACK_URL: stack.url });
const run = randomUUID().slice(0, 8);
const dir = mkdtempSync(join(tmpdir(), 'user-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI through the stack (never DATABASE_URL directly), with the default role set. */
function cli(args: string[], stdin = '', env: Record<string, string> = {}): Promise<Result> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    STACK_URL: stack.url,
    // The sessions (delete, revoke-sessions) are in the stack's Redis, behind its token.
    UPSTASH_REDIS_REST_TOKEN: stack.token,
    ...env,
  };
  const configured = [
    'DATABASE_URL',
    'ROLE_SCOPES',
    'DEFAULT_ROLES',
    'ARGON2_MEMORY_KIB',
    'ARGON2_ITERATIONS',
    'ARGON2_PARALLELISM',
  ];
  for (const name of configured) {
    if (!(name in env)) delete childEnv[name];
  }
  return new Promise((done, fail) => {
    const child = spawn(TSX, ['scripts/user.ts', ...args], { cwd: ROOT, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** What the Worker computes for a wrapped hash: bcrypt with the stored setting, then argon2id. */
async function wrappedMatches(password: string, stored: string): Promise<boolean> {
  const parts = parseWrappedBcrypt(stored);
  if (!parts) return false;
  const digest = bcryptDigest(await hash(password, parts.setting));
  return verify(parts.argon2, Buffer.from(digest));
}

const userByEmail = async (email: string) =>
  (await db.select().from(users).where(eq(users.email, email)))[0];

const auditOf = (type: string, target: string) =>
  db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.type, type), sql`${auditEvents.details}->>'target' = ${target}`));

// Each run starts a tsx process (about a second), so the tests get more than the default 5 s.
describe('create', { timeout: 30_000 }, () => {
  // "é" typed as e + U+0301: stored hashed in NFC, as the Worker hashes and checks.
  const password = 'correct horse battery staple e\u0301';
  const email = `root-${run}@example.test`;

  it('creates a verified user with an argon2id hash at the configured cost, and audits it', async () => {
    const before = Date.now();
    const result = await cli(
      [
        'create',
        '--email',
        `  ROOT-${run}@Example.test `,
        '--name',
        'Root',
        '--role',
        'admin',
        '--role',
        'viewer',
      ],
      `${password}\nnot read\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('horse');

    const row = await userByEmail(email);
    expect(row).toMatchObject({ email: `ROOT-${run}@Example.test`, name: 'Root' });
    expect(row?.roles).toEqual(['admin', 'viewer']);
    expect(row?.emailVerifiedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$/);
    expect(await verify(row?.passwordHash ?? '', password.normalize('NFC'))).toBe(true);
    expect(await verify(row?.passwordHash ?? '', 'correct horse battery staple')).toBe(false);

    const events = await auditOf('admin_user_created', row?.id ?? '');
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toEqual({
      target: row?.id,
      source: 'cli',
      roles: ['admin', 'viewer'],
    });
    expect(events[0]?.userAgent).toBe('npm run user');
  });

  it('refuses an existing email, in any case, with exit code 1 and before asking for a password', async () => {
    const result = await cli(['create', '--email', email.toUpperCase(), '--role', 'admin']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/exists/);
    const rows = await db
      .select()
      .from(users)
      .where(ilike(users.email, `root-${run}@%`));
    expect(rows).toHaveLength(1);
  });

  it('refuses what the Worker refuses: a bad email, a common password, a role not configured', async () => {
    const cases: [string[], string, RegExp][] = [
      [['--email', 'not-an-email'], password, /--email: email is not a valid address/],
      [['--email', `weak-${run}@example.test`], 'password1\n', /password_too_common/],
      [['--email', `short-${run}@example.test`], 'short\n', /password_too_short/],
      [['--email', `none-${run}@example.test`], '', /no password/],
      [
        ['--email', `role-${run}@example.test`, '--role', 'root'],
        password,
        /unknown role\(s\) root/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args, stdin]) => cli(['create', ...args], stdin)),
    );
    for (const [i, [args, , message]] of cases.entries()) {
      expect(results[i]?.code, args.join(' ')).toBe(1);
      expect(results[i]?.stderr).toMatch(message);
    }
    const created = await db
      .select()
      .from(users)
      .where(ilike(users.email, `%-${run}@example.test`));
    expect(created.map((user) => user.email.toLowerCase())).toEqual([email]);
  });

  it('hashes at ARGON2_* when set, and gives DEFAULT_ROLES when no --role is given', async () => {
    const result = await cli(['create', '--email', `tuned-${run}@example.test`], `${password}\n`, {
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_ITERATIONS: '1',
    });
    expect(result.code, result.stderr).toBe(0);
    const row = await userByEmail(`tuned-${run}@example.test`);
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
    expect(row?.roles).toEqual(['viewer']);
  });

  it('answers bad usage with the usage text and exit code 2', async () => {
    const usages = [[], ['create'], ['import'], ['frobnicate'], ['create', '--bogus']];
    for (const [i, result] of (await Promise.all(usages.map((args) => cli(args)))).entries()) {
      expect(result.code, usages[i]?.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage:');
    }
  });
});

describe('import', { timeout: 60_000 }, () => {
  /** A fixture with its emails moved to this run's own domain. */
  const fixture = (name: string, target: string) => {
    const text = readFileSync(join(ROOT, 'test/fixtures/users', name), 'utf8');
    const file = join(dir, target);
    writeFileSync(file, text.replace(/@example\.test/gi, `@${run}.example.test`));
    return file;
  };

  it('imports the valid rows, reports the others by line, and a second run skips them all', async () => {
    const file = fixture('old-service.csv', `users-${run}.csv`);
    const first = await cli(['import', file]);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain('read 9, imported 4, skipped 0 (already present), invalid 5');
    expect(first.stdout).toContain('invalid: line 4: email is not a valid address');
    expect(first.stdout).toContain('invalid: line 11: 5 columns where the header has 4');
    expect(first.stdout).not.toContain('$2b$04$');

    const ada = await userByEmail(`ada@${run}.example.test`);
    // Wrapped in argon2id: the bcrypt setting kept, the digest only inside argon2id.
    const bare = '$2b$04$ffcaHT68.6/bABFBt1waEe03hkGJR9fiqLEB.jU2XFRmWBwXnP26O';
    expect(await wrappedMatches('ada-old-password', ada?.passwordHash ?? '')).toBe(true);
    expect(await wrappedMatches('ada-old-passwordX', ada?.passwordHash ?? '')).toBe(false);
    expect(ada?.passwordHash).toMatch(
      /^\$edge-bcrypt-argon2id\$2b\$04\$ffcaHT68\.6\/bABFBt1waEe\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
    );
    expect(ada?.passwordHash).not.toContain(bare.slice(29));
    expect(ada).toMatchObject({ name: 'Lovelace, Ada', roles: ['admin', 'researcher'] });
    expect(ada?.emailVerifiedAt).toBeInstanceOf(Date);
    expect((await userByEmail(`carl@${run}.example.test`))?.roles).toEqual(['viewer']);
    expect(await userByEmail(`bob@${run}.example.test`)).toBeUndefined();

    const second = await cli(['import', file]);
    expect(second.code).toBe(2);
    expect(second.stdout).toContain('read 9, imported 0, skipped 4 (already present), invalid 5');

    const events = await auditOf('admin_users_imported', `users-${run}.csv`);
    expect(
      events.map((event) => event.details).sort((a, b) => Number(b.imported) - Number(a.imported)),
    ).toEqual([
      {
        action: 'import',
        target: `users-${run}.csv`,
        source: 'cli',
        read: 9,
        imported: 4,
        skipped: 0,
        invalid: 5,
      },
      {
        action: 'import',
        target: `users-${run}.csv`,
        source: 'cli',
        read: 9,
        imported: 0,
        skipped: 4,
        invalid: 5,
      },
    ]);
  });

  it('reads JSON lines, and exits 0 when every row is valid', async () => {
    const lines = readFileSync(join(ROOT, 'test/fixtures/users/old-service.jsonl'), 'utf8')
      .split('\n')
      .slice(0, 4);
    const file = join(dir, `valid-${run}.txt`); // no telling extension: detected by content
    writeFileSync(file, lines.join('\n').replace(/@example\.test/g, `@j.${run}.example.test`));
    const result = await cli(['import', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('read 3, imported 3, skipped 0 (already present), invalid 0');
    const grace = await userByEmail(`grace@j.${run}.example.test`);
    expect(grace).toMatchObject({ name: null, roles: ['developer', 'viewer'] });
    expect(grace?.passwordHash).toMatch(/^\$edge-bcrypt-argon2id\$2a\$04\$/);
  });

  it('inserts in batches across many rows, counting new and present users in each', async () => {
    const hash = '$2b$04$d0gjTfiGAuUff8bmx693T.z/dgMEGIH.RuXLvreQq9cUFYi5vOsk2';
    const row = (i: number) => `bulk${i}@b.${run}.example.test,${hash},User ${i},viewer`;
    const header = 'email,password_hash,name,roles';
    const some = join(dir, `some-${run}.csv`);
    writeFileSync(some, [header, ...[7, 499, 500, 1100].map(row)].join('\n'));
    // The lowest argon2 cost the config takes: 1,205 rows are wrapped in argon2id here.
    const cheap = { ARGON2_MEMORY_KIB: '8192', ARGON2_ITERATIONS: '1' };
    expect((await cli(['import', some], '', cheap)).stdout).toContain('imported 4, skipped 0');

    const all = join(dir, `all-${run}.csv`);
    writeFileSync(all, [header, ...Array.from({ length: 1201 }, (_, i) => row(i))].join('\n'));
    const result = await cli(['import', all], '', cheap);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'read 1201, imported 1197, skipped 4 (already present), invalid 0',
    );
    const [count] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(users)
      .where(ilike(users.email, `%@b.${run}.example.test`));
    expect(count?.n).toBe(1201);
  });

  it('fails with exit code 1 on a file it cannot read', async () => {
    const result = await cli(['import', join(dir, 'missing.csv')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read .*ENOENT/);
  });
});

// The session commands against a real Worker (wrangler dev on this stack): sessions are made by
// logging in over HTTP, and ended by the CLI; what the Worker then answers is the proof.
describe(
  'wrap-legacy, set-roles, disable, enable, list, delete and revoke-sessions, against wrangler dev',
  { timeout: 120_000 },
  () => {
    let worker: WranglerDev | undefined;
    const PASSWORD = 'a long and unusual passphrase 42';

    beforeAll(async () => {
      const port = await freePort();
      worker = await startWranglerDev({
        port,
        quiet: true,
        vars: {
          ...workerVarsFor(stack, `http://127.0.0.1:${port}`, {
            KEY_ENCRYPTION_KEY: `cli:${Buffer.alloc(32, 7).toString('base64url')}`,
          }),
          ...ROOMY_LIMITS,
        },
        timeoutMs: 90_000,
      });
    }, 120_000);
    afterAll(() => worker?.stop());

    const api = async (path: string, body: unknown, token?: string) => {
      const response = await fetch(`${worker?.url}/api/v1/auth${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const session = async (email: string) => {
      const login = await api('/login', { email, password: PASSWORD });
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      return login.body as { access_token: string; refresh_token: string };
    };
    const registered = async (label: string) => {
      const email = `${label}-${randomUUID().slice(0, 8)}@${run}.example.test`;
      const reply = await api('/register', { email, password: PASSWORD });
      expect(reply.status).toBe(201);
      return { email, id: reply.body.user_id ?? '' };
    };

    it('wrap-legacy wraps the bare bcrypt rows; the Worker logs them in and re-hashes to argon2id', async () => {
      const email = `legacy-${run}@w.example.test`;
      const bare = await hash(PASSWORD, await genSalt(4));
      await db.insert(users).values({ email, passwordHash: bare, roles: ['viewer'] });
      const result = await cli(['wrap-legacy']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/bare bcrypt hashes found \d+, wrapped \d+/);
      const wrapped = (await userByEmail(email))?.passwordHash ?? '';
      expect(wrapped).toMatch(/^\$edge-bcrypt-argon2id\$2b\$04\$/);
      expect(await wrappedMatches(PASSWORD, wrapped)).toBe(true);
      expect((await cli(['wrap-legacy'])).stdout).toMatch(/found 0, wrapped 0/);
      const [{ n } = { n: -1 }] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(users)
        .where(sql`${users.passwordHash} ~ '^\\$2[aby]\\$'`);
      expect(n).toBe(0);
      await session(email);
      for (
        let i = 0;
        i < 50 && !(await userByEmail(email))?.passwordHash.startsWith('$argon2id$');
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await userByEmail(email))?.passwordHash).toMatch(/^\$argon2id\$/);
    });

    it('delete (by email or id) removes the row and ends every session at once, audited', async () => {
      for (const by of ['email', 'id'] as const) {
        const user = await registered(`del-${by}`);
        const tokens = await session(user.email);
        const result = await cli(['delete', by === 'email' ? user.email.toUpperCase() : user.id]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain(`deleted ${user.id}; sessions ended: 1`);
        expect(await userByEmail(user.email)).toBeUndefined();
        const refresh = await api('/refresh', { refresh_token: tokens.refresh_token });
        expect([refresh.status, refresh.body.error]).toEqual([401, 'invalid_grant']);
        const me = await api('/me', undefined, tokens.access_token);
        expect([me.status, me.body.error]).toEqual([401, 'invalid_token']);
        const events = await auditOf('admin_user_deleted', user.id);
        expect(events.map((event) => event.details)).toEqual([
          { target: user.id, sessions_revoked: 1, source: 'cli' },
        ]);
      }
      const missing = await cli(['delete', `nobody-${run}@example.test`]);
      expect([missing.code, missing.stderr.includes('no user')]).toEqual([1, true]);
    });

    const claims = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        roles: string[];
      };

    it('set-roles (by email) replaces the roles; the live session carries them at its next refresh, audited', async () => {
      const user = await registered('roles');
      const tokens = await session(user.email);
      const result = await cli(['set-roles', user.email, '--role', 'admin', '--role', 'viewer']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('sessions updated: 1');
      expect((await userByEmail(user.email))?.roles).toEqual(['admin', 'viewer']);
      const refreshed = await api('/refresh', { refresh_token: tokens.refresh_token });
      expect(refreshed.status).toBe(200);
      expect(claims(refreshed.body.access_token ?? '').roles).toEqual(['admin', 'viewer']);
      expect((await auditOf('admin_roles_set', user.id)).map((e) => e.details)).toEqual([
        {
          target: user.id,
          roles: ['admin', 'viewer'],
          previous: ['viewer'],
          sessions_updated: 1,
        },
      ]);
      const [event] = await auditOf('admin_roles_set', user.id);
      expect(event?.userAgent).toBe('npm run user');

      const unknown = await cli(['set-roles', user.id, '--role', 'no-such-role']);
      expect([unknown.code, unknown.stderr]).toEqual([
        2,
        expect.stringContaining('invalid_request'),
      ]);
      const cleared = await cli(['set-roles', user.id, '--no-roles']);
      expect(cleared.code, cleared.stderr).toBe(0);
      expect((await userByEmail(user.email))?.roles).toEqual([]);
      // Neither --role nor --no-roles, or both: usage.
      expect((await cli(['set-roles', user.id])).code).toBe(2);
      expect((await cli(['set-roles', user.id, '--role', 'admin', '--no-roles'])).code).toBe(2);
    });

    it('disable ends every session and refuses logins; enable lets the user in again; both audited', async () => {
      const user = await registered('disable');
      const tokens = await session(user.email);
      const disabled = await cli(['disable', user.id]);
      expect(disabled.code, disabled.stderr).toBe(0);
      expect(disabled.stdout).toContain('sessions ended: 1');
      expect((await userByEmail(user.email))?.disabledAt).toBeInstanceOf(Date);
      const refresh = await api('/refresh', { refresh_token: tokens.refresh_token });
      expect([refresh.status, refresh.body.error]).toEqual([401, 'invalid_grant']);
      const refused = await api('/login', { email: user.email, password: PASSWORD });
      expect([refused.status, refused.body.error]).toEqual([403, 'account_disabled']);

      const enabled = await cli(['enable', user.email]);
      expect(enabled.code, enabled.stderr).toBe(0);
      expect((await userByEmail(user.email))?.disabledAt).toBeNull();
      await session(user.email);

      expect((await auditOf('admin_user_disabled', user.id)).map((e) => e.details)).toEqual([
        { target: user.id, sessions_revoked: 1 },
      ]);
      expect((await auditOf('admin_user_enabled', user.id)).map((e) => e.details)).toEqual([
        { target: user.id },
      ]);
      const missing = await cli(['disable', `nobody-${run}@example.test`]);
      expect([missing.code, missing.stderr.includes('no user')]).toEqual([1, true]);
    });

    it('list finds users by part of the email, a page at a time, and names the next page', async () => {
      const tag = `list${randomUUID().slice(0, 8)}`;
      const made = [];
      for (const i of [1, 2, 3]) made.push(await registered(`${tag}-${i}`));
      const emails = made.map((u) => u.email).sort();

      const first = await cli(['list', '--search', tag, '--limit', '2']);
      expect(first.code, first.stderr).toBe(0);
      const lines = first.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines.map((line) => line.split(/\s+/)[1])).toEqual(emails.slice(0, 2));
      expect(lines[0]).toMatch(/^[0-9a-f-]{36} {2}\S+ {2}(active|unverified) {2}roles viewer$/);
      const next =
        /next page: npm run user -- list --search "([^"]+)" --limit 2 --after "([^"]+)"/.exec(
          first.stderr,
        );
      expect(next?.slice(1)).toEqual([tag, emails[1]]);

      const second = await cli([
        'list',
        '--search',
        tag,
        '--limit',
        '2',
        '--after',
        emails[1] ?? '',
      ]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout.trim().split(/\s+/)[1]).toBe(emails[2]);
      expect(second.stderr).toContain('1 user(s); no more');

      expect((await cli(['list', '--limit', '500'])).code).toBe(2);
    });

    it('a row deleted by hand keeps its session until revoke-sessions ends it by id', async () => {
      const user = await registered('by-hand');
      const tokens = await session(user.email);
      await db.delete(users).where(eq(users.id, user.id));
      // Refresh reads no SQL: the session outlives the row (the README says so).
      const alive = await api('/refresh', { refresh_token: tokens.refresh_token });
      expect(alive.status).toBe(200);
      const result = await cli(['revoke-sessions', user.id]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('sessions ended: 1');
      const dead = await api('/refresh', { refresh_token: alive.body.refresh_token });
      expect([dead.status, dead.body.error]).toEqual([401, 'invalid_grant']);
      expect((await auditOf('admin_sessions_revoked', user.id)).map((e) => e.details)).toEqual([
        { target: user.id, sessions_revoked: 1 },
      ]);
    });
  },
);
