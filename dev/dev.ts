// `npm run dev`: the local stack plus `wrangler dev` pointed at it. No cloud account, no Docker.
// Ctrl-C stops both (wrangler's child ignores SIGTERM, so its whole process group is killed).
//
// - Where it runs (ports, issuer, stack URL and token, pid) goes to .data/dev-server.json
//   (dev/dev-record.ts), removed on exit, so `npm run seed`, `keys`, `user` and `client` find it.
// - Every Worker variable set in the shell reaches the Worker (dev/worker-vars.ts), e.g.
//   `ACCESS_TOKEN_TTL=5m npm run dev`; .dev.vars is the other way (wrangler reads it).
// - Postgres (PGlite) keeps its data in .data/pglite, Redis in .data/redis;
//   `npm run dev -- --reset` deletes both first.
// - A port already in use is one line naming it and the variable that moves it.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { devDataDir } from './data-dir.ts';
import { parseArgs } from 'node:util';
import { removeDevRecord, writeDevRecord } from './dev-record.ts';
import { devSecrets } from './dev-secrets.ts';
import { DEFAULT_STACK_PORT, DEFAULT_WORKER_PORT } from './local-target.ts';
import { firstTakenPort, portFrom, type WantedPort } from './ports.ts';
import { stackOptionsFromEnv, startStack } from './stack.ts';
import { killGroup, wranglerDevArgs, wranglerEnv } from './wrangler-dev.ts';
import { workerVarsFor, workerVarsFromShell } from './worker-vars.ts';

const root = resolve(import.meta.dirname, '..');
const dataDir = join(devDataDir(), 'pglite');
const redisDataDir = join(devDataDir(), 'redis');

/** One line on stderr and exit 1: what a newcomer needs, no stack trace. */
function fail(message: string): never {
  console.error(`npm run dev: ${message}`);
  process.exit(1);
}

let reset = false;
try {
  reset =
    parseArgs({ args: process.argv.slice(2), options: { reset: { type: 'boolean' } } }).values
      .reset === true;
} catch (error) {
  fail(`${(error as Error).message} (the one option is --reset: start with empty databases)`);
}

let port: number;
let stackPort: number;
let inspectorPort: number | undefined;
try {
  port = portFrom(process.env, 'PORT', DEFAULT_WORKER_PORT);
  stackPort = portFrom(process.env, 'STACK_PORT', DEFAULT_STACK_PORT);
  // Unset, wrangler takes 9229 or, if that is taken, another free port by itself.
  inspectorPort = process.env.INSPECTOR_PORT
    ? portFrom(process.env, 'INSPECTOR_PORT', 9229)
    : undefined;
} catch (error) {
  fail((error as Error).message);
}

const wanted: WantedPort[] = [
  { port, what: 'the worker', variable: 'PORT' },
  { port: stackPort, what: 'the local stack', variable: 'STACK_PORT' },
  ...(inspectorPort === undefined
    ? []
    : [{ port: inspectorPort, what: 'the worker inspector', variable: 'INSPECTOR_PORT' }]),
];
const distinct = new Set(wanted.map((w) => w.port));
if (distinct.size < wanted.length) {
  fail(`PORT, STACK_PORT and INSPECTOR_PORT must differ (${wanted.map((w) => w.port).join(', ')})`);
}
const taken = await firstTakenPort(wanted);
if (taken) fail(taken);

if (reset) {
  // The local databases only: the dev KEK (.data/dev-secrets.json) stays, a real DATABASE_URL
  // or REDIS_URL is never touched.
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(redisDataDir, { recursive: true, force: true });
  console.log('[dev] --reset: deleted .data/pglite and .data/redis');
}
mkdirSync(dataDir, { recursive: true });

let stackOptions;
try {
  stackOptions = stackOptionsFromEnv();
} catch (error) {
  fail((error as Error).message);
}
let stack: Awaited<ReturnType<typeof startStack>>;
try {
  stack = await startStack({
    ...stackOptions,
    port: stackPort,
    dataDir,
    redisDataDir,
    log: (m) => console.log(`[stack] ${m}`),
  });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  // Taken between the check and the listen.
  if (code === 'EADDRINUSE')
    fail(`port ${stackPort} (the local stack) is already in use: move it with STACK_PORT`);
  fail(`the local stack did not start: ${error instanceof Error ? error.message : String(error)}`);
}

const shell = workerVarsFromShell(process.env);
const issuer = shell.ISSUER ?? `http://localhost:${port}`;
const vars = { ...workerVarsFor(stack, issuer, devSecrets()), ...shell, ISSUER: issuer };
const fromShell = Object.keys(shell).filter((name) => name !== 'ISSUER');

const args = wranglerDevArgs(port, vars);
if (inspectorPort !== undefined) args.push('--inspector-port', String(inspectorPort));
const wrangler = spawn('npx', args, {
  cwd: root,
  stdio: 'inherit',
  detached: true, // own process group, so wrangler and workerd stop together
  env: wranglerEnv(),
});

const workerUrl = `http://localhost:${port}`;
writeDevRecord({
  pid: process.pid,
  worker: { port, url: workerUrl, issuer, inspectorPort: inspectorPort ?? null },
  stack: { port: stack.port, url: stack.url, token: stack.token },
  startedAt: new Date().toISOString(),
});

console.log(
  [
    '',
    `  edge-auth   ${workerUrl}   (issuer ${issuer}; health: /health, API docs: /docs)`,
    `  local stack ${stack.url}   (db: ${stack.backends.db}, redis: ${stack.backends.redis})`,
    `  dev mailbox ${stack.url}/mailbox   (mail the Worker sends)`,
    `  back-channel logout receiver ${stack.url}/backchannel/<name>   (list: /backchannel/messages, stack token)`,
    ...(fromShell.length > 0 ? [`  from the shell: ${fromShell.join(', ')}`] : []),
    '  data: .data/pglite, .data/redis (npm run dev -- --reset starts clean)',
    '  where this runs: .data/dev-server.json (npm run seed, keys, user, client read it)',
    '  Ctrl-C stops both.',
    '',
  ].join('\n'),
);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    removeDevRecord();
    killGroup(wrangler);
    await stack.close();
  }
  process.exit(code);
}

// However this process ends (a crash included), the record must not outlive it; a SIGKILL
// leaves it behind, and its dead pid marks it stale (dev/dev-record.ts).
process.on('exit', () => removeDevRecord());
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGHUP', () => void stop(0));
wrangler.on('exit', (code) => void stop(code ?? 1));
