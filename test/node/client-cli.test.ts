// `npm run client` (scripts/client.ts) run as the operator runs it: a child process against
// the test stack's database, then the rows and audit events read back. Ids are unique per
// run, so the tests also pass against a shared real Postgres.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { openToolDb } from '../../dev/db-client.ts';
import { auditEvents, oauthClients } from '../../src/store/schema.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const stack = inject('stack');
const { db } = openToolDb({ STACK_URL: stack.url });
const run = randomUUID().slice(0, 8);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI through the stack (never DATABASE_URL directly), with the default configuration. */
function cli(args: string[]): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, STACK_URL: stack.url };
  for (const name of ['DATABASE_URL', 'ROLE_SCOPES', 'ACCESS_TOKEN_TTL', 'SESSION_MAX_LIFETIME']) {
    delete env[name];
  }
  return new Promise((done, fail) => {
    const child = spawn(TSX, ['scripts/client.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end();
  });
}

const row = async (id: string) =>
  (await db.select().from(oauthClients).where(eq(oauthClients.clientId, id)))[0];
const auditOf = (type: string, target: string) =>
  db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.type, type), sql`${auditEvents.details}->>'target' = ${target}`));
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const secretIn = (output: string) => /^client_secret: (eacs_[\w-]{43})$/m.exec(output)?.[1];

