// The local stand-in for Upstash's REST API: the Worker's unchanged @upstash/redis (and
// @upstash/ratelimit) post here and get Upstash's answers, from a real Redis at REDIS_URL, a
// throwaway redis-server when one is installed, or the embedded emulation otherwise.
import type { BridgeRequest, BridgeResponse, RecordRoundTrip } from '../bridge.ts';
import { json } from '../bridge.ts';
import type { RedisBackend } from './backend.ts';
import { join } from 'node:path';
import { openMemory } from './memory.ts';
import { loadSnapshot, saveSnapshot } from './memory-snapshot.ts';
import { encodeOutcome, parseRequest } from './protocol.ts';
import { openRedis } from './redis.ts';
import { findOnPath, startRedisServer } from './redis-server.ts';

export interface UpstashBridge {
  backend: 'memory' | 'redis-server' | 'redis';
  handle(req: BridgeRequest): Promise<BridgeResponse>;
  close(): Promise<void>;
}

export interface UpstashBridgeOptions {
  /** A real Redis (redis:// or rediss:// URL); wins over `mode`. */
  redisUrl?: string | undefined;
  /** The bearer token clients must send. */
  token: string;
  /**
   * auto (default): a throwaway redis-server if one is on PATH, else the emulation.
   * memory: always the emulation. server: a throwaway redis-server, or fail.
   */
  mode?: 'auto' | 'memory' | 'server';
  /**
   * Where the throwaway redis-server keeps its append-only file, or the emulation its
   * snapshot, across restarts (`npm run dev`: .data/redis); nothing is kept when absent.
   * A real Redis (redisUrl) keeps its own data.
   */
  dataDir?: string | undefined;
  record: RecordRoundTrip;
  log?: (msg: string) => void;
}

const SNAPSHOT_FILE = 'memory-snapshot.json';
const SNAPSHOT_EVERY_MS = 30_000;

/** The emulation, loaded from its snapshot, saving it every 30 s and when closed. */
async function persistentMemory(file: string, log?: (msg: string) => void): Promise<RedisBackend> {
  const memory = openMemory();
  const loaded = await loadSnapshot(memory, file);
  log?.(`upstash: ${loaded} key(s) loaded from ${file}`);
  const save = () =>
    saveSnapshot(memory, file).catch((error: unknown) =>
      log?.(`upstash: snapshot to ${file} failed: ${String(error)}`),
    );
  const timer = setInterval(() => void save(), SNAPSHOT_EVERY_MS);
  timer.unref();
  return {
    ...memory,
    name: memory.name,
    async close() {
      clearInterval(timer);
      await save();
      await memory.close();
    },
  };
}

async function openBackend(opts: UpstashBridgeOptions): Promise<RedisBackend> {
  if (opts.redisUrl) return openRedis({ name: 'redis', target: opts.redisUrl });
  const mode = opts.mode ?? 'auto';
  const binary = mode === 'memory' ? undefined : findOnPath('redis-server');
  if (!binary) {
    if (mode === 'server') {
      throw new Error(
        'upstash bridge: redis-server mode needs redis-server on PATH ' +
          '(e.g. apt-get install redis-server), or use the embedded emulation (memory mode)',
      );
    }
    return opts.dataDir
      ? persistentMemory(join(opts.dataDir, SNAPSHOT_FILE), opts.log)
      : openMemory();
  }
  const server = await startRedisServer(binary, opts.dataDir);
  try {
    return await openRedis({ name: 'redis-server', target: server.port, onClose: server.stop });
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export async function createUpstashBridge(opts: UpstashBridgeOptions): Promise<UpstashBridge> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const backend = await openBackend(opts);
  log(`upstash: ${backend.name} ready in ${Math.round(performance.now() - started)} ms`);

  async function handle(req: BridgeRequest): Promise<BridgeResponse> {
    const parsed = parseRequest(req, opts.token);
    if (!parsed.ok) {
      opts.record({ store: 'redis', requestId: req.requestId, units: 0 });
      return parsed.response;
    }
    const { kind, commands, base64 } = parsed;
    opts.record({ store: 'redis', requestId: req.requestId, units: commands.length });
    try {
      if (kind === 'multi') {
        const outcomes = await backend.transaction(commands);
        if ('aborted' in outcomes) return json(400, { error: outcomes.aborted });
        return json(
          200,
          outcomes.map((outcome) => encodeOutcome(outcome, base64)),
        );
      }
      const outcomes = await backend.pipeline(commands);
      if (kind === 'pipeline') {
        return json(
          200,
          outcomes.map((outcome) => encodeOutcome(outcome, base64)),
        );
      }
      const [outcome] = outcomes;
      if (!outcome) throw new Error('no reply for the command');
      return json(outcome.ok ? 200 : 400, encodeOutcome(outcome, base64));
    } catch (error) {
      // Not a Redis error reply: Redis is unreachable. The Worker must see a failure (and fail
      // closed), never a made-up answer. The message deliberately carries no Redis error code
      // ("ERR ...") so the client cannot mistake it for a command's error reply.
      log(`upstash: ${req.path} failed: ${String(error)}`);
      return json(503, { error: `local Upstash bridge cannot reach Redis: ${String(error)}` });
    }
  }

  return { backend: backend.name, handle, close: () => backend.close() };
}
