// The bridge through @upstash/redis, in every client variant: strings and keys, expiry, sets,
// sorted sets and hashes, and authentication. Setup: upstash-bridge-helpers.ts.
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backend,
  client,
  deleteRunKeys,
  prefix,
  stack,
  variants,
} from './upstash-bridge-helpers.ts';

afterAll(deleteRunKeys);

describe.each(variants)(`Upstash bridge (${backend}) via @upstash/redis %o`, (variant) => {
  const redis = client(variant);

  it('SET with NX, XX, GET, EX, PX, EXAT and KEEPTTL; GET; TTL', async () => {
    const k = prefix();
    expect(await redis.set(`${k}a`, 'héllo ☃ 𝄞', { nx: true, ex: 100 })).toBe('OK');
    expect(await redis.set(`${k}a`, 'other', { nx: true })).toBeNull();
    expect(await redis.get(`${k}a`)).toBe('héllo ☃ 𝄞');
    expect(await redis.ttl(`${k}a`)).toBeGreaterThanOrEqual(99);
    expect(await redis.set(`${k}a`, 'kept', { keepTtl: true })).toBe('OK');
    expect(await redis.ttl(`${k}a`)).toBeGreaterThanOrEqual(99);
    expect(await redis.set(`${k}a`, 'plain')).toBe('OK');
    expect(await redis.ttl(`${k}a`)).toBe(-1);
    expect(await redis.set(`${k}a`, 'newer', { get: true })).toBe('plain');
    expect(await redis.set(`${k}missing`, 'x', { xx: true })).toBeNull();
    expect(await redis.get(`${k}missing`)).toBeNull();
    expect(await redis.ttl(`${k}missing`)).toBe(-2);

    const at = Math.floor(Date.now() / 1000) + 50;
    expect(await redis.set(`${k}b`, 'x', { exat: at })).toBe('OK');
    expect(await redis.ttl(`${k}b`)).toBeGreaterThanOrEqual(48);
    expect(await redis.ttl(`${k}b`)).toBeLessThanOrEqual(50);
    expect(await redis.set(`${k}c`, 'x', { px: 5_000 })).toBe('OK');
    expect(await redis.pttl(`${k}c`)).toBeGreaterThan(4_000);
    await expect(redis.set(`${k}d`, 'x', { ex: 0 })).rejects.toThrow(/invalid expire time/);
  });

  it('expires keys, and SET EX over an expired key keeps the new value', async () => {
    // An expiry instant already passed stands for time having passed, with no waiting: Redis
    // and the emulation both compare a key's expiry instant with the clock when it is touched.
    const past = Date.now() - 1_000;
    const k = prefix();
    expect(await redis.set(k, 'short', { pxat: past })).toBe('OK');
    expect(await redis.get(k)).toBeNull();
    expect(await redis.set(`${k}2`, 'short', { pxat: past })).toBe('OK');
    // No read in between: the stale key is still stored in an emulation that cleans up lazily.
    expect(await redis.set(`${k}2`, 'fresh', { ex: 10 })).toBe('OK');
    expect(await redis.get(`${k}2`)).toBe('fresh');
  });

  it('GETDEL, DEL, EXISTS', async () => {
    const k = prefix();
    await redis.set(`${k}a`, 'v');
    await redis.set(`${k}b`, 'v');
    expect(await redis.getdel(`${k}a`)).toBe('v');
    expect(await redis.getdel(`${k}a`)).toBeNull();
    expect(await redis.exists(`${k}a`, `${k}b`)).toBe(1);
    expect(await redis.del(`${k}a`, `${k}b`, `${k}c`)).toBe(1);
    expect(await redis.exists(`${k}b`)).toBe(0);
  });

  it('INCR, INCRBY, DECR; a non-integer value is an error and stays untouched', async () => {
    const k = prefix();
    expect(await redis.incr(`${k}n`)).toBe(1);
    expect(await redis.incrby(`${k}n`, 41)).toBe(42);
    expect(await redis.decr(`${k}n`)).toBe(41);
    await redis.set(`${k}s`, 'abc');
    await expect(redis.incr(`${k}s`)).rejects.toThrow(
      /ERR value is not an integer or out of range/,
    );
    await expect(redis.incrby(`${k}s`, 2)).rejects.toThrow(/not an integer/);
    expect(await redis.get(`${k}s`)).toBe('abc');
    await redis.set(`${k}big`, '9223372036854775807');
    await expect(redis.incr(`${k}big`)).rejects.toThrow(/overflow/);
  });

  it('EXPIRE with NX, XX, GT and LT (no TTL counts as infinite)', async () => {
    const k = prefix();
    await redis.set(k, 'v');
    expect(await redis.expire(k, 100, 'gt')).toBe(0);
    expect(await redis.expire(k, 100, 'xx')).toBe(0);
    expect(await redis.ttl(k)).toBe(-1);
    expect(await redis.expire(k, 100, 'nx')).toBe(1);
    expect(await redis.expire(k, 50, 'nx')).toBe(0);
    expect(await redis.expire(k, 50, 'gt')).toBe(0);
    expect(await redis.ttl(k)).toBeGreaterThanOrEqual(99);
    expect(await redis.expire(k, 200, 'gt')).toBe(1);
    expect(await redis.ttl(k)).toBeGreaterThanOrEqual(199);
    expect(await redis.expire(k, 300, 'lt')).toBe(0);
    expect(await redis.expire(k, 10, 'lt')).toBe(1);
    expect(await redis.ttl(k)).toBeLessThanOrEqual(10);
    expect(await redis.expire(`${k}missing`, 10)).toBe(0);
    // PEXPIRE counts milliseconds (1.5 s, not 1500 s); PEXPIREAT at a past instant deletes.
    expect(await redis.pexpire(k, 1_500)).toBe(1);
    expect(await redis.pttl(k)).toBeGreaterThan(1_000);
    expect(await redis.pttl(k)).toBeLessThanOrEqual(1_500);
    expect(await redis.pexpireat(k, Date.now() - 1_000)).toBe(1);
    expect(await redis.exists(k)).toBe(0);
  });

  it('sets', async () => {
    const k = prefix();
    expect(await redis.sadd(k, 'a', 'b', 'c')).toBe(3);
    expect(await redis.sadd(k, 'a')).toBe(0);
    expect((await redis.smembers(k)).sort()).toEqual(['a', 'b', 'c']);
    expect(await redis.sismember(k, 'b')).toBe(1);
    expect(await redis.smismember(k, ['b', 'z'])).toEqual([1, 0]);
    expect(await redis.srem(k, 'a', 'z')).toBe(1);
    expect(await redis.scard(k)).toBe(2);
  });

  it('sorted sets, with ZADD options', async () => {
    const k = prefix();
    expect(await redis.zadd(k, { score: 1, member: 'a' }, { score: 2.5, member: 'b' })).toBe(2);
    expect(await redis.zadd(k, { nx: true }, { score: 5, member: 'a' })).toBe(0);
    expect(await redis.zscore(k, 'a')).toBe(1);
    expect(await redis.zadd(k, { xx: true }, { score: 9, member: 'new' })).toBe(0);
    expect(await redis.zadd(k, { gt: true, ch: true }, { score: 0, member: 'a' }, { score: 3, member: 'b' })).toBe(1); // prettier-ignore
    expect(await redis.zadd(k, { incr: true }, { score: 2, member: 'a' })).toBe(3);
    expect(await redis.zrange(k, 0, -1, { withScores: true })).toEqual(['a', 3, 'b', 3]);
    expect(await redis.zrank(k, 'b')).toBe(1);
    expect(await redis.zcard(k)).toBe(2);
    expect(await redis.zrem(k, 'a')).toBe(1);
    expect(await redis.zrange(k, 0, -1)).toEqual(['b']);
  });

  it('hashes; a wrong-type access is WRONGTYPE', async () => {
    const k = prefix();
    expect(await redis.hset(k, { name: 'ada', visits: 1 })).toBe(2);
    expect(await redis.hget(k, 'name')).toBe('ada');
    expect(await redis.hmget(k, 'name', 'missing')).toEqual({ name: 'ada', missing: null });
    expect(await redis.hgetall(k)).toEqual({ name: 'ada', visits: 1 });
    expect(await redis.hincrby(k, 'visits', 2)).toBe(3);
    await expect(redis.hincrby(k, 'name', 1)).rejects.toThrow(/not an integer/);
    expect(await redis.hexists(k, 'name')).toBe(1);
    expect(await redis.hdel(k, 'name', 'missing')).toBe(1);
    expect(await redis.hlen(k)).toBe(1);
    await redis.set(`${k}s`, 'string');
    await expect(redis.hset(`${k}s`, { f: 'v' })).rejects.toThrow(/WRONGTYPE/);
    await expect(redis.get(k)).rejects.toThrow(/WRONGTYPE/);
  });

  it('refuses a wrong token', async () => {
    const intruder = new Redis({
      url: stack.url,
      token: 'wrong',
      ...variant,
      enableTelemetry: false,
    });
    await expect(intruder.get('anything')).rejects.toThrow(/Unauthorized/);
  });
});
