// The seam between Upstash's REST protocol and whatever runs the Redis commands: the embedded
// emulation (memory.ts) or a real Redis over ioredis (redis.ts).

/** One Redis command as the client sent it, name first (any case), arguments as strings. */
export type Command = string[];

/** A Redis reply. Servers answer bulk strings as Buffers (binary-safe for base64 encoding). */
export type Reply = string | Buffer | number | null | Reply[];

/** What one command produced: a reply, or a Redis error reply such as "ERR syntax error". */
export type Outcome = { ok: true; value: Reply } | { ok: false; error: string };

export const ok = (value: Reply): Outcome => ({ ok: true, value });
export const failed = (error: string): Outcome => ({ ok: false, error });

export interface RedisBackend {
  readonly name: 'memory' | 'redis-server' | 'redis';
  /** Each command on its own, in order; one failing does not stop the others. */
  pipeline(commands: Command[]): Promise<Outcome[]>;
  /**
   * All commands in one MULTI/EXEC. `aborted` (EXECABORT) when a command could not even be
   * queued, in which case none ran, as in Redis.
   */
  transaction(commands: Command[]): Promise<Outcome[] | { aborted: string }>;
  close(): Promise<void>;
}

/** A Redis error reply raised while emulating a command; anything else thrown is a bug. */
export class RedisError extends Error {}

// Each REST request stands alone, but the bridge shares one connection between all of them:
// commands that change connection state or block it would leak into, or stall, other requests.
const REFUSED = new Set([
  'multi', 'exec', 'discard', 'watch', 'unwatch', 'select', 'swapdb', 'auth', 'hello', 'reset',
  'quit', 'client', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe',
  'sunsubscribe', 'monitor', 'sync', 'psync', 'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop',
  'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof', 'shutdown', 'debug', 'failover',
  'replicaof', 'slaveof',
]); // prettier-ignore

/** Why the bridge will not run `command`, if it will not. */
export function refusal(command: Command): string | undefined {
  const name = (command[0] ?? '').toLowerCase();
  const blocking =
    (name === 'xread' || name === 'xreadgroup') &&
    command.some((arg) => arg.toLowerCase() === 'block');
  if (REFUSED.has(name) || blocking) {
    return `ERR '${command[0]}' is not supported by the local Upstash bridge (each REST request is stateless and must not block)`;
  }
  return undefined;
}
