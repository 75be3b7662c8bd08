// The embedded Redis emulation (ioredis-mock 8.13.1), used when no redis-server is around.
//
// Corrected here (memory-commands.ts, memory-lua.ts), each checked by the conformance tests
// against both this and a real redis-server:
// - SET options matched case-sensitively (the client sends "nx", "ex", "keepTtl"), no KEEPTTL,
//   no expire-time validation; ZADD likewise, and no GT/LT, INCR answered with a count;
//   LINSERT/LMOVE keywords case-sensitive.
// - EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT ignored NX/XX/GT/LT.
// - INCR/INCRBY/DECR/DECRBY on a non-integer answered null (Redis: "ERR value is not an integer
//   or out of range"), and overflowed silently; INCRBYFLOAT/HINCRBY/HINCRBYFLOAT answered NaN/null.
// - Wrong-type access crashed inside the mock (TypeError) or silently succeeded: now WRONGTYPE.
// - SET ... EX over a key that had expired but was not yet cleaned up lost the new value (the
//   stale TTL deleted it): expired keys named in a command are purged before it runs.
// - No SCRIPT LOAD/EXISTS/FLUSH, and EVAL of "#!lua" scripts failed: scripts live in the
//   bridge's ScriptCache, run without the shebang line, known by the client's sha.
// - Lua: see memory-lua.ts (nil as false, one-based tables, integers, redis.pcall/error_reply/
//   status_reply/sha1hex, Lua-to-Redis reply conversion, the bridge's corrections inside scripts).
//
// Still different from Redis, because not worth emulating (the memory-only tests in
// test/node/upstash-bridge-*.test.ts assert the first and the last):
// - Scripts run on Lua 5.3 (fengari), not Redis's 5.1: integer division and `//` exist,
//   `math.pow`/`table.getn`/`loadstring` do not; no cjson, cmsgpack, bit or struct libraries;
//   globals are not write-protected. Each EVAL builds a fresh Lua VM: ~1.5-2 ms, not µs.
// - Replies come in the mock's orders (SMEMBERS, HGETALL), SCAN cursors are offsets, and a
//   multi-key command checks only its first key's type.
// - Commands the mock lacks answer "ERR unknown command ... (the embedded ioredis-mock does not
//   emulate it ...)": e.g. XGROUP, OBJECT FREQ, RedisJSON, SCAN ... TYPE.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import RedisMock from 'ioredis-mock';
import {
  type Command,
  type Outcome,
  type RedisBackend,
  type Reply,
  RedisError,
  failed,
  ok,
  refusal,
} from './backend.ts';
import { FIXES } from './memory-commands.ts';
import { type LuaVm, runLua } from './memory-lua.ts';
import { type MockStore, checkKeyType } from './memory-store.ts';
import { COMPILE_ERROR, type KnownScript, NOSCRIPT, ScriptCache } from './scripts.ts';

// ioredis-mock's typings describe an ioredis client; these are the internals the bridge uses.
interface MockInternals extends Omit<MockStore, 'raw'> {
  disconnect(): void;
}
interface MockPipeline {
  _addTransaction(run: (...args: unknown[]) => unknown, name: string, args: unknown[]): void;
  [command: string]: unknown;
}
type PipelineClass = new (mock: MockInternals) => MockPipeline;

const REDIS_COMMANDS = new Set<string>(
  (createRequire(import.meta.url)('ioredis-mock/data/command-list.json') as { list: string[] })
    .list,
);
const SCRIPTING = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'script']);
const FAILED_REPLY = /^(ERR|WRONGTYPE|NOSCRIPT|EXECABORT|BUSY|NOPERM|OOM|READONLY) /;

const unknownCommand = (command: Command) =>
  `ERR unknown command '${command[0]}' (the embedded ioredis-mock does not emulate it; run with a real redis-server)`;

/** The mock's replies as Redis sends them: HGETALL's object flattened, booleans as integers. */
function normalize(value: unknown): Reply {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || Buffer.isBuffer(value))
    return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object') return Object.entries(value).flat().map(normalize);
  return String(value);
}

