// `npx tsx bench/verify.ts`: what @edge-auth/verify costs a downstream service.
//   1. verification CPU per token against a bare jose.jwtVerify with a local key (same checks),
//      the library warm, following a revocation feed of the size 1 M daily users make;
//   2. requests to edge-auth (discovery, JWKS, feed) per 10,000 verifications at three request
//      rates (the library on a simulated clock: counts, not time);
//   3. the feed's size at 1 M daily users;
//   4. the revocation delay: edge-auth and a downstream Hono worker in two `wrangler dev`
//      processes on the local stack, a logout, and the time until the downstream refuses the
//      token (BENCH_LOGOUTS, default 20; `--no-workers` skips it).
// Prints medians of one run; asserts nothing.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { jwtVerify } from 'jose';
import { startStack } from '../dev/stack.ts';
import { workerVarsFor } from '../dev/worker-vars.ts';
import { killGroup, startWranglerDev, wranglerEnv } from '../dev/wrangler-dev.ts';
import { createVerifier } from '../packages/verify/src/index.ts';
import { AUDIENCE, clock, ISSUER, testIssuer } from '../packages/verify/test/issuer.ts';
import { freePort } from '../test/node/isolates-harness.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

/** 1 M daily users, one logout or revoke each per day: entries alive in a 930 s window. */
const DAILY_USERS = 1_000_000;
const WINDOW_S = 15 * 60 + 30;
const feedEntries = Math.round((DAILY_USERS / 86_400) * WINDOW_S);

// ---------------------------------------------------------------------------------------------
// 1. CPU per verification.
async function verificationCost() {
  const real = { now: () => Date.now(), advance() {} };
  const issuer = await testIssuer({ clock: real });
  issuer.feed.sessions = Array.from({ length: feedEntries }, () => randomUUID());
  // The copy stays fresh while measured: a refresh's cost (parsing the feed) is measured
  // apart below, and the in-process issuer's own work (rendering, hashing) is no verifier's.
  issuer.feedCacheControl = 'public, max-age=3600';
  const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, fetch: issuer.fetch });
  const tokens = await Promise.all(
    Array.from({ length: 64 }, () => issuer.sign({}, { ttl: 3600 })),
  );
  const publicKey = await crypto.subtle.importKey(
    'jwk',
    issuer.keys[0]!.jwk,
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const bare = (token: string) =>
    jwtVerify(token, publicKey, {
      algorithms: ['RS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
      clockTolerance: 30,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
  await verifier.warm();
  for (const token of tokens) await Promise.all([bare(token), verifier.verify(token)]);
  const per = async (op: (token: string) => Promise<unknown>, n: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await op(tokens[i % tokens.length]!);
    return Number(process.hrtime.bigint() - start) / n / 1000;
  };
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
  const n = 2000;
  const bareUs: number[] = [];
  const libUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    bareUs.push(await per(bare, n));
    libUs.push(await per((t) => verifier.verify(t), n));
  }
  const ratios = bareUs.map((b, i) => libUs[i]! / b);
  // A feed refresh: parse and index a feed of feedEntries (every 5 s while requests flow).
  const { parseFeed } = await import('../packages/verify/src/revocations.ts');
  const feedText = JSON.stringify({
    iss: ISSUER,
    generated_at: 0,
    window: WINDOW_S,
    ...issuer.feed,
  });
  const parseMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    parseFeed(ISSUER)(JSON.parse(feedText));
    parseMs.push(performance.now() - start);
  }
  console.log(
    `\n1. CPU per verification (Node ${process.version}, ${rounds} rounds of ${n}, medians)`,
  );
  console.table({
    'jose.jwtVerify, local key': { 'µs/token': +median(bareUs).toFixed(1) },
    [`createVerifier, warm, feed of ${feedEntries} entries`]: {
      'µs/token': +median(libUs).toFixed(1),
    },
    'ratio (median of per-round ratios)': { 'µs/token': +median(ratios).toFixed(3) },
  });
  console.log(`   rounds, bare µs: ${bareUs.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`   rounds, lib µs:  ${libUs.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(
    `   a feed refresh (parse + index ${feedEntries} entries): ${median(parseMs).toFixed(1)} ms, once per 5 s`,
  );
  console.log(`   requests to the issuer during all of it: ${JSON.stringify(verifier.stats())}`);
}

// ---------------------------------------------------------------------------------------------
// 2. Requests to edge-auth per 10,000 verifications.
async function fetchesPer10k() {
  const rows: Record<string, Record<string, number>> = {};
  for (const rate of [10, 100, 1000]) {
    const time = clock();
    const issuer = await testIssuer({ clock: time });
    issuer.jwksCacheControl =
      'public, max-age=300, s-maxage=300, stale-while-revalidate=300, stale-if-error=3600';
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      fetch: issuer.fetch,
      now: time.now,
    });
    const tokens = await Promise.all(
      Array.from({ length: 16 }, () => issuer.sign({}, { ttl: 86_400 })),
    );
    for (let i = 0; i < 10_000; i++) {
      await verifier.verify(tokens[i % tokens.length]!);
      time.advance(1 / rate);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 0)); // let background refreshes land
    }
    const s = verifier.stats();
    rows[`${rate}/s (${10_000 / rate} s)`] = {
      discovery: s.discoveryFetches,
      jwks: s.jwksFetches,
      feed: s.feedFetches,
    };
  }
  console.log(
    "\n2. Requests to edge-auth per 10,000 verifications (edge-auth's headers: JWKS max-age 300, feed max-age 5)",
  );
  console.table(rows);
}

