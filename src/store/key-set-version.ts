// The key-set version counter over Upstash Redis: `<prefix>keys:version`. The keys CLI bumps
// it after an emergency rotation; the session store reads it beside its scripts, and the
// client-credentials grant beside its client lookup.
import type { KeySetVersionCounter } from '../auth/keys/store.ts';
import type { Redis } from './index.ts';

type VersionRedis = Pick<Redis, 'incr' | 'get'>;

export const keySetVersionKey = (prefix: string) => `${prefix}keys:version`;

export function redisKeySetVersionCounter(
  redis: VersionRedis,
  prefix: string,
): KeySetVersionCounter {
  const key = keySetVersionKey(prefix);
  return {
    bump: async () => String(await redis.incr(key)),
    read: async () => {
      const value = await redis.get<string>(key);
      return value === null || value === undefined ? null : String(value);
    },
  };
}
