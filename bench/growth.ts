// `npm run bench -- --growth`: how the cost of a request grows with the data around it (issue 19,
// item 5). In one run, on the bundled Worker in `workerd serve`, measured like the main table
// (CPU ms per request from /proc under load, round trips of one request from the stack):
//   1. login and refresh with ~10 users in the database, then with 100,000;
//   2. refresh of a user holding 1 session, and of users holding SESSION_CAP (50) sessions;
//   3. listing sessions with 1, 10 and 50 sessions, and with 1 while others hold many;
//   4. the isolate's heap after GC (through workerd's inspector) over 10,000 requests;
//   5. Redis keys and memory before and after 5,000 refreshes of the same sessions.
// Each claim prints a table with the ratio between its cases. Prints; never asserts.
// BENCH_DURATION and BENCH_CONNECTIONS as for the table; BENCH_ROUNDS (default 3) interleaved
// rounds for claims 2 and 3.
import { cpuMs, waitIdle } from './cpu.ts';
import {
  authClient,
  listScenario,
  loginMany,
  loginScenario,
  type Pair,
  refreshScenario,
} from './growth-client.ts';
import {
  dropFilledUsers,
  fillUsers,
  redis,
  redisCensus,
  type RedisCensus,
} from './growth-stores.ts';
import { runScenario, type ScenarioResult, startTarget, type Target } from './harness.ts';
import { connectInspector } from './inspector.ts';
import { readDeploySettings } from './workerd.ts';

const SESSION_CAP = 50;
const USERS = 100_000;
const SAMPLES = 5;

interface Options {
  duration: number;
  connections: number;
  /** Interleaved rounds for the cases that can be repeated (claims 2 and 3). */
  rounds: number;
}

interface Row {
  label: string;
  result: ScenarioResult;
}

const ratio = (value: number | undefined, base: number | undefined) =>
  value !== undefined && base ? `${(value / base).toFixed(2)}x` : '-';

function printClaim(title: string, rows: Row[]): void {
  const base = rows[0]?.result.cpuMsPerRequest;
  console.log(`\n${title}\n`);
  console.log(
    '| case | req/s | p50 ms | CPU ms/req | CPU vs first | SQL trips | Redis trips | redis ms | non-2xx |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { label, result: r } of rows) {
    const cells = [
      label,
      r.rps.toFixed(0),
      r.p50.toFixed(1),
      r.cpuMsPerRequest?.toFixed(2) ?? '-',
      ratio(r.cpuMsPerRequest, base),
      r.sqlTrips,
      r.redisTrips,
      (r.timing.redis ?? 0).toFixed(2),
      r.non2xx,
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

/** `total` requests over `connections` closed loops, each step from its connection's `makeStep`. */
async function closedCount(
  total: number,
  connections: number,
  makeStep: () => () => Promise<number>,
): Promise<{ completed: number; non2xx: number }> {
  let started = 0;
  let non2xx = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const step = makeStep();
      while (started < total) {
        started += 1;
        const status = await step();
        if (status < 200 || status >= 300) non2xx += 1;
      }
    }),
  );
  return { completed: started, non2xx };
}

/** The Worker process's CPU ms per request over `run`, idle before and after. */
async function cpuPerRequest(pid: number, run: () => Promise<{ completed: number }>) {
  await waitIdle(pid);
  const before = cpuMs(pid);
  const { completed } = await run();
  await waitIdle(pid);
  return (cpuMs(pid) - before) / completed;
}

const sessionKeys = (census: RedisCensus) =>
  [...census.byKind].filter(([kind]) => kind.includes(':sess:')).reduce((n, [, c]) => n + c, 0);

/** The `sub` and `sid` claims of an access token (read locally; the token is never printed). */
function subjectOf(access: string): { sub: string; sid: string } {
  const payload = access.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    sub: string;
    sid: string;
  };
}

export async function growth(options: Options): Promise<void> {
  const target = await startTarget('workerd', {
    inspector: true,
    vars: { SESSION_CAP: String(SESSION_CAP) },
  });
  try {
    await measure(target, options);
  } finally {
    await target.close();
  }
}

/**
 * Runs the cases interleaved (A, B, A, B, ...) and keeps for each the round with its median CPU:
 * other work on the machine then falls on every case alike.
 */
async function interleaved(
  rounds: number,
  cases: (() => Promise<ScenarioResult>)[],
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[][] = cases.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, run] of cases.entries()) results[i]?.push(await run());
  }
  return results.map(medianRun);
}

