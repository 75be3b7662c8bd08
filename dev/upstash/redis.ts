// A real Redis behind the Upstash bridge: the server at REDIS_URL, or the throwaway redis-server
// the bridge spawned. Commands go through ioredis unchanged except for Lua scripts (scripts.ts).
import { createRequire } from 'node:module';
import {
  type Command,
  type Outcome,
  type RedisBackend,
  type Reply,
  failed,
  ok,
  refusal,
} from './backend.ts';
import { COMPILE_ERROR, type KnownScript, ScriptCache } from './scripts.ts';

// Through require, not import: when vitest's workers pool has Node ESM loader hooks registered,
// `import 'ioredis'` evaluates its CommonJS entry a second time over the shared Redis class and
// throws "Cannot redefine property: default"; require always finds the one cached module.
const { Redis, ReplyError } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');

const isReplyError = (error: unknown): error is Error =>
  error instanceof (ReplyError as typeof Error);

/** How one command is sent, and how its reply or error is taken back to the client's view. */
interface Translated {
  name: string;
  args: string[];
  reply?: (reply: Reply) => Reply;
  error?: (message: string) => string;
}

function translate(command: Command, scripts: ScriptCache): Translated {
  // Upper case: ioredis transforms some replies by lower-case command name (HGETALL into an
  // object); Upstash answers with what Redis sent.
  const name = (command[0] ?? '').toUpperCase();
  const args = command.slice(1);
  const [first, ...rest] = args;
  if (first === undefined) return { name, args };

  const runScript = (verb: 'EVAL' | 'EVAL_RO', known: KnownScript) => ({
    // EVAL rather than EVALSHA: the server may have lost its script cache (SCRIPT FLUSH from
    // elsewhere, a restart), and EVAL caches it again under runnableSha anyway.
    name: verb,
    args: [known.runnable, ...rest],
    error: (message: string) => {
      if (message.includes(COMPILE_ERROR)) scripts.forget(known.sha);
      return message.replaceAll(known.runnableSha, known.sha);
    },
  });

  if (name === 'EVAL' || name === 'EVAL_RO') return runScript(name, scripts.remember(first));
  if (name === 'EVALSHA' || name === 'EVALSHA_RO') {
    const known = scripts.get(first);
    // Unknown here: the server decides (NOSCRIPT, or a script another client loaded).
    return known ? runScript(name === 'EVALSHA' ? 'EVAL' : 'EVAL_RO', known) : { name, args };
  }
  if (name === 'SCRIPT') {
    const sub = first.toUpperCase();
    if (sub === 'LOAD' && rest[0] !== undefined && rest.length === 1) {
      const known = scripts.remember(rest[0]);
      const forget = (message: string) => (scripts.forget(known.sha), message);
      return { name, args: [first, known.runnable], reply: () => known.sha, error: forget };
    }
    if (sub === 'EXISTS') {
      const answer = (reply: Reply) =>
        Array.isArray(reply)
          ? reply.map((found, i) => (scripts.get(rest[i] ?? '') ? 1 : found))
          : reply;
      return { name, args, reply: answer };
    }
    if (sub === 'FLUSH') scripts.clear();
  }
  return { name, args };
}

export interface RedisConnection {
  name: 'redis-server' | 'redis';
  /** redis:// URL, or a port on 127.0.0.1. */
  target: string | number;
  /** Runs after the connection is closed (stops a spawned server). */
  onClose?: () => Promise<void>;
}

export async function openRedis(opts: RedisConnection): Promise<RedisBackend> {
  const options = {
    lazyConnect: true,
    // Fail fast while disconnected: the Worker must see Redis being down, not hang.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: 'edge-auth-upstash-bridge',
  };
  const client =
    typeof opts.target === 'number'
      ? new Redis(opts.target, '127.0.0.1', options)
      : new Redis(opts.target, options);
  // Reconnection errors surface on the commands that fail; unhandled they would crash the stack.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const where = typeof opts.target === 'number' ? `127.0.0.1:${opts.target}` : 'REDIS_URL';
    throw new Error(`upstash bridge: cannot connect to Redis at ${where}: ${String(error)}`);
  }
  const scripts = new ScriptCache();

  const settle = (t: Translated, error: unknown, reply: unknown): Outcome => {
    if (error) {
      // Not a Redis error reply: the connection is gone, and that is the whole request's fault.
      if (!isReplyError(error)) throw error;
      return failed(t.error ? t.error(error.message) : error.message);
    }
    return ok(t.reply ? t.reply(reply as Reply) : (reply as Reply));
  };

  const batch = async (commands: Command[], multi: boolean) => {
    const translated = commands.map((command) => translate(command, scripts));
    const chain = multi ? client.multi() : client.pipeline();
    for (const t of translated) chain.callBuffer(t.name, ...t.args);
    const replies = (await chain.exec()) ?? [];
    return translated.map((t, i) => settle(t, replies[i]?.[0], replies[i]?.[1]));
  };

  return {
    name: opts.name,
    async pipeline(commands) {
      const refused = commands.map(refusal);
      const allowed = commands.filter((_, i) => refused[i] === undefined);
      const outcomes = allowed.length ? await batch(allowed, false) : [];
      return refused.map((reason) => (reason === undefined ? outcomes.shift()! : failed(reason)));
    },
    async transaction(commands) {
      const reason = commands.map(refusal).find((r) => r !== undefined);
      if (reason) return { aborted: `EXECABORT Transaction discarded because of: ${reason}` };
      try {
        return await batch(commands, true);
      } catch (error) {
        if (!isReplyError(error)) throw error;
        // EXECABORT: Redis refused to queue a command; say which, as the message alone does not.
        const causes = (error as { previousErrors?: Error[] }).previousErrors ?? [];
        const detail = causes.map((cause) => cause.message.trim()).join('; ');
        return { aborted: detail ? `${error.message} ${detail}` : error.message };
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
      await opts.onClose?.();
    },
  };
}
