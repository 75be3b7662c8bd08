// The bridge through @upstash/redis, in every client variant: pipelines, transactions, Lua
// scripts, and @upstash/ratelimit on top of them. Setup: upstash-bridge-helpers.ts.
import { createHash, randomUUID } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backend,
  client,
  counts,
  deleteRunKeys,
  prefix,
  variants,
} from './upstash-bridge-helpers.ts';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

afterAll(deleteRunKeys);

describe.each(variants)(`Upstash bridge (${backend}) via @upstash/redis %o`, (variant) => {
  const redis = client(variant);

  it('pipelines: every reply in order, a failing command does not stop the others', async () => {
    const k = prefix();
    const replies = await redis.pipeline().set(k, 'v').get(k).incr(k).sadd(`${k}s`, 'a').exec({
      keepErrors: true,
    });
    expect(replies.map((r) => r.result)).toEqual(['OK', 'v', undefined, 1]);
    expect(replies[2]!.error).toMatch(/not an integer/);
    await expect(redis.pipeline().get(k).incr(k).exec()).rejects.toThrow(/Command 2 \[ incr \]/);
  });

  it('transactions (multi-exec): atomic, with per-command errors', async () => {
    const k = prefix();
    const replies = await redis.multi().set(k, '1').incr(k).hset(k, { f: 'v' }).get(k).exec({
      keepErrors: true,
    });
    expect(replies.map((r) => r.result)).toEqual(['OK', 2, undefined, 2]);
    expect(replies[2]!.error).toMatch(/^WRONGTYPE/);
    // Parallel transactions never interleave: each sees its own increments back to back.
    const runs = await Promise.all(
      Array.from({ length: 10 }, () => redis.multi().incr(`${k}c`).incr(`${k}c`).exec()),
    );
    for (const [first, second] of runs as [number, number][]) expect(second).toBe(first + 1);
  });

  it('EVAL and EVALSHA: NOSCRIPT until the script is known, by the sha of its original text', async () => {
    const k = prefix();
    // Unique text, so the sha is new to the server too; the shebang is what ratelimit sends.
    const script = `#!lua flags=allow-key-locking\n-- ${k}\nreturn {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}`;
    const sha = sha1(script);
    await expect(redis.evalsha(sha, [k], ['v'])).rejects.toThrow(/NOSCRIPT/);
    expect(await redis.scriptExists(sha)).toEqual([0]);
    expect(await redis.eval(script, [k], ['v'])).toEqual([k, 'v', 1]);
    expect(await redis.evalsha(sha, [k], ['v'])).toEqual([k, 'v', 2]);
    expect(await redis.scriptExists(sha, 'f'.repeat(40))).toEqual([1, 0]);

    const loaded = `#!lua flags=allow-key-locking\n-- ${k} loaded\nreturn ARGV[1]`;
    expect(await redis.scriptLoad(loaded)).toBe(sha1(loaded));
    expect(await redis.evalsha(sha1(loaded), [], ['x'])).toBe('x');
    // A script that does not compile is not kept: EVALSHA says NOSCRIPT, as Redis does.
    const broken = `-- ${k}\nreturn (`;
    await expect(redis.scriptLoad(broken)).rejects.toThrow(/Error compiling script/);
    await expect(redis.eval(broken, [], [])).rejects.toThrow(/Error compiling script/);
    await expect(redis.evalsha(sha1(broken), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('runs scripts with Redis semantics: nil is false, integers stay integers, replies convert', async () => {
    const k = prefix();
    await redis.hset(k, { uid: 'u1', n: 7 });
    const script = `
      local uid, missing = unpack(redis.call('HMGET', KEYS[1], 'uid', 'missing'))
      if missing then return 'nil became truthy' end
      local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
      local failed = redis.pcall('INCR', KEYS[1])
      return {uid, tostring(missing), tostring(n), n * 2, 3.7, true, false, failed['err'], {'nested', 1}}`;
    // The client JSON-parses replies: "8.0" (a float leaking out of Lua) would stay a string.
    expect(await redis.eval(script, [k], [])).toEqual([
      'u1', false, 8, 16, 3, 1, null,
      'WRONGTYPE Operation against a key holding the wrong kind of value', ['nested', 1],
    ]); // prettier-ignore
    await expect(redis.eval(`return redis.call('INCR', KEYS[1])`, [k], [])).rejects.toThrow(
      /WRONGTYPE/,
    );
    await expect(redis.eval(`return redis.error_reply('MY failure')`, [], [])).rejects.toThrow(
      /MY failure/,
    );
    expect(await redis.eval(`return redis.status_reply('FINE')`, [], [])).toBe('FINE');
    await redis.set(`${k}empty`, '');
    const empty = `local v = redis.call('GET', KEYS[1]) return {type(v), #v}`;
    expect(await redis.eval(empty, [`${k}empty`], [])).toEqual(['string', 0]);
    await expect(redis.eval('return nil + 1', [], [])).rejects.toThrow(
      /user_script:1: attempt to perform arithmetic/,
    );
  });

  it('keeps integers beyond 32 bits exact (millisecond timestamps), both ways', async () => {
    const k = prefix();
    const now = 1_795_426_718_450;
    const script = `
      local t = tonumber(ARGV[1]) + 2000 * 2 ^ 1
      redis.call('HSET', KEYS[1], 'until', math.floor(t))
      return {math.floor(t), tonumber(redis.call('HGET', KEYS[1], 'until')), -2 ^ 40}`;
    expect(await redis.eval(script, [k], [String(now)])).toEqual([
      now + 4000,
      now + 4000,
      -(2 ** 40),
    ]);
    expect(await redis.hget(k, 'until')).toBe(now + 4000);
  });

  it('hands nested replies to Lua as one-based tables (SCAN inside a script)', async () => {
    const k = prefix();
    await redis.mset({ [`${k}a`]: 1, [`${k}b`]: 2, [`${k}c`]: 3 });
    const script = `
      local found, cursor = {}, '0'
      repeat
        local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
        cursor = page[1]
        for _, key in ipairs(page[2]) do found[#found + 1] = key end
      until cursor == '0'
      table.sort(found)
      return found`;
    expect(await redis.eval(script, [], [`${k}*`])).toEqual([`${k}a`, `${k}b`, `${k}c`]);
  });

  it('createScript falls back from EVALSHA to EVAL once, then uses EVALSHA', async () => {
    const requestId = randomUUID();
    const tagged = client({ ...variant, requestId });
    const script = tagged.createScript<string>(`-- ${requestId}\nreturn ARGV[1]`);
    expect(await script.exec([], ['first'])).toBe('first');
    expect(await counts(requestId)).toEqual({ roundTrips: 2, units: 2 });
    expect(await script.exec([], ['second'])).toBe('second');
    expect(await counts(requestId)).toEqual({ roundTrips: 3, units: 3 });
  });

  it('runs @upstash/ratelimit slidingWindow end to end: N allowed, then blocked', async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(3, '1 h'),
      prefix: prefix(),
      ephemeralCache: false,
      analytics: false,
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.limit('client-1'));
    expect(results.map((r) => [r.success, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect((await limiter.limit('client-2')).success).toBe(true);
    expect(await limiter.getRemaining('client-1')).toMatchObject({ remaining: 0, limit: 3 });
  });
});
