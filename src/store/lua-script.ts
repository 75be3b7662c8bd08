// Running the Lua scripts: EVALSHA first, EVAL on NOSCRIPT (so a warm Redis costs one round
// trip), optionally in one pipeline with plain reads that must travel with the script (the
// key-set version, src/auth/keys: another hash slot, so a script could not read it
// cluster-safely). Each script's SHA-1 is computed once per isolate, not per request.
import { StoreUnavailableError } from '../shared/errors.ts';
import type { Redis } from './index.ts';

export interface LuaScript {
  readonly source: string;
  sha(): Promise<string>;
}

export function luaScript(source: string): LuaScript {
  let sha: Promise<string> | undefined;
  return {
    source,
    sha: () =>
      (sha ??= crypto.subtle
        .digest('SHA-1', new TextEncoder().encode(source))
        .then((d) =>
          Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join(''),
        )),
  };
}

export type ScriptRedis = Pick<Redis, 'pipeline' | 'evalsha' | 'eval'>;
export type CommandRedis = Pick<Redis, 'evalsha' | 'eval'>;

/**
 * Runs `script` as one command, its SHA already known: EVALSHA is issued synchronously, so a
 * tick batch (src/store/tick-batch.ts) sends it with the commands of the same tick (the login
 * guard's limiters); EVAL once per cold Redis.
 */
export function evalScript<T>(
  redis: CommandRedis,
  script: LuaScript,
  sha: string,
  keys: string[],
  args: string[],
): Promise<T> {
  return (redis.evalsha(sha, keys, args) as Promise<T>).catch((error: unknown) => {
    if (!String(error).includes('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys, args) as Promise<T>;
  });
}

const failed = (error: string) => new StoreUnavailableError('redis', new Error(error));

/**
 * Runs `script` with `keys` and `args`, and GETs `reads` in the same request. Returns the
 * script's reply followed by the values read. Without reads it is one plain command: the
 * client's pipeline machinery costs more CPU than the command it would carry.
 */
export async function runScript<T>(
  redis: ScriptRedis,
  script: LuaScript,
  keys: string[],
  args: string[],
  reads: string[] = [],
): Promise<[T, ...(string | null)[]]> {
  if (reads.length === 0)
    return [await evalScript<T>(redis, script, await script.sha(), keys, args)];
  const attempt = async (first: 'evalsha' | 'eval') => {
    let pipeline = redis.pipeline();
    pipeline =
      first === 'evalsha'
        ? pipeline.evalsha(await script.sha(), keys, args)
        : pipeline.eval(script.source, keys, args);
    for (const key of reads) pipeline = pipeline.get(key);
    return pipeline.exec({ keepErrors: true }) as Promise<{ result: unknown; error?: string }[]>;
  };
  let replies = await attempt('evalsha');
  if (replies[0]?.error?.toLowerCase().includes('noscript')) replies = await attempt('eval');
  const problem = replies.find((r) => r.error !== undefined);
  if (problem?.error !== undefined) throw failed(problem.error);
  const [main, ...rest] = replies;
  return [main?.result as T, ...rest.map((r) => (r.result === null ? null : String(r.result)))];
}
