// The Better Auth peer (../shared/peers/better-auth, read its README): the shared folder is
// read-only, so it is copied to .data/peer/better-auth (git-ignored), set up once with its own
// setup.sh (PostgreSQL 15 and redis-server from Debian, its pinned npm deps, a throwaway cluster),
// then started and stopped with its own start.sh / stop.sh. Its PostgreSQL and redis-server also
// serve edge-auth in `npm run bench -- --peer`, so both sides run on the same backends.
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { cpuMs, MS_PER_TICK } from './cpu.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const source = process.env.PEER_SOURCE ?? resolve(root, '..', 'shared', 'peers', 'better-auth');
const dir = resolve(root, '.data', 'peer', 'better-auth');

export interface Peer {
  /** The server's origin; Better Auth answers under /api/auth. */
  url: string;
  /** The Node server: its /proc/<pid>/stat is the peer's CPU. */
  pid: number;
  pgPort: number;
  redisPort: number;
  /** Whether get-session also signs a JWT (the plugin's default, off here unless PEER_JWT_HEADER=1). */
  jwtHeader: boolean;
  /** A connection string for another database on the peer's PostgreSQL, created if missing. */
  database(name: string): Promise<string>;
  /** CPU ms so far of PostgreSQL (the postmaster, its live children and the reaped ones) and Redis. */
  backendCpuMs(): number;
}

/** The pid on a pid file's first line; 0 when there is none. */
const pidIn = (file: string) => {
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0]) || 0;
  } catch {
    return 0;
  }
};

/** utime, stime, cutime, cstime (ticks) and ppid of a process, as the peer's bench.mjs reads them. */
function stat(pid: number | string) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return {
      ppid: f[1] ?? 0,
      own: (f[11] ?? 0) + (f[12] ?? 0),
      reaped: (f[13] ?? 0) + (f[14] ?? 0),
    };
  } catch {
    return undefined;
  }
}

function backendCpuMs(): number {
  const postmaster = pidIn(resolve(dir, '.data/pg/postmaster.pid'));
  const redis = pidIn(resolve(dir, '.data/redis.pid'));
  const pg = stat(postmaster);
  let ticks = pg ? pg.own + pg.reaped : 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(entry);
    if (child && postmaster && child.ppid === postmaster) ticks += child.own;
  }
  return ticks * MS_PER_TICK + (redis ? cpuMs(redis) : 0);
}

// Not the README's defaults (3100, 55432, 56379): a peer someone runs by hand keeps its ports.
const ports = {
  server: Number(process.env.PEER_PORT ?? 3110),
  pg: Number(process.env.PEER_PGPORT ?? 55442),
  redis: Number(process.env.PEER_REDIS_PORT ?? 56389),
};

function scriptEnv(jwtHeader: boolean): NodeJS.ProcessEnv {
  // env.sh takes REDIS_URL from the environment: edge-auth's must not leak into the peer.
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
  return {
    ...env,
    PORT: String(ports.server),
    PGPORT: String(ports.pg),
    REDIS_PORT: String(ports.redis),
    ...(jwtHeader ? {} : { BA_NO_JWT_HEADER: '1' }),
  };
}

// In a session of their own: the server start.sh leaves running must not get the terminal's
// Ctrl-C, which the bench handles by stopping everything in order.
const script = (name: string, env: NodeJS.ProcessEnv) =>
  run('setsid', [`./${name}`], { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 });

/**
 * Copies, sets up (the first time), starts. `stop` is handed to `onStop` before anything
 * starts, so a failed setup or start still stops what it left running.
 */
export async function startPeer(onStop: (stop: () => Promise<void>) => void): Promise<Peer> {
  if (!existsSync(resolve(source, 'start.sh'))) throw new Error(`no peer harness at ${source}`);
  cpSync(source, dir, { recursive: true, force: true });
  chmodSync(dir, 0o755);
  const jwtHeader = process.env.PEER_JWT_HEADER === '1';
  const env = scriptEnv(jwtHeader);
  onStop(async () => {
    const { stdout } = await script('stop.sh', env);
    if (stdout.trim()) console.error(`peer: ${stdout.trim().split('\n').join('; ')}`);
  });
  const ready =
    existsSync(resolve(dir, 'node_modules')) && existsSync(resolve(dir, '.data/pg/PG_VERSION'));
  if (!ready) {
    console.error(
      'peer: first setup (apt-get postgresql-15 redis-server if missing, npm ci, initdb)',
    );
    await script('setup.sh', env);
  }
  // A server left by an interrupted run would be measured with the wrong settings: restart it.
  await script('stop.sh', env);
  await script('start.sh', env);
  const pid = Number(readFileSync(resolve(dir, '.data/server.pid'), 'utf8').trim());
  if (!pid) throw new Error('peer: no server pid');
  const psql = (sql: string) =>
    run('psql', ['-h', '127.0.0.1', '-p', String(ports.pg), '-U', 'postgres', '-tAc', sql]);
  return {
    url: `http://127.0.0.1:${ports.server}`,
    pid,
    pgPort: ports.pg,
    redisPort: ports.redis,
    jwtHeader,
    backendCpuMs,
    async database(name) {
      if (!/^\w+$/.test(name)) throw new Error(`bad database name ${name}`);
      const { stdout } = await psql(`SELECT 1 FROM pg_database WHERE datname = '${name}'`);
      if (stdout.trim() !== '1') await psql(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${ports.pg}/${name}`;
    },
  };
}
