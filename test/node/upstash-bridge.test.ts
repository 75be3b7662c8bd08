// The local Upstash bridge must be indistinguishable from Upstash for the clients the Worker
// uses: @upstash/redis and @upstash/ratelimit, unchanged, pointed at the stack. The same tests run
// against the embedded emulation (LOCAL_REDIS=memory) and a real redis-server (LOCAL_REDIS=server
// or REDIS_URL); they share the server with parallel runs, so every test uses its own key prefix.
import { createHash, randomUUID } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, inject, it } from 'vitest';

const stack = inject('stack');
const backend = stack.backends.redis;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const run = randomUUID().slice(0, 8);
const prefix = () => `ub:${run}:${randomUUID().slice(0, 8)}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client like the Worker's, optionally tagging its requests for the stack's counters. */
function client(options: { base64: boolean; autoPipelining: boolean; requestId?: string }) {
  const redis = new Redis({
    url: stack.url,
    token: stack.token,
    responseEncoding: options.base64 ? 'base64' : false,
    enableAutoPipelining: options.autoPipelining,
    enableTelemetry: false,
  });
  const { requestId } = options;
  if (requestId) {
    redis.use((req, next) =>
      next({ ...req, headers: { ...req.headers, 'x-request-id': requestId } }),
    );
  }
  return redis;
}

/** A hand-made request, for what the client never sends or to see the exact wire format. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { authorization: `Bearer ${stack.token}`, ...headers },
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function counts(requestId: string) {
  const res = await fetch(`${stack.url}/__stats?request_id=${requestId}`);
  return ((await res.json()) as { redis: { roundTrips: number; units: number } }).redis;
}

// A real Redis (REDIS_URL) may be a developer's own: leave nothing of this run behind.
afterAll(async () => {
  const redis = client({ base64: true, autoPipelining: false });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, { match: `ub:${run}:*`, count: 1000 });
    if (keys.length) await redis.del(...keys);
    cursor = String(next);
  } while (cursor !== '0');
});

const variants = [
  { base64: true, autoPipelining: false },
  { base64: false, autoPipelining: false },
  { base64: true, autoPipelining: true },
  { base64: false, autoPipelining: true },
];

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
    const k = prefix();
    await redis.set(k, 'short', { px: 30 });
    await sleep(60);
    expect(await redis.get(k)).toBeNull();
    await redis.set(`${k}2`, 'short', { px: 30 });
    await sleep(60);
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
    expect(await redis.pexpire(k, 1)).toBe(1);
    await sleep(20);
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

describe(`Upstash REST protocol on the wire (${backend})`, () => {
  it('encodes every string as base64 with Upstash-Encoding, and nothing else', async () => {
    const k = prefix();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const encoded = { 'upstash-encoding': 'base64' };
    expect(await post('/', ['SET', k, 'héllo'], encoded)).toEqual({ status: 200, body: { result: b64('OK') } }); // prettier-ignore
    expect(await post('/', ['GET', k], encoded)).toEqual({ status: 200, body: { result: b64('héllo') } }); // prettier-ignore
    expect(await post('/', ['GET', k])).toEqual({ status: 200, body: { result: 'héllo' } });
    expect(await post('/pipeline', [['HSET', `${k}h`, 'f', 'v'], ['HGETALL', `${k}h`], ['GET', `${k}x`], ['INCR', k]], encoded)).toEqual({
      status: 200,
      body: [{ result: 1 }, { result: [b64('f'), b64('v')] }, { result: null }, { error: 'ERR value is not an integer or out of range' }],
    }); // prettier-ignore
    expect(await post('/', ['EVAL', "return {'a', {'b', 1}, redis.status_reply('OK')}", 0], encoded)).toEqual({
      status: 200,
      body: { result: [b64('a'), [b64('b'), 1], b64('OK')] },
    }); // prettier-ignore
    expect(await post('/', ['INCR', k], encoded)).toEqual({
      status: 400,
      body: { error: 'ERR value is not an integer or out of range' },
    });
  });

  it('counts one round trip per request and one unit per command', async () => {
    const requestId = randomUUID();
    const k = prefix();
    const headers = { 'x-request-id': requestId };
    await post(
      '/pipeline',
      [
        ['SET', k, '1'],
        ['INCR', k],
        ['GET', k],
      ],
      headers,
    );
    await post(
      '/multi-exec',
      [
        ['INCR', k],
        ['INCR', k],
      ],
      headers,
    );
    await post('/', ['GET', k], headers);
    expect(await counts(requestId)).toEqual({ roundTrips: 3, units: 6 });
  });

  it('aborts a transaction that Redis cannot queue, running none of it', async () => {
    const k = prefix();
    const reply = await post('/multi-exec', [
      ['SET', k, 'v'],
      ['NOSUCHCOMMAND', k],
    ]);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      error: expect.stringMatching(/^EXECABORT .*nosuchcommand/i),
    });
    expect(await post('/', ['EXISTS', k])).toEqual({ status: 200, body: { result: 0 } });
  });

  it('answers malformed requests with a 4xx JSON error, never a crash', async () => {
    const cases: [string, unknown, number][] = [
      ['/', '{not json', 400],
      ['/', { command: 'GET' }, 400],
      ['/', [], 400],
      ['/', [1, 'k'], 400],
      ['/', ['GET', { k: 1 }], 400],
      ['/', ['GET', null], 400],
      ['/pipeline', [], 400],
      ['/pipeline', ['GET', 'k'], 400],
      ['/multi-exec', [['GET', 'k'], 'x'], 400],
      ['/set/foo/bar', ['GET', 'k'], 404],
    ];
    for (const [path, body, status] of cases) {
      const reply = await post(path, body);
      expect({ path, body, reply }).toMatchObject({ reply: { status, body: { error: expect.any(String) } } }); // prettier-ignore
    }
    const get = await fetch(`${stack.url}/pipeline`, { headers: { authorization: `Bearer ${stack.token}` } }); // prettier-ignore
    expect(get.status).toBe(405);
    expect(await post('/', ['BLPOP', 'k', 0])).toMatchObject({ status: 400, body: { error: expect.stringMatching(/not supported/) } }); // prettier-ignore
    expect(await post('/', ['NOSUCHCOMMAND'])).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^ERR unknown command/) } }); // prettier-ignore
  });

  it('requires the bearer token', async () => {
    for (const authorization of ['', 'Bearer wrong', `Basic ${stack.token}`]) {
      expect(await post('/', ['GET', 'k'], { authorization })).toEqual({
        status: 401,
        body: { error: 'Unauthorized' },
      });
    }
  });
});

// Differences the emulation keeps on purpose (dev/upstash/memory.ts); if one of these starts
// failing, the emulation got closer to Redis and the comment there should shrink.
describe.runIf(backend === 'memory')('embedded emulation: documented differences', () => {
  const redis = client({ base64: true, autoPipelining: false });

  it('runs Lua 5.3, not 5.1: integer division exists and globals are writable', async () => {
    expect(await redis.eval('return 7 // 2', [], [])).toBe(3);
    expect(await redis.eval('leaked = 1 return leaked', [], [])).toBe(1);
  });

  it('answers commands the mock lacks with a clear unknown command error', async () => {
    await expect(redis.xgroup(prefix(), { type: 'CREATE', group: 'g', id: '$' })).rejects.toThrow(
      /unknown command 'xgroup' \(the embedded ioredis-mock does not emulate it/i,
    );
  });
});
