// Corrections to ioredis-mock 8.13.1's commands, each for a difference from Redis 7 that the
// conformance tests (test/node/upstash-bridge-*.test.ts) found. They work on the mock's own keyspace
// (data + expires) and its raw command emulators, synchronously, so scripts and transactions
// that use them stay atomic.
import type { Reply } from './backend.ts';
import { RedisError } from './backend.ts';
import {
  MAX,
  MIN,
  type MockStore,
  absolute,
  arity,
  exactly,
  float,
  int64,
  wrongType,
} from './memory-store.ts';

function incrBy(store: MockStore, key: string, by: bigint): number {
  const current = store.data.has(key) ? store.data.get(key) : '0';
  if (typeof current !== 'string') throw wrongType();
  const next = int64(current) + by;
  if (next > MAX || next < MIN) throw new RedisError('ERR increment or decrement would overflow');
  // data.set leaves the key's TTL alone, as INCR does.
  store.data.set(key, next.toString());
  return Number(next);
}

/** SET: the mock matches options case-sensitively (the client sends "nx", "ex"), has no KEEPTTL
 * and never validates expire times. */
function set(store: MockStore, args: readonly string[]): Reply {
  const [key, value, ...options] = args;
  if (key === undefined || value === undefined) throw arity('set');
  const flags = new Set<string>();
  let expireAt: number | undefined;
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!.toUpperCase();
    if (['NX', 'XX', 'GET', 'KEEPTTL'].includes(option) && !flags.has(option)) {
      flags.add(option);
      continue;
    }
    const amount = options[i + 1];
    if (
      !['EX', 'PX', 'EXAT', 'PXAT'].includes(option) ||
      amount === undefined ||
      expireAt !== undefined
    ) {
      throw new RedisError('ERR syntax error');
    }
    const n = Number(int64(amount));
    if (n <= 0) throw new RedisError("ERR invalid expire time in 'set' command");
    expireAt = absolute(option, n);
    i++;
  }
  if ((flags.has('NX') && flags.has('XX')) || (flags.has('KEEPTTL') && expireAt !== undefined)) {
    throw new RedisError('ERR syntax error');
  }
  const exists = store.data.has(key);
  const old = exists ? store.data.get(key) : null;
  if (flags.has('GET') && old !== null && typeof old !== 'string') throw wrongType();
  const answer = flags.has('GET') ? (old as string | null) : 'OK';
  if ((flags.has('NX') && exists) || (flags.has('XX') && !exists)) {
    return flags.has('GET') ? answer : null;
  }
  const keptTtl =
    flags.has('KEEPTTL') && store.expires.has(key) ? store.expires.get(key) : undefined;
  store.raw('set', [key, value]); // a plain SET also clears any TTL
  const at = expireAt ?? keptTtl;
  if (at !== undefined) store.expires.set(key, at);
  return answer;
}

/** EXPIRE and friends: the mock ignores NX/XX/GT/LT and validates nothing. */
function expire(store: MockStore, name: string, args: readonly string[]): Reply {
  const [key, amount, ...options] = args;
  if (key === undefined || amount === undefined) throw arity(name);
  const n = Number(int64(amount));
  const flags = new Set<string>();
  for (const option of options) {
    const flag = option.toUpperCase();
    if (!['NX', 'XX', 'GT', 'LT'].includes(flag)) {
      throw new RedisError(`ERR Unsupported option ${option}`);
    }
    flags.add(flag);
  }
  if (flags.has('NX') && flags.size > 1) {
    throw new RedisError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags.has('GT') && flags.has('LT')) {
    throw new RedisError('ERR GT and LT options at the same time are not compatible');
  }
  const at = absolute(name.toUpperCase(), n);
  if (!store.data.has(key)) return 0;
  // No TTL counts as an infinite one for GT and LT, as in Redis.
  const current = store.expires.has(key) ? store.expires.get(key) : undefined;
  if (flags.has('NX') && current !== undefined) return 0;
  if (flags.has('XX') && current === undefined) return 0;
  if (flags.has('GT') && (current === undefined || at <= current)) return 0;
  if (flags.has('LT') && current !== undefined && at >= current) return 0;
  if (at <= Date.now()) store.raw('del', [key]);
  else store.expires.set(key, at);
  return 1;
}

