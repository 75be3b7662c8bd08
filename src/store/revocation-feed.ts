// RevocationFeedStore over Upstash Redis: one sorted set, `revocations`, member = the entry,
// score = when it was recorded (ms). A write is one small script over that one key (ZADD, then
// trim by score and by rank); a read is one ZRANGEBYSCORE over the window. Nothing scans keys.
//
// The key is global (one feed for every user), so it can sit in no `{uid}` script: a script
// must declare every key it touches, all in one hash slot (Redis Cluster). Its own script
// declares only it; issued through the request's tick batch (src/store/tick-batch.ts) beside a
// session script, both travel in one pipelined request (src/compose/revocation-feed.ts).
import type { FeedEntry, RecordedEntry, RevocationFeedStore } from '../auth/revocation-feed.ts';
import type { Redis } from './index.ts';
import { evalScript, luaScript } from './lua-script.ts';

type FeedRedis = Pick<Redis, 'evalsha' | 'eval'>;

// KEYS[1] the feed. ARGV[1] score (ms), ARGV[2] window start (ms), ARGV[3] bound, ARGV[4..] members.
const RECORD = luaScript(`
for i = 4, #ARGV do redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
return 1
`);

// KEYS[1] the feed. ARGV[1] from (ms). ZRANGEBYSCORE rather than ZRANGE ... BYSCORE (Redis 6.2):
// every Redis the stack and Upstash speak has it.
const READ = luaScript(
  `return redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')`,
);

/**
 * A hard bound on the set, far above what the window holds at 1 M daily users (README,
 * "Downstream services"): a burst of revocations cannot grow the feed without limit. The
 * oldest entries go first.
 */
export const FEED_MAX_ENTRIES = 100_000;

// Members: a kind letter, a space, the ids. Ids are UUIDs (no spaces).
function encode(entry: FeedEntry): string {
  switch (entry.kind) {
    case 'session':
      return `s ${entry.sid}`;
    case 'token':
      return `j ${entry.jti}`;
    case 'user':
      return entry.keepSid ? `u ${entry.sub} ${entry.keepSid}` : `u ${entry.sub}`;
  }
}

function decode(member: string): FeedEntry | undefined {
  const [kind, id, keep] = member.split(' ');
  if (!id) return undefined;
  if (kind === 's') return { kind: 'session', sid: id };
  if (kind === 'j') return { kind: 'token', jti: id };
  if (kind === 'u') return { kind: 'user', sub: id, ...(keep ? { keepSid: keep } : {}) };
  return undefined;
}

export function redisRevocationFeedStore(redis: FeedRedis, prefix: string): RevocationFeedStore {
  const key = `${prefix}revocations`;
  return {
    async record(entries, at, windowStart) {
      if (entries.length === 0) return;
      await evalScript(
        redis,
        RECORD,
        await RECORD.sha(),
        [key],
        [
          String(at.getTime()),
          String(windowStart.getTime()),
          String(FEED_MAX_ENTRIES),
          ...entries.map(encode),
        ],
      );
    },
    async read(since) {
      const flat = await evalScript<(string | number)[]>(
        redis,
        READ,
        await READ.sha(),
        [key],
        [String(since.getTime())],
      );
      const recorded: RecordedEntry[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const entry = decode(String(flat[i]));
        if (entry) recorded.push({ entry, at: Number(flat[i + 1]) });
      }
      return recorded;
    },
  };
}