// Each run starts a tsx process (about a second), so the tests get more than 5 s.
describe('npm run client', { timeout: 30_000 }, () => {
  const web = `web-${run}`;
  const spa = `spa-${run}`;

  it('creates a confidential client: the secret printed once, its SHA-256 stored, audited without it', async () => {
    const result = await cli([
      'create',
      '--id',
      web,
      '--name',
      'Web app',
      '--grant',
      'authorization_code',
      '--grant',
      'refresh_token',
      '--scope',
      'read',
      '--redirect-uri',
      'https://app.example/cb',
      '--access-token-ttl',
      '5m',
      '--first-party',
      '--logo-uri',
      'https://app.example/logo.png',
      '--post-logout-redirect-uri',
      'https://app.example/signed-out',
      '--backchannel-logout-uri',
      'https://app.example/backchannel',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const secret = secretIn(result.stdout);
    expect(secret).toBeDefined();
    const stored = await row(web);
    expect(stored).toMatchObject({
      name: 'Web app',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['read'],
      redirectUris: ['https://app.example/cb'],
      accessTokenTtl: 300,
      refreshTokenTtl: null,
      secretHash: sha256(secret!),
      firstParty: true,
      logoUri: 'https://app.example/logo.png',
      postLogoutRedirectUris: ['https://app.example/signed-out'],
      backchannelLogoutUri: 'https://app.example/backchannel',
    });
    const [event, ...more] = await auditOf('admin_client_created', web);
    expect(more).toHaveLength(0);
    expect(event?.details).toMatchObject({ client_type: 'confidential', source: 'cli' });
    expect(event?.userAgent).toBe('npm run client');
    expect(JSON.stringify(event)).not.toContain(secret!);
    expect(JSON.stringify(event)).not.toContain(stored!.secretHash!);
  });

  it('creates a public client (no secret) and refuses its id a second time', async () => {
    const args = [
      'create',
      '--id',
      spa,
      '--public',
      '--name',
      'SPA',
      '--grant',
      'authorization_code',
      '--scope',
      'read',
      '--redirect-uri',
      'http://localhost:5173/cb',
    ];
    const result = await cli(args);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/client_secret/);
    expect((await row(spa))?.secretHash).toBeNull();
    // Without --first-party a client is third-party: its users are asked for consent.
    expect((await row(spa))?.firstParty).toBe(false);
    const again = await cli(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists/);
  });

  // Nine tsx processes in a row: on two loaded cores that takes longer than the others.
  it(
    'refuses what the Worker refuses, naming the flag, with exit code 2',
    { timeout: 90_000 },
    async () => {
      const base = ['create', '--name', 'Bad', '--scope', 'read'];
      const cases: [string[], RegExp][] = [
        [
          ['--grant', 'authorization_code', '--redirect-uri', 'http://app.example/cb'],
          /--redirect-uri\[0\]: must be https/,
        ],
        [['--grant', 'client_credentials', '--public'], /--grant: a public client cannot/],
        [['--grant', 'authorization_code'], /--redirect-uri: authorization_code needs/],
        [
          ['--grant', 'client_credentials', '--scope', 'everything'],
          /--scope\[1\]: is not a scope/,
        ],
        [
          ['--grant', 'client_credentials', '--access-token-ttl', 'soon'],
          /--access-token-ttl: not a duration/,
        ],
        [
          ['--grant', 'client_credentials', '--backchannel-logout-uri', 'https://api.example/bc'],
          /--backchannel-logout-uri: only a client with authorization_code/,
        ],
        [
          [
            '--grant',
            'authorization_code',
            '--redirect-uri',
            'https://app.example/cb',
            '--post-logout-redirect-uri',
            'https://app.example/out#x',
          ],
          /--post-logout-redirect-uri\[0\]: must not have a fragment/,
        ],
      ];
      for (const [extra, message] of cases) {
        const result = await cli([...base, ...extra]);
        expect(result.code, extra.join(' ')).toBe(2);
        expect(result.stderr).toMatch(message);
      }
      expect((await cli([])).code).toBe(2);
      expect((await cli(['delete'])).code).toBe(2);
    },
  );

  it('registers a resource server with --resource-server (it may introspect tokens for that aud)', async () => {
    const id = `api-${run}`;
    const result = await cli([
      'create',
      '--id',
      id,
      '--name',
      'Orders API',
      '--grant',
      'client_credentials',
      '--scope',
      'read',
      '--resource-server',
      'https://orders.example',
      '--resource-server',
      'https://orders.example/v2',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'resource server for https://orders.example https://orders.example/v2',
    );
    expect(await row(id)).toMatchObject({
      resourceAudiences: ['https://orders.example', 'https://orders.example/v2'],
    });
    const [event] = await auditOf('admin_client_created', id);
    expect(event?.details).toMatchObject({
      resource_audiences: ['https://orders.example', 'https://orders.example/v2'],
    });
    const refused = await cli([
      'create',
      '--public',
      '--name',
      'SPA',
      '--grant',
      'authorization_code',
      '--scope',
      'read',
      '--redirect-uri',
      'http://localhost:5173/cb',
      '--resource-server',
      'https://orders.example',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '--resource-server: a public client cannot be a resource server',
    );
  });

  it('lists, rotates a secret, deletes', async () => {
    const listed = await cli(['list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${web}  confidential  first-party  "Web app"`);
    expect(listed.stdout).toContain(`${spa}  public  third-party  "SPA"`);
    expect(listed.stdout).toContain('  post-logout redirect URIs https://app.example/signed-out');
    expect(listed.stdout).toContain('  back-channel logout https://app.example/backchannel');
    expect(listed.stdout).not.toMatch(/eacs_/);

    const before = (await row(web))?.secretHash;
    const rotated = await cli(['rotate-secret', web]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = secretIn(rotated.stdout);
    expect((await row(web))?.secretHash).toBe(sha256(secret!));
    expect(sha256(secret!)).not.toBe(before);
    expect(await auditOf('admin_client_secret_rotated', web)).toHaveLength(1);
    const publicRotate = await cli(['rotate-secret', spa]);
    expect(publicRotate.code).toBe(1);
    expect(publicRotate.stderr).toMatch(/public client/);

    for (const id of [web, spa]) {
      const deleted = await cli(['delete', id]);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(await row(id)).toBeUndefined();
      expect(await auditOf('admin_client_deleted', id)).toHaveLength(1);
    }
    const missing = await cli(['delete', web]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no client/);
  });
});
