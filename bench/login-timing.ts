// Login timing by path (issue 13 item 3): the medians of N interleaved failed logins for an
// unknown address, a wrong password on an argon2id account, on an imported bcrypt account
// wrapped in argon2id, and on a bare (not yet wrapped) bcrypt account, plus a success for scale.
// Prints a table; never asserts (the tests check the floor itself, test/worker/login-timing.test.ts).
//
//   npx tsx bench/login-timing.ts                       # own stack + wrangler dev (port 8788)
//   BENCH_URL=http://127.0.0.1:8787 STACK_URL=http://127.0.0.1:8799 npx tsx bench/login-timing.ts
//                                                      # against a running `npm run dev`
// Options: BENCH_SAMPLES (30), BENCH_BCRYPT_COST (12, as in the observation).
// Each attempt uses its own account, so per-account limits and backoff never trip; against
// `npm run dev` the per-address login limit (30/min) does: run it with RATE_LIMIT_LOGIN_IP raised.
import { randomUUID } from 'node:crypto';
import { hash as bcryptHash } from 'bcryptjs';
import { openToolDb } from '../dev/db-client.ts';
import { hashLikeTheWorker, wrapLikeTheWorker } from '../scripts/user-password.ts';
import { users } from '../src/store/schema.ts';
import { startTarget, type Target } from './harness.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const BCRYPT_COST = Number(process.env.BENCH_BCRYPT_COST ?? 12);
const PASSWORD = 'the right password for timing 42';
const WRONG = 'a wrong password for timing 42';
const ARGON2 = { memoryKib: 19_456, iterations: 2, parallelism: 1 };

type Path = 'unknown' | 'argon2 wrong' | 'wrapped bcrypt wrong' | 'bare bcrypt wrong' | 'success';

async function main() {
  let target: Target | undefined;
  let url = process.env.BENCH_URL;
  let stackUrl = process.env.STACK_URL;
  if (!url) {
    target = await startTarget('wrangler-dev');
    url = target.worker.url;
    stackUrl = target.stack.url;
  }
  const { db, close } = openToolDb({ STACK_URL: stackUrl });
  try {
    const run = randomUUID().slice(0, 8);
    const argon2 = await hashLikeTheWorker(PASSWORD, ARGON2);
    const bare = await bcryptHash(PASSWORD, BCRYPT_COST);
    const wrapped = await wrapLikeTheWorker(bare, ARGON2);
    const accounts = async (label: string, passwordHash: string) => {
      const rows = Array.from({ length: SAMPLES }, (_, i) => ({
        email: `${label}-${i}-${run}@timing.example.test`,
        passwordHash,
        roles: ['viewer'],
        emailVerifiedAt: new Date(),
      }));
      await db.insert(users).values(rows);
      return rows.map((row) => row.email);
    };
    const emails: Record<Path, string[]> = {
      unknown: Array.from({ length: SAMPLES }, (_, i) => `nobody-${i}-${run}@timing.example.test`),
      'argon2 wrong': await accounts('argon2', argon2),
      'wrapped bcrypt wrong': await accounts('wrapped', wrapped),
      'bare bcrypt wrong': await accounts('bare', bare),
      success: await accounts('success', argon2),
    };
    const login = async (email: string, password: string) => {
      const started = performance.now();
      const response = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      const body = await response.text();
      return { ms: performance.now() - started, status: response.status, body };
    };
    // Warm-up: the first login of an isolate instantiates argon2 and imports keys.
    await login(emails.success[0] ?? '', PASSWORD);

    const paths = Object.keys(emails) as Path[];
    const times = new Map<Path, number[]>(paths.map((path) => [path, []]));
    const answers = new Map<Path, Set<string>>(paths.map((path) => [path, new Set()]));
    for (let i = 0; i < SAMPLES; i++) {
      // Interleaved, in a fresh random order each round, so drift hits every path alike.
      for (const path of [...paths].sort(() => Math.random() - 0.5)) {
        const email = emails[path][i] ?? '';
        const result = await login(
          email,
          path === 'success' || path === 'unknown' ? PASSWORD : WRONG,
        );
        times.get(path)?.push(result.ms);
        answers.get(path)?.add(`${result.status} ${path === 'success' ? '' : result.body}`);
      }
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2
        ? (sorted[mid] ?? 0)
        : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
    };
    const failures = paths
      .filter((path) => path !== 'success')
      .map((path) => median(times.get(path) ?? []));
    const lowest = Math.min(...failures);
    console.log(
      `login timing: ${SAMPLES} interleaved attempts per path, bcrypt cost ${BCRYPT_COST}, ${url}`,
    );
    console.log(
      'path                   median ms   p10 ms   p90 ms   vs fastest failure   answers',
    );
    for (const path of paths) {
      const values = [...(times.get(path) ?? [])].sort((a, b) => a - b);
      const at = (q: number) =>
        values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;
      const m = median(values);
      const spread = path === 'success' ? '' : `+${(((m - lowest) / lowest) * 100).toFixed(1)} %`;
      console.log(
        `${path.padEnd(22)} ${m.toFixed(1).padStart(9)} ${at(0.1).toFixed(1).padStart(8)} ` +
          `${at(0.9).toFixed(1).padStart(8)}   ${spread.padEnd(18)}   ${answers.get(path)?.size ?? 0} distinct`,
      );
    }
    const spread = ((Math.max(...failures) - lowest) / lowest) * 100;
    console.log(`failed-login medians within ${spread.toFixed(1)} % of each other`);
  } finally {
    await close();
    await target?.close();
  }
}

await main();