/** The run with the median CPU per request. */
function medianRun(runs: ScenarioResult[]): ScenarioResult {
  const sorted = [...runs].sort((a, b) => (a.cpuMsPerRequest ?? 0) - (b.cpuMsPerRequest ?? 0));
  const median = sorted[(sorted.length - 1) >> 1];
  if (!median) throw new Error('growth: no rounds');
  return median;
}

async function measure(target: Target, options: Options): Promise<void> {
  const { url, pid, inspectorUrl } = target.worker;
  if (!pid || !inspectorUrl) throw new Error('growth: needs workerd serve with its inspector');
  const { connections, rounds } = options;
  const client = authClient(url);
  const run = (scenario: Parameters<typeof runScenario>[1]) =>
    runScenario(target, scenario, { ...options, samples: SAMPLES });
  const tag = Date.now().toString(36);
  const email = (kind: string, i: number) => `bench-growth-${tag}-${kind}${i}@example.test`;
  const register = async (kind: string, count: number) => {
    const emails = Array.from({ length: count }, (_, i) => email(kind, i));
    for (const e of emails) await client.register(e);
    return emails;
  };
  const bulk = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => `growth-${from + i}@example.test`);
  const log = (msg: string) => console.error(`growth: ${msg}`);
  const refreshTokens = (pairs: Pair[]) => pairs.map((p) => p.refresh_token);

  // Every route once under load before anything is measured (JIT, the key ring, the wasm).
  log('warming up');
  const [warm = ''] = await register('warm', 1);
  await heapMix(client, [warm], 1)(300);
  const warmAccess = (await client.login(warm)).access_token;
  for (let i = 0; i < 200; i++) await client.sessions(warmAccess);

  // 1. Users in the database: login looks one up by email, refresh reads none. Interleaved: each
  // round drops the inserted users (and their space), measures, inserts them again, measures.
  const few = await register('few', connections);
  // Spread over the table: any inserted user logs in with the password of `few[0]`.
  const spread = Array.from(
    { length: connections },
    (_, i) => `growth-${1 + Math.floor((i * (USERS - 1000)) / connections)}@example.test`,
  );
  const loginThenRefresh = async (emails: string[]) => {
    const issued: Pair[] = [];
    const login = await run(loginScenario(url, 'login', emails, issued));
    const refresh = await run(
      refreshScenario(
        url,
        'refresh',
        refreshTokens(issued.slice(-connections)),
        refreshTokens(issued.slice(-(connections + SAMPLES), -connections)),
      ),
    );
    return { login, refresh };
  };
  const byUsers = {
    few: [] as Awaited<ReturnType<typeof loginThenRefresh>>[],
    many: [] as Awaited<ReturnType<typeof loginThenRefresh>>[],
  };
  let usersFew = 0;
  let usersMany = 0;
  for (let round = 0; round < rounds; round++) {
    usersFew = await dropFilledUsers(target.stack);
    log(`login and refresh with ${usersFew} users`);
    byUsers.few.push(await loginThenRefresh(few));
    const inserting = performance.now();
    usersMany = await fillUsers(target.stack, USERS, few[0] ?? '');
    log(`${usersMany} users after ${((performance.now() - inserting) / 1000).toFixed(1)} s`);
    byUsers.many.push(await loginThenRefresh(spread));
  }
  printClaim(
    `1. Users in the database (login: one user per connection; median of ${rounds} interleaved rounds)`,
    [
      { label: `login, ${usersFew} users`, result: medianRun(byUsers.few.map((r) => r.login)) },
      { label: `login, ${usersMany} users`, result: medianRun(byUsers.many.map((r) => r.login)) },
      { label: `refresh, ${usersFew} users`, result: medianRun(byUsers.few.map((r) => r.refresh)) },
      {
        label: `refresh, ${usersMany} users`,
        result: medianRun(byUsers.many.map((r) => r.refresh)),
      },
    ],
  );

  // 2. Sessions per user: one each, or the cap.
  log('refresh with 1 and with 50 sessions per user');
  const single = await register('single', connections + SAMPLES * rounds);
  const singleTokens: string[] = [];
  for (const e of single) singleTokens.push((await client.login(e)).refresh_token);
  const fullUsers = await register('full', 4);
  const full: Pair[][] = [];
  for (const e of fullUsers) full.push(await loginMany(client, e, SESSION_CAP, 3));
  const fullCounts = await Promise.all(full.map((p) => client.sessions(p[0]?.access_token ?? '')));
  // Spread over the full users' sessions; a rotation keeps its session, so each stays at the cap.
  const fullTokens = Array.from(
    { length: connections + SAMPLES * rounds },
    (_, i) => full[i % full.length]?.[Math.floor(i / full.length)]?.refresh_token ?? '',
  );
  const singleChains = singleTokens.slice(0, connections);
  const singleSamples = singleTokens.slice(connections);
  const fullChains = fullTokens.slice(0, connections);
  const fullSamples = fullTokens.slice(connections);
  const [refreshSingle, refreshFull] = await interleaved(rounds, [
    () => run(refreshScenario(url, 'refresh', singleChains, singleSamples)),
    () => run(refreshScenario(url, 'refresh', fullChains, fullSamples)),
  ]);
  printClaim(`2. Sessions of the refreshing user (median of ${rounds} interleaved rounds)`, [
    { label: 'refresh, user holds 1 session', result: refreshSingle as ScenarioResult },
    {
      label: `refresh, users hold ${fullCounts.join('/')} sessions (SESSION_CAP ${SESSION_CAP})`,
      result: refreshFull as ScenarioResult,
    },
  ]);

  // 3. Listing: that user's sessions only.
  log('listing with 1, 10 and 50 sessions');
  const [alone = ''] = await register('alone', 1);
  const aloneAccess = (await client.login(alone)).access_token;
  const [ten = ''] = await register('ten', 1);
  const tenAccess = (await loginMany(client, ten, 10, 3))[0]?.access_token ?? '';
  const sessionsNow = sessionKeys(await redisCensus(target.stack));
  const fullAccess = full[0]?.[0]?.access_token ?? '';
  const lists = await interleaved(rounds, [
    () => run(listScenario('list', aloneAccess)),
    () => run(listScenario('list', tenAccess)),
    () => run(listScenario('list', fullAccess)),
  ]);
  const [listOne, listTen, listFull] = lists as [ScenarioResult, ScenarioResult, ScenarioResult];
  // Others' sessions: the full users end all theirs (logout-all) and log in again, in turns.
  const without: ScenarioResult[] = [];
  const withOthers: ScenarioResult[] = [];
  let sessionsWithout = 0;
  let sessionsWith = 0;
  for (let round = 0; round < rounds; round++) {
    for (const pairs of full) await client.logoutAll(pairs[0]?.access_token ?? '');
    sessionsWithout = sessionKeys(await redisCensus(target.stack));
    without.push(await run(listScenario('list', aloneAccess)));
    for (const [i, e] of fullUsers.entries()) full[i] = await loginMany(client, e, SESSION_CAP, 3);
    sessionsWith = sessionKeys(await redisCensus(target.stack));
    withOthers.push(await run(listScenario('list', aloneAccess)));
  }
  printClaim(
    `3. Listing sessions, GET /api/v1/auth/sessions (median of ${rounds} interleaved rounds)`,
    [
      { label: `1 session; ${sessionsNow} sessions in Redis`, result: listOne },
      { label: `10 sessions; ${sessionsNow} in Redis`, result: listTen },
      { label: `${fullCounts[0]} sessions; ${sessionsNow} in Redis`, result: listFull },
      {
        label: `1 session; ${sessionsWithout} in Redis (others logged out)`,
        result: medianRun(without),
      },
      {
        label: `1 session; ${sessionsWith} in Redis (others back, ${fullUsers.length} x ${SESSION_CAP})`,
        result: medianRun(withOthers),
      },
    ],
  );
  const cpu = (r: ScenarioResult) => r.cpuMsPerRequest ?? 0;
  const fullCount = fullCounts[0] ?? SESSION_CAP;
  console.log(
    `\nCPU per extra listed session: 1->10 ${((cpu(listTen) - cpu(listOne)) / 9).toFixed(4)} ms, ` +
      `10->${fullCount} ${((cpu(listFull) - cpu(listTen)) / (fullCount - 10)).toFixed(4)} ms`,
  );

  // 5. Redis: state per session, not per refresh.
  log('Redis keys over 5,000 refreshes');
  await redisGrowth(target, client, bulk(101, connections), connections);

  // 4. The isolate's heap over 10,000 requests.
  log('heap over 10,000 requests');
  await heapGrowth(target, client, bulk(201, connections), connections);
}

