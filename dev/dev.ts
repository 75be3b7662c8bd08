// `npm run dev`: the local stack plus `wrangler dev` pointed at it. No cloud account, no Docker.
// Ctrl-C stops both (wrangler's child ignores SIGTERM, so its whole process group is killed).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { devSecrets } from './dev-secrets.ts';
import { stackOptionsFromEnv, startStack } from './stack.ts';
import { killGroup, wranglerDevArgs, wranglerEnv } from './wrangler-dev.ts';
import { workerVarsFor } from './worker-vars.ts';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 8787);
const stackPort = Number(process.env.STACK_PORT ?? 8799);
const dataDir = resolve(root, '.data', 'pglite');
mkdirSync(dataDir, { recursive: true });

const stack = await startStack({
  ...stackOptionsFromEnv(),
  port: stackPort,
  dataDir,
  log: (m) => console.log(`[stack] ${m}`),
});

const issuer = process.env.ISSUER ?? `http://localhost:${port}`;
const vars = workerVarsFor(stack, issuer, devSecrets());
// Settings a developer may export before `npm run dev`: the Turnstile testing secret
// 1x0000000000000000000000000000000AA, or REQUIRE_EMAIL_VERIFICATION=true (off by default here).
for (const name of ['TURNSTILE_SECRET', 'REQUIRE_EMAIL_VERIFICATION'] as const) {
  const value = process.env[name];
  if (value) vars[name] = value;
}
const wrangler = spawn('npx', wranglerDevArgs(port, vars), {
  cwd: root,
  stdio: 'inherit',
  detached: true, // own process group, so wrangler and workerd stop together
  env: wranglerEnv(),
});

console.log(
  [
    '',
    `  edge-auth   http://localhost:${port}   (health: /health, API docs: /docs)`,
    `  local stack ${stack.url}   (db: ${stack.backends.db}, redis: ${stack.backends.redis})`,
    `  dev mailbox ${stack.url}/mailbox   (mail the Worker sends)`,
    `  back-channel logout receiver ${stack.url}/backchannel/<name>   (list: /backchannel/messages, stack token)`,
    '  Ctrl-C stops both.',
    '',
  ].join('\n'),
);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    killGroup(wrangler);
    await stack.close();
  }
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
wrangler.on('exit', (code) => void stop(code ?? 1));
