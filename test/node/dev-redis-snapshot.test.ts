// The embedded Redis emulation's snapshot (dev/upstash/memory-snapshot.ts), which keeps the
// dev Redis across `npm run dev` restarts: every type the Worker stores comes back with its
// value and its expiry, and an expired key does not come back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Command, RedisBackend } from '../../dev/upstash/backend.ts';
import { openMemory } from '../../dev/upstash/memory.ts';
import { loadSnapshot, saveSnapshot } from '../../dev/upstash/memory-snapshot.ts';

const dir = mkdtempSync(join(tmpdir(), 'redis-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(backend: RedisBackend, ...commands: Command[]): Promise<unknown[]> {
  return (await backend.pipeline(commands)).map((outcome) =>
    outcome.ok ? outcome.value : `error: ${outcome.error}`,
  );
}

it('brings back strings, hashes, sets, sorted sets and lists with their expiries', async () => {
  const file = join(dir, 'snapshot.json');
  const before = openMemory();
  const at = Date.now() + 3_600_000;
  await run(
    before,
    ['SET', 'ea:s', 'value with spaces ✓'],
    ['HSET', 'ea:h', 'uid', 'u1', 'amr', '["pwd"]'],
    ['PEXPIREAT', 'ea:h', String(at)],
    ['SADD', 'ea:set', 'a', 'b'],
    ['ZADD', 'ea:z', '1.5', 'one', '-2', 'two'],
    ['RPUSH', 'ea:l', 'x', 'y', 'x'],
    ['SET', 'ea:gone', '1', 'PX', '1'],
  );
  await new Promise((r) => setTimeout(r, 20));
  expect(await saveSnapshot(before, file)).toBe(5);
  await before.close();

  const after = openMemory();
  expect(await loadSnapshot(after, file)).toBe(5);
  expect(
    await run(
      after,
      ['GET', 'ea:s'],
      ['HGET', 'ea:h', 'amr'],
      ['SISMEMBER', 'ea:set', 'b'],
      ['ZRANGE', 'ea:z', '0', '-1', 'WITHSCORES'],
      ['LRANGE', 'ea:l', '0', '-1'],
      ['EXISTS', 'ea:gone'],
      ['PTTL', 'ea:s'],
    ),
  ).toEqual([
    'value with spaces ✓',
    '["pwd"]',
    1,
    ['two', '-2', 'one', '1.5'],
    ['x', 'y', 'x'],
    0,
    -1,
  ]);
  const [ttl] = await run(after, ['PEXPIRETIME', 'ea:h']);
  // Absolute: the key expires when it would have, whenever the snapshot is read back.
  expect(Math.abs(Number(ttl) - at)).toBeLessThan(1000);
  await after.close();
});

it('starts empty without a snapshot file, and skips keys that expired while stopped', async () => {
  const empty = openMemory();
  expect(await loadSnapshot(empty, join(dir, 'none.json'))).toBe(0);
  const file = join(dir, 'short.json');
  await run(empty, ['SET', 'ea:short', '1', 'PX', '200'], ['SET', 'ea:long', '1']);
  await saveSnapshot(empty, file);
  await empty.close();
  await new Promise((r) => setTimeout(r, 300));
  const later = openMemory();
  expect(await loadSnapshot(later, file)).toBe(1);
  expect(await run(later, ['EXISTS', 'ea:short'], ['EXISTS', 'ea:long'])).toEqual([0, 1]);
  await later.close();
});
