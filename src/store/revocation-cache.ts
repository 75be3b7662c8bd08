// RevocationCache over Upstash Redis: `rvk:{jti}` blacklists a sessionless access token until
// it can no longer verify; `sentinel` (no TTL) is there as long as Redis has kept its data.
// Neither has a TTL-less sibling to evict first, which is why the deployment guide asks for
// `noeviction` (README, "Redis durability").
import type { RevocationCache } from '../oauth/revocations.ts';
import type { Redis } from './index.ts';

type RevocationRedis = Pick<Redis, 'pipeline' | 'multi' | 'set'>;

export function redisRevocationCache(redis: RevocationRedis, prefix: string): RevocationCache {
  const revokedKey = (jti: string) => `${prefix}rvk:${jti}`;
  const sentinel = `${prefix}sentinel`;
  return {
    async check(jti) {
      const [revoked, intact] = await redis
        .pipeline()
        .exists(revokedKey(jti))
        .exists(sentinel)
        .exec<[number, number]>();
      return { revoked: Number(revoked) > 0, intact: Number(intact) > 0 };
    },
    async add(jti, until) {
      await redis.set(revokedKey(jti), '1', { exat: until });
    },
    async restore(entries, now) {
      // One MULTI: the sentinel never says "intact" over a half-written blacklist.
      const tx = redis.multi();
      const nowSeconds = Math.floor(now.getTime() / 1000);
      for (const { jti, until } of entries) {
        if (until > nowSeconds) tx.set(revokedKey(jti), '1', { exat: until });
      }
      tx.set(sentinel, `restored ${now.toISOString()}`);
      await tx.exec();
    },
  };
}
