// `npm run keys -- rotate` end to end, as an operator runs it: the real CLI (a child process)
// against the stack of a running `wrangler dev`, watched by a downstream verifier nobody here
// wrote (jose's createRemoteJWKSet, fresh each time). Also what survives a restart of
// `wrangler dev`: its Cache API entries persist in .wrangler/state, its isolate's memory does not.
//
// Own issuer (a free port) and own REDIS_KEY_PREFIX, so the version counter it bumps is its
// own and the worker tests sharing the stack never see it.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workerVarsFor } from '../../dev/worker-vars.ts';
import { startWranglerDev, type WranglerDev } from '../../dev/wrangler-dev.ts';
import { freePort } from './browser-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const KEY_CACHE_TTL_SECONDS = 3;
const PASSWORD = 'a long and unusual passphrase 42';

const stack = inject('stack');
const kek = `e2e:${randomBytes(32).toString('base64url')}`;
const prefix = `ea:e2e-${randomUUID().slice(0, 8)}:`;
let port = 0;
let issuer = '';
let worker: WranglerDev | undefined;

function startWorker(): Promise<WranglerDev> {
  return startWranglerDev({
    port,
    quiet: process.env.E2E_VERBOSE !== '1',
    vars: {
      ...workerVarsFor(stack, issuer, { KEY_ENCRYPTION_KEY: kek }),
      REDIS_KEY_PREFIX: prefix,
      KEY_CACHE_TTL: String(KEY_CACHE_TTL_SECONDS),
    },
  });
}

/** The keys CLI as the operator runs it against the local stack (never DATABASE_URL). */
function keysCli(
  command: string,
  extra: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STACK_URL: stack.url,
    ISSUER: issuer,
    KEY_ENCRYPTION_KEY: kek,
    REDIS_KEY_PREFIX: prefix,
    KEY_CACHE_TTL: String(KEY_CACHE_TTL_SECONDS),
  };
  for (const name of ['DATABASE_URL', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN']) {
    delete env[name];
  }
  Object.assign(env, extra);
  return new Promise((done, fail) => {
    const child = spawn(TSX, ['scripts/keys.ts', command], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function rotate(): Promise<{ kid: string; revoked: string }> {
  const result = await keysCli('rotate');
  expect(result.code, result.stderr).toBe(0);
  const match = /new signing key (\S+); revoked (\S+)/.exec(result.stdout);
  expect(result.stdout).toContain('every isolate reloads its keys before it next signs');
  return { kid: match?.[1] ?? '', revoked: match?.[2] ?? '' };
}

async function publishedKids(): Promise<string[]> {
  const response = await fetch(`${worker!.url}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  const { keys } = (await response.json()) as { keys: { kid: string }[] };
  return keys.map((k) => k.kid);
}

const email = `rotate-${randomUUID().slice(0, 8)}@example.test`;

async function login(): Promise<string> {
  const response = await fetch(`${worker!.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A verifier that has never seen our JWKS. */
const freshVerifier = (token: string) =>
  jwtVerify(token, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), {
    issuer,
    audience: issuer,
    typ: 'at+jwt',
  });

describe('npm run keys -- rotate against wrangler dev', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    port = await freePort();
    issuer = `http://localhost:${port}`;
    worker = await startWorker();
    const registered = await fetch(`${worker.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(registered.status, await registered.text()).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
  }, 30_000);

  it('a restarted worker never serves the JWKS it cached before the rotation', async () => {
    const [cachedKid] = await publishedKids(); // rendered and put in the Cache API
    expect(await publishedKids()).toEqual([cachedKid]);
    await worker!.stop();
    const { kid, revoked } = await rotate();
    expect(revoked).toBe(cachedKid);
    worker = await startWorker();
    expect(await publishedKids()).toEqual([kid]);
  });

  it('tokens issued after the command returns use the new key; the JWKS drops the revoked one within KEY_CACHE_TTL', async () => {
    const before = await login();
    expect(await freshVerifier(before)).toBeTruthy();
    const [oldKid] = await publishedKids();

    const { kid, revoked } = await rotate();
    expect(revoked).toBe(oldKid);
    // Nothing has told this isolate yet but the passing of KEY_CACHE_TTL: poll the JWKS as a
    // verifier would (the bound holds from the command's return; a loaded machine adds slack).
    const returned = Date.now();
    let kids = await publishedKids();
    while (
      kids.includes(oldKid ?? '') &&
      Date.now() - returned < KEY_CACHE_TTL_SECONDS * 1000 + 15_000
    ) {
      await new Promise((r) => setTimeout(r, 250));
      kids = await publishedKids();
    }
    expect(kids).toEqual([kid]);

    const after = await login();
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    const { protectedHeader } = await freshVerifier(after);
    expect(protectedHeader.kid).toBe(kid);
    await expect(freshVerifier(before)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    const me = await fetch(`${worker!.url}/api/v1/auth/me`, {
      headers: { Authorization: `Bearer ${before}` },
    });
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'The token was signed by an unknown or withdrawn key.',
    });
  });

  it('a token issued right after the command returns verifies with a fresh verifier at once', async () => {
    const { kid } = await rotate();
    // The login's session script reply carries the new version: the isolate reloads its keys
    // before signing, and its JWKS follows from the same reloaded key set.
    const token = await login();
    expect(decodeProtectedHeader(token).kid).toBe(kid);
    expect((await freshVerifier(token)).protectedHeader.kid).toBe(kid);
  });

  it('says loudly, and exits 1, when it cannot bump the version in Redis', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const result = await keysCli('rotate', { UPSTASH_REDIS_REST_URL: unreachable });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/new signing key \S+; revoked \S+/);
    expect(result.stderr).toContain(`could not bump the key-set version (${prefix}keys:version`);
    expect(result.stderr).toContain(
      `Isolates will only notice within KEY_CACHE_TTL (${KEY_CACHE_TTL_SECONDS}s)`,
    );
    expect(result.stderr).toContain('npm run keys -- bump-version');
    const bumped = await keysCli('bump-version');
    expect(bumped.code, bumped.stderr).toBe(0);
    expect(bumped.stdout).toMatch(/key-set version \d+/);
  });
});
