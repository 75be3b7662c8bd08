// What the emulation's corrections (memory-commands.ts) stand on: the mock's keyspace, and
// Redis's own argument parsing and type rules, which the mock mostly skips.
import { RedisError } from './backend.ts';

export interface MockStore {
  data: {
    has(key: string): boolean;
    get(key: string): unknown;
    set(key: string, v: unknown): void;
  };
  expires: {
    has(key: string): boolean;
    get(key: string): number;
    set(key: string, at: number): void;
  };
  /** The mock's emulator for `name` (lower case), run now; throws what it throws. */
  raw(name: string, args: readonly string[]): unknown;
}

const notInteger = () => new RedisError('ERR value is not an integer or out of range');
export const wrongType = () =>
  new RedisError('WRONGTYPE Operation against a key holding the wrong kind of value');
export const arity = (name: string) =>
  new RedisError(`ERR wrong number of arguments for '${name}' command`);

/** An expiry as an absolute time in ms, from an EX/PX/EXAT/PXAT-style amount. */
export function absolute(unit: string, n: number): number {
  const now = Date.now();
  if (unit === 'EX' || unit === 'EXPIRE') return now + n * 1000;
  if (unit === 'PX' || unit === 'PEXPIRE') return now + n;
  return unit === 'EXAT' || unit === 'EXPIREAT' ? n * 1000 : n;
}

export const MAX = 2n ** 63n - 1n;
export const MIN = -(2n ** 63n);

/** Redis's strict int64 parsing: no sign on zero, no leading zeros, no spaces. */
export function int64(text: string): bigint {
  if (!/^(0|-?[1-9]\d*)$/.test(text)) throw notInteger();
  const value = BigInt(text);
  if (value > MAX || value < MIN) throw notInteger();
  return value;
}

/** A float as Redis parses one (inf included); the mock takes NaN for a score or an amount. */
export function float(text: string | undefined): number {
  if (text === undefined || !/^([-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?|[-+]?inf)$/i.test(text)) {
    throw new RedisError('ERR value is not a valid float');
  }
  return /inf/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
}

/** The arguments of a command taking exactly `count` of them. */
export function exactly(count: number, name: string, args: readonly string[]): string[] {
  if (args.length !== count) throw arity(name);
  return [...args];
}

/** Which type a command's first key must hold (Redis says WRONGTYPE; the mock crashes or lies). */
const KEY_TYPE = new Map<string, string>();
const typed: Record<string, string> = {
  string:
    'get getdel getex getset getrange setrange append strlen incr incrby decr decrby incrbyfloat',
  hash: 'hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals',
  set: 'sadd scard sismember smembers smismember spop srandmember srem sscan sinter sunion sdiff smove',
  zset: 'zadd zcard zcount zincrby zlexcount zmscore zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore',
  list: 'lindex linsert llen lpop lpos lpush lpushx lrange lrem lset ltrim rpop rpush rpushx lmove rpoplpush',
};
for (const [type, names] of Object.entries(typed)) {
  for (const name of names.split(' ')) KEY_TYPE.set(name, type);
}

export function checkKeyType(store: MockStore, name: string, args: readonly string[]): void {
  const want = KEY_TYPE.get(name);
  const key = args[0];
  if (!want || key === undefined) return;
  const type = store.raw('type', [key]);
  if (type !== 'none' && type !== want) throw wrongType();
}
