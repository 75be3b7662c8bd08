// The stores a request may touch, created on first use so a request that needs neither
// (JWKS on a warm cache, /openapi.json) opens no client at all.
import type { Config } from '../config/index.ts';
import { createDb, type Db } from './db.ts';
import { createRedis } from './redis.ts';
import type { RequestTrace } from '../shared/trace.ts';

export type Redis = ReturnType<typeof createRedis>;

export interface Stores {
  readonly db: Db;
  readonly redis: Redis;
  /** Same Redis, auto-pipelined: for the rate limiters only (see src/abuse/limiters.ts). */
  readonly limiterRedis: Redis;
}

export function createStores(config: Config, trace: RequestTrace): Stores {
  let db: Db | undefined;
  let redis: Redis | undefined;
  let limiterRedis: Redis | undefined;
  return {
    get db() {
      return (db ??= createDb(config, trace));
    },
    get redis() {
      return (redis ??= createRedis(config, trace));
    },
    get limiterRedis() {
      return (limiterRedis ??= createRedis(config, trace, { autoPipelining: true }));
    },
  };
}
