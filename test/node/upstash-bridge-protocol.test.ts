// The Upstash REST protocol as the bridge speaks it on the wire (hand-made requests: encodings,
// counters, errors, auth), and the embedded emulation's documented differences from Redis.
// Setup: upstash-bridge-helpers.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backend,
  client,
  counts,
  deleteRunKeys,
  post,
  prefix,
  stack,
} from './upstash-bridge-helpers.ts';

afterAll(deleteRunKeys);

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