export function openMemory(): RedisBackend {
  // Mocks with the same host:port share one keyspace process-wide: give this bridge its own.
  const mock = new RedisMock({
    host: `upstash-bridge-${randomUUID()}`,
  }) as unknown as MockInternals;
  // The mock's commands only return promises, which would make every script call and every
  // transaction step asynchronous (and interleavable). Its Pipeline class hands each queued
  // command's emulator to _addTransaction: capturing it there runs commands synchronously.
  const pipe = new (RedisMock as unknown as { Pipeline: PipelineClass }).Pipeline(mock);
  let queued: (() => unknown) | undefined;
  pipe._addTransaction = (emulator, _name, args) => (queued = () => emulator(...args));
  const known = (name: string) => REDIS_COMMANDS.has(name) && typeof pipe[name] === 'function';
  const store: MockStore = {
    data: mock.data,
    expires: mock.expires,
    raw(name, args) {
      (pipe[name] as (...args: unknown[]) => unknown)(...args);
      const emulate = queued!;
      queued = undefined;
      return emulate();
    },
  };
  const vm: LuaVm = (numberOfKeys, prelude) => {
    const make = store.raw('customCommand', [String(numberOfKeys), prelude]);
    return (...args) => (make as (...args: unknown[]) => unknown).apply(mock, args);
  };
  const scripts = new ScriptCache();

  const script = (name: string, args: string[]): Reply => {
    const [first = '', ...rest] = args;
    const lua = (known: KnownScript, compileOnly = false) => {
      try {
        const evalArgs = compileOnly ? ['0'] : rest;
        return runLua({ vm, source: known.runnable, args: evalArgs, call: inScript, compileOnly });
      } catch (error) {
        if (String(error).includes(COMPILE_ERROR)) scripts.forget(known.sha);
        throw error;
      }
    };
    if (name === 'eval' || name === 'eval_ro') return lua(scripts.remember(first));
    if (name === 'evalsha' || name === 'evalsha_ro') {
      const cached = scripts.get(first);
      if (!cached) throw new RedisError(NOSCRIPT);
      return lua(cached);
    }
    const sub = first.toUpperCase();
    if (sub === 'LOAD' && rest.length === 1) {
      const known = scripts.remember(rest[0]!);
      lua(known, true);
      return known.sha;
    }
    if (sub === 'EXISTS') return rest.map((sha) => (scripts.get(sha) ? 1 : 0));
    if (sub === 'FLUSH') return (scripts.clear(), 'OK');
    throw new RedisError(`ERR unknown subcommand or wrong number of arguments for 'script|${sub}'`);
  };

  function execute(command: Command, fromScript: boolean): Outcome {
    const name = (command[0] ?? '').toLowerCase();
    const args = command.slice(1);
    const reason = refusal(command);
    if (reason) return failed(reason);
    if (fromScript && SCRIPTING.has(name)) {
      return failed('ERR This Redis command is not allowed from script');
    }
    // has() deletes a key whose TTL has passed; a stale TTL would otherwise hit the new value.
    for (const arg of args) mock.data.has(arg);
    try {
      if (SCRIPTING.has(name)) return ok(script(name, args));
      checkKeyType(store, name, args);
      const fix = FIXES.get(name);
      if (fix) return ok(normalize(fix(store, name, args)));
      if (!known(name)) return failed(unknownCommand(command));
      return ok(normalize(store.raw(name, args)));
    } catch (error) {
      if (error instanceof RedisError) return failed(error.message);
      const message = error instanceof Error ? error.message : String(error);
      if (FAILED_REPLY.test(message)) return failed(message);
      return failed(`ERR ${message} (ioredis-mock; the real redis-server may answer differently)`);
    }
  }
  function inScript(command: Command): Outcome {
    return execute(command, true);
  }

  return {
    name: 'memory',
    // Everything below runs synchronously: nothing can interleave with a transaction.
    pipeline: async (commands) => commands.map((command) => execute(command, false)),
    async transaction(commands) {
      for (const command of commands) {
        const name = (command[0] ?? '').toLowerCase();
        const problem =
          refusal(command) ??
          (known(name) || SCRIPTING.has(name) ? undefined : unknownCommand(command));
        if (problem) return { aborted: `EXECABORT Transaction discarded because of: ${problem}` };
      }
      return commands.map((command) => execute(command, false));
    },
    async close() {
      store.raw('flushall', []);
      mock.disconnect();
    },
  };
}
