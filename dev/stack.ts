// The local stack: one Node process serving, on loopback, Neon's HTTP SQL protocol (/sql),
// Upstash's REST protocol (/, /pipeline, /multi-exec), Turnstile's siteverify and the
// round-trip counters (/__stats); also the dev mailbox (/mailbox, dev/mailbox.ts) for the
// Worker's mail, a back-channel logout receiver (/backchannel, dev/backchannel.ts) for its
// logout tokens, and failing store endpoints for the tests (/__fault, dev/faults.ts).
// `npm run dev` and the test suite's globalSetup both start it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBackchannelReceiver } from './backchannel.ts';
import { type BridgeRequest, type BridgeResponse, json } from './bridge.ts';
import { fault } from './faults.ts';
import { createMailbox } from './mailbox.ts';
import { createNeonBridge } from './neon/index.ts';
import { SITEVERIFY_PATH, siteverify } from './turnstile.ts';
import { RoundTripStats } from './stats.ts';
import { createUpstashBridge } from './upstash/index.ts';

export interface StackOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** A real Postgres; otherwise embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data folder; in memory when absent. */
  dataDir?: string | undefined;
  /** A real Redis; otherwise a throwaway redis-server or the embedded emulation. */
  redisUrl?: string | undefined;
  redisMode?: 'auto' | 'memory' | 'server';
  /** Where the throwaway redis-server or the emulation keeps its data; nothing kept when absent. */
  redisDataDir?: string | undefined;
  /** Bearer token the Upstash bridge requires. */
  token?: string;
  log?: (msg: string) => void;
}

export interface Stack {
  url: string;
  port: number;
  token: string;
  backends: { db: string; redis: string };
  stats: RoundTripStats;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: BridgeResponse): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
  const token = options.token ?? 'local-upstash-token';
  const stats = new RoundTripStats();
  const [neon, upstash] = await Promise.all([
    createNeonBridge({
      databaseUrl: options.databaseUrl,
      dataDir: options.dataDir,
      record: stats.record,
      log,
    }),
    createUpstashBridge({
      redisUrl: options.redisUrl,
      token,
      mode: options.redisMode ?? 'auto',
      dataDir: options.redisDataDir,
      record: stats.record,
      log,
    }),
  ]);
  const mailbox = createMailbox({ token });
  const backchannel = createBackchannelReceiver({ token });

  const route = async (req: BridgeRequest, query: URLSearchParams): Promise<BridgeResponse> => {
    if (req.path === '/sql') return neon.handle(req);
    const failed = fault(req, query);
    if (failed) return failed;
    const mail = mailbox.handle(req, query);
    if (mail) return mail;
    const logout = backchannel.handle(req, query);
    if (logout) return logout;
    if (req.path === '/__stats' && req.method === 'GET') {
      const id = query.get('request_id');
      return json(200, id ? { request_id: id, ...stats.forRequest(id) } : { total: stats.total() });
    }
    if (req.path === SITEVERIFY_PATH) return siteverify(req);
    if (req.path === '/__health' && req.method === 'GET') {
      return json(200, { ok: true, backends: { db: neon.backend, redis: upstash.backend } });
    }
    return upstash.handle(req);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    readBody(req)
      .then((body) => {
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        return route(
          {
            method: req.method ?? 'GET',
            path: url.pathname,
            headers,
            body,
            requestId: headers['x-request-id'],
          },
          url.searchParams,
        );
      })
      .then((reply) => send(res, reply))
      .catch((error: unknown) => {
        log(`stack: ${req.method} ${url.pathname} failed: ${String(error)}`);
        if (!res.headersSent) send(res, json(500, { error: 'local stack error' }));
        else res.destroy();
      });
  });
  // Keep-alive sockets from workerd must not hold close() open forever.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  log(`stack: listening on ${url} (db: ${neon.backend}, redis: ${upstash.backend})`);

  return {
    url,
    port,
    token,
    backends: { db: neon.backend, redis: upstash.backend },
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([neon.close(), upstash.close()]);
    },
  };
}

/** Stack options from the environment: DATABASE_URL, REDIS_URL, LOCAL_REDIS. */
export function stackOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StackOptions {
  const mode = env.LOCAL_REDIS;
  if (mode !== undefined && mode !== 'auto' && mode !== 'memory' && mode !== 'server') {
    throw new Error(`LOCAL_REDIS must be auto, memory or server, got "${mode}"`);
  }
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisMode: mode ?? 'auto',
  };
}