/**
 * A closed loop of `connections` over `emails` (one each): a login every 25th request (a new
 * session; at the cap the least recently used goes), otherwise refresh and /me in turn.
 */
function heapMix(client: ReturnType<typeof authClient>, emails: string[], connections: number) {
  const pairs: (Pair | undefined)[] = [];
  return (total: number) => {
    let connection = 0;
    return closedCount(total, connections, () => {
      const i = connection++ % emails.length;
      let k = 0;
      return async () => {
        try {
          const pair = pairs[i];
          if (!pair || k % 25 === 0) pairs[i] = await client.login(emails[i] ?? '');
          else if (k % 2 === 0) pairs[i] = await client.refresh(pair.refresh_token);
          else await client.me(pair.access_token);
          return 200;
        } catch {
          return 500;
        } finally {
          k += 1;
        }
      };
    });
  };
}

async function redisGrowth(
  target: Target,
  client: ReturnType<typeof authClient>,
  emails: string[],
  connections: number,
): Promise<void> {
  const refreshes = 5_000;
  const pairs: Pair[] = [];
  for (const e of emails) pairs.push(await client.login(e));
  const tokens = pairs.map((p) => p.refresh_token);
  // One rotation each first: the per-session limiter's window keys exist before the count.
  for (let i = 0; i < tokens.length; i++) {
    tokens[i] = (await client.refresh(tokens[i] ?? '')).refresh_token;
  }
  const { sub, sid } = subjectOf(pairs[0]?.access_token ?? '');
  const prefix = readDeploySettings().vars.REDIS_KEY_PREFIX ?? '';
  const hashKey = `${prefix}u:{${sub}}:sess:${sid}`;
  const before = await redisCensus(target.stack);
  const fieldsBefore = await redis<number>(target.stack, 'HLEN', hashKey);
  // Each connection follows the rotation chain of its own session.
  let next = 0;
  const done = await closedCount(refreshes, connections, () => {
    const at = next++ % tokens.length;
    return async () => {
      const pair = await client.refresh(tokens[at] ?? '').catch(() => undefined);
      if (!pair) return 500;
      tokens[at] = pair.refresh_token;
      return 200;
    };
  });
  const after = await redisCensus(target.stack);
  const fieldsAfter = await redis<number>(target.stack, 'HLEN', hashKey);
  console.log(
    `\n5. Redis over ${done.completed} refreshes of ${connections} sessions (${done.non2xx} failed)\n`,
  );
  console.log('| what | before | after | after/before |');
  console.log('|---|---:|---:|---:|');
  const line = (what: string, a: number | undefined, b: number | undefined) =>
    console.log(`| ${what} | ${a ?? '-'} | ${b ?? '-'} | ${ratio(b, a)} |`);
  line('keys (DBSIZE)', before.keys, after.keys);
  line('used_memory bytes (INFO memory)', before.usedMemory, after.usedMemory);
  line('fields in one refreshed session hash (HLEN)', fieldsBefore, fieldsAfter);
  const kinds = new Set([...before.byKind.keys(), ...after.byKind.keys()]);
  for (const kind of [...kinds].sort()) {
    line(`keys ${kind}`, before.byKind.get(kind) ?? 0, after.byKind.get(kind) ?? 0);
  }
}

