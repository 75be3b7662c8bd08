// Keeps the embedded emulation's keyspace across `npm run dev` restarts: a JSON snapshot in
// .data/redis/, written every 30 s and on shutdown, read back on start. Without it each restart
// ended every session and reset every limit while Postgres (in .data/pglite) kept the users.
// The snapshot is taken through the same commands the bridge serves (KEYS, TYPE, PTTL and one
// read per type), so it stands on the emulation's corrected behaviour; scripts are not kept
// (clients load them again on NOSCRIPT, as against a restarted Redis).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command, Outcome, RedisBackend, Reply } from './backend.ts';

interface Entry {
  key: string;
  type: 'string' | 'hash' | 'set' | 'zset' | 'list';
  /** GET's value, or the flat reply of HGETALL / SMEMBERS / ZRANGE WITHSCORES / LRANGE. */
  value: string | string[];
  /** Absolute expiry in ms since the epoch, or null for none. */
  expiresAt: number | null;
}

interface Snapshot {
  version: 1;
  savedAt: string;
  entries: Entry[];
}

const text = (reply: Reply): string =>
  Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);

const values = (outcome: Outcome | undefined): Reply => {
  if (!outcome?.ok)
    throw new Error(`snapshot read failed: ${outcome?.ok === false ? outcome.error : 'no reply'}`);
  return outcome.value;
};

const READ: Record<Entry['type'], (key: string) => Command> = {
  string: (key) => ['GET', key],
  hash: (key) => ['HGETALL', key],
  set: (key) => ['SMEMBERS', key],
  zset: (key) => ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
  list: (key) => ['LRANGE', key, '0', '-1'],
};

const WRITE: Record<Entry['type'], (key: string, value: string[]) => Command> = {
  string: (key, [value = '']) => ['SET', key, value],
  hash: (key, flat) => ['HSET', key, ...flat],
  set: (key, members) => ['SADD', key, ...members],
  // ZRANGE WITHSCORES answers member, score; ZADD takes score, member.
  zset: (key, flat) => [
    'ZADD',
    key,
    ...flat.flatMap((_, i) => (i % 2 === 0 ? [flat[i + 1] ?? '0', flat[i] ?? ''] : [])),
  ],
  list: (key, items) => ['RPUSH', key, ...items],
};

/** Every key of the keyspace with its value and expiry. */
export async function takeSnapshot(backend: RedisBackend, now = Date.now()): Promise<Snapshot> {
  const keys = values((await backend.pipeline([['KEYS', '*']]))[0]);
  const names = Array.isArray(keys) ? keys.map(text) : [];
  const meta = await backend.pipeline(
    names.flatMap((key) => [
      ['TYPE', key],
      ['PTTL', key],
    ]),
  );
  const kept = names
    .map((key, i) => ({
      key,
      type: text(values(meta[2 * i])),
      ttl: Number(values(meta[2 * i + 1])),
    }))
    .filter(
      (k): k is { key: string; type: Entry['type']; ttl: number } => k.type in READ && k.ttl !== -2,
    );
  const read = await backend.pipeline(kept.map((k) => READ[k.type](k.key)));
  const entries = kept.map((k, i): Entry => {
    const reply = values(read[i]);
    return {
      key: k.key,
      type: k.type,
      value: Array.isArray(reply) ? reply.map(text) : text(reply),
      expiresAt: k.ttl >= 0 ? now + k.ttl : null,
    };
  });
  return { version: 1, savedAt: new Date(now).toISOString(), entries };
}

/** Writes the snapshot whole, then renames it over the old one (never a half-written file). */
export async function saveSnapshot(backend: RedisBackend, file: string): Promise<number> {
  const snapshot = await takeSnapshot(backend);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temporary, file);
  return snapshot.entries.length;
}

/** Loads a snapshot written by saveSnapshot, if there is one; keys already expired are skipped. */
export async function loadSnapshot(
  backend: RedisBackend,
  file: string,
  now = Date.now(),
): Promise<number> {
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  } catch {
    return 0; // none yet, or unreadable: start empty
  }
  if (snapshot.version !== 1 || !Array.isArray(snapshot.entries)) return 0;
  const live = snapshot.entries.filter((e) => e.expiresAt === null || e.expiresAt > now);
  const commands = live.flatMap((e): Command[] => [
    WRITE[e.type](e.key, Array.isArray(e.value) ? e.value : [e.value]),
    ...(e.expiresAt === null ? [] : [['PEXPIREAT', e.key, String(e.expiresAt)]]),
  ]);
  const outcomes = await backend.pipeline(commands);
  const failed = outcomes.find((o) => !o.ok);
  if (failed && !failed.ok) throw new Error(`redis snapshot ${file}: ${failed.error}`);
  return live.length;
}