// ---------------------------------------------------------------------------------------------
// 3. The feed at 1 M daily users.
function feedSize() {
  const doc = {
    iss: 'https://auth.example.com',
    generated_at: Math.floor(Date.now() / 1000),
    window: WINDOW_S,
    sessions: Array.from({ length: feedEntries }, () => randomUUID()),
    tokens: [],
    users: [],
  };
  const text = JSON.stringify(doc);
  console.log(
    `\n3. Feed at ${DAILY_USERS.toLocaleString('en')} daily users, one revocation each per day`,
  );
  console.table({
    entries: { value: feedEntries },
    'JSON bytes': { value: text.length },
    'gzip bytes': { value: gzipSync(text).length },
  });
}

// ---------------------------------------------------------------------------------------------
// 4. Revocation delay, real workers.
async function revocationDelay() {
  const logouts = Number(process.env.BENCH_LOGOUTS ?? 20);
  const stack = await startStack({});
  const authPort = await freePort();
  const issuer = `http://127.0.0.1:${authPort}`;
  const vars = {
    ...workerVarsFor(stack, issuer, {
      KEY_ENCRYPTION_KEY: `bench:${randomBytes(32).toString('base64url')}`,
    }),
    AUDIENCES: 'http://orders.test',
    REDIS_KEY_PREFIX: `ea:bench-verify-${randomUUID().slice(0, 6)}:`,
    RATE_LIMIT_LOGIN_EMAIL: '100000/1m',
    RATE_LIMIT_LOGIN_IP: '100000/1m',
  };
  const auth = await startWranglerDev({ port: authPort, vars, quiet: true });
  const [port, inspector] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'bench-downstream-'));
  const child: ChildProcess = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--config',
      join(ROOT, 'packages/verify/test/downstream-worker/wrangler.toml'),
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--inspector-port',
      String(inspector),
      '--persist-to',
      dir,
      '--show-interactive-dev-session=false',
      '--var',
      `ISSUER:${issuer}`,
      '--var',
      'AUDIENCE:http://orders.test',
    ],
    { cwd: ROOT, stdio: 'ignore', detached: true, env: wranglerEnv() },
  );
  const downstream = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`${downstream}/__stats`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 400) throw new Error('downstream not ready');
      await new Promise((r) => setTimeout(r, 250));
    }
    const post = async (path: string, body: unknown, token?: string) =>
      fetch(`${issuer}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const email = `bench-${randomUUID().slice(0, 8)}@example.test`;
    const password = 'a long and unusual passphrase 42';
    await post('/api/v1/auth/register', { email, password });
    const says = async (token: string) => {
      const r = await fetch(`${downstream}/api/whoami`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      return r.ok ? 'ok' : ((await r.json()) as { error: string }).error;
    };
    const delays: number[] = [];
    let verifications = 0;
    for (let i = 0; i < logouts; i++) {
      const { access_token } = (await (
        await post('/api/v1/auth/login', { email, password })
      ).json()) as { access_token: string };
      if ((await says(access_token)) !== 'ok') throw new Error('fresh token refused');
      const out = await post('/api/v1/auth/logout', {}, access_token);
      if (out.status !== 204) throw new Error(`logout ${out.status}`);
      const t0 = performance.now();
      // Other traffic keeps the verifier busy, as a real service's would: 20 requests/s.
      while ((await says(access_token)) === 'ok') {
        verifications++;
        if (performance.now() - t0 > 30_000) throw new Error('not revoked within 30 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      delays.push(performance.now() - t0);
    }
    const stats = (await (await fetch(`${downstream}/__stats`)).json()) as Record<string, number>;
    console.log(
      `\n4. Revocation delay, logout at edge-auth -> refused downstream (${logouts} logouts, two wrangler dev)`,
    );
    console.table({
      'delay (s)': {
        median: +(median(delays) / 1000).toFixed(2),
        p90: +(pct(delays, 0.9) / 1000).toFixed(2),
        max: +(Math.max(...delays) / 1000).toFixed(2),
        min: +(Math.min(...delays) / 1000).toFixed(2),
      },
    });
    console.log(
      `   downstream requests to edge-auth over ${verifications + 2 * logouts} verifications: ${JSON.stringify(stats)}`,
    );
  } finally {
    killGroup(child);
    await auth.stop();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await verificationCost();
await fetchesPer10k();
feedSize();
if (!args.includes('--no-workers')) await revocationDelay();
process.exit(0);