async function heapGrowth(
  target: Target,
  client: ReturnType<typeof authClient>,
  emails: string[],
  connections: number,
): Promise<void> {
  const { url, pid, inspectorUrl } = target.worker;
  if (!pid || !inspectorUrl) return;
  const inspector = await connectInspector(inspectorUrl, 'auth');
  try {
    // A 404: the isolate takes its lock (and runs the pending GC) and does nothing else.
    const wake = async () => (await fetch(`${url}/__growth-wake`)).arrayBuffer();
    const mix = heapMix(client, emails, connections);
    await mix(500); // every connection logged in, the routes warm
    const start = await inspector.heapAfterGc(wake);
    console.log(
      "\n4. The isolate's heap after GC over 10,000 requests (login 1 in 25, refresh and /me)\n",
    );
    console.log(
      '| requests | heap used MB | heap total MB | used vs start | CPU ms/req of the batch | failed |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|');
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
    console.log(`| 0 | ${mb(start.usedSize)} | ${mb(start.totalSize)} | 1.00x | - | - |`);
    let total = 0;
    for (let batch = 0; batch < 4; batch++) {
      let failed = 0;
      const cpu = await cpuPerRequest(pid, async () => {
        const done = await mix(2_500);
        failed = done.non2xx;
        return done;
      });
      total += 2_500;
      const heap = await inspector.heapAfterGc(wake);
      console.log(
        `| ${total} | ${mb(heap.usedSize)} | ${mb(heap.totalSize)} | ${ratio(heap.usedSize, start.usedSize)} | ${cpu.toFixed(2)} | ${failed} |`,
      );
    }
    console.log('\n(Workers allow an isolate 128 MB.)');
  } finally {
    inspector.close();
  }
}