/** ZADD: the mock matches options case-sensitively, lacks GT/LT, and answers INCR with a count. */
function zadd(store: MockStore, args: readonly string[]): Reply {
  const [key, ...rest] = args;
  if (key === undefined) throw arity('zadd');
  const flags = new Set<string>();
  while (['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'].includes(rest[0]?.toUpperCase() ?? '')) {
    flags.add(rest.shift()!.toUpperCase());
  }
  if (rest.length === 0 || rest.length % 2 !== 0) throw new RedisError('ERR syntax error');
  if (flags.has('NX') && flags.has('XX')) {
    throw new RedisError('ERR XX and NX options at the same time are not compatible');
  }
  if (
    (flags.has('GT') && flags.has('LT')) ||
    (flags.has('NX') && (flags.has('GT') || flags.has('LT')))
  ) {
    throw new RedisError('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (flags.has('INCR') && rest.length > 2) {
    throw new RedisError('ERR INCR option supports a single increment-element pair');
  }
  const scores = rest.filter((_, i) => i % 2 === 0).map(float);
  let added = 0;
  let changed = 0;
  let incremented: string | null = null;
  for (let i = 0; i < rest.length; i += 2) {
    const member = rest[i + 1]!;
    const before = store.raw('zscore', [key, member]);
    const current = before === null || before === undefined ? undefined : Number(before);
    const score = scores[i / 2]! + (flags.has('INCR') ? (current ?? 0) : 0);
    if ((flags.has('NX') && current !== undefined) || (flags.has('XX') && current === undefined))
      continue;
    if (current !== undefined && flags.has('GT') && score <= current) continue;
    if (current !== undefined && flags.has('LT') && score >= current) continue;
    store.raw('zadd', [key, String(score), member]);
    if (current === undefined) added++;
    else if (score !== current) changed++;
    incremented = String(score);
  }
  if (flags.has('INCR')) return incremented;
  return flags.has('CH') ? added + changed : added;
}

/** Upper-cases the mock's case-sensitive keyword arguments, by position, then runs it. */
const upper = (positions: number[]) => (store: MockStore, name: string, args: readonly string[]) =>
  store.raw(
    name,
    args.map((arg, i) => (positions.includes(i) ? arg.toUpperCase() : arg)),
  );

type Fix = (store: MockStore, name: string, args: readonly string[]) => unknown;

export const FIXES = new Map<string, Fix>([
  ['set', (store, _, args) => set(store, args)],
  ['expire', expire],
  ['pexpire', expire],
  ['expireat', expire],
  ['pexpireat', expire],
  ['incr', (store, name, args) => incrBy(store, exactly(1, name, args)[0]!, 1n)],
  ['decr', (store, name, args) => incrBy(store, exactly(1, name, args)[0]!, -1n)],
  ['incrby', (store, name, args) => incrBy(store, args[0]!, int64(exactly(2, name, args)[1]!))],
  ['decrby', (store, name, args) => incrBy(store, args[0]!, -int64(exactly(2, name, args)[1]!))],
  ['zadd', (store, _, args) => zadd(store, args)],
  ['linsert', upper([1])],
  ['lmove', upper([2, 3])],
  [
    'incrbyfloat',
    (store, name, args) => {
      const [key, by] = exactly(2, name, args);
      float(by);
      const current = store.raw('get', [key!]);
      if (current !== null && current !== undefined) float(String(current));
      return store.raw(name, args);
    },
  ],
  [
    'hincrby',
    (store, name, args) => {
      int64(exactly(3, name, args)[2]!);
      const current = store.raw('hget', args.slice(0, 2));
      if (current !== null && current !== undefined) int64(String(current));
      return store.raw(name, args);
    },
  ],
  [
    'hincrbyfloat',
    (store, name, args) => {
      float(exactly(3, name, args)[2]);
      const current = store.raw('hget', args.slice(0, 2));
      if (current !== null && current !== undefined) float(String(current));
      return store.raw(name, args);
    },
  ],
]);
