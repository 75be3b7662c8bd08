// `npm run stack`: the local stack alone (for running the worker or tools against it).
import { join } from 'node:path';
import { devDataDir } from './data-dir.ts';
import { stackOptionsFromEnv, startStack } from './stack.ts';

const stack = await startStack({
  ...stackOptionsFromEnv(),
  port: Number(process.env.STACK_PORT ?? 8799),
  dataDir: process.env.STACK_MEMORY ? undefined : join(devDataDir(), 'pglite'),
  redisDataDir: process.env.STACK_MEMORY ? undefined : join(devDataDir(), 'redis'),
  log: console.log,
});
console.log(`local stack on ${stack.url}; Ctrl-C stops it`);
const stop = () => void stack.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
