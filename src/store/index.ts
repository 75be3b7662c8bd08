// The stores a request may touch. The clients live for the isolate, one pair per config (a
// config is parsed once per env): a request only picks them up, and one that needs neither
// (JWKS on a warm cache, /openapi.json) never builds them. Which request a call serves comes
// from the trace scope (src/store/trace-scope.ts).
import type { Config } from '../config/index.ts';
import { createDb, type Db } from './db.ts';
import { createRedis } from './redis.ts';
import { type ScriptCommands, tickBatched } from './tick-batch.ts';

export type Redis = ReturnType<typeof createRedis>;

export interface Stores {
  readonly db: Db;
  readonly redis: Redis;
  /**
   * The request's script calls batched by tick: for the rate limiters and the login backoff
   * reservation, which must travel as one round trip (src/store/tick-batch.ts).
   */
  readonly limiterRedis: ScriptCommands;
}

interface Clients {
  db?: Db;
  redis?: Redis;
}

const clients = new WeakMap<Config, Clients>();

function clientsOf(config: Config): Clients {
  let found = clients.get(config);
  if (!found) clients.set(config, (found = {}));
  return found;
}

/** The isolate's database client for `config`. */
export const sharedDb = (config: Config): Db => {
  const held = clientsOf(config);
  return (held.db ??= createDb(config));
};

/** The isolate's Redis client for `config`. */
export const sharedRedis = (config: Config): Redis => {
  const held = clientsOf(config);
  return (held.redis ??= createRedis(config));
};

/** One request's view of the stores. */
export function createStores(config: Config): Stores {
  let limiterRedis: ScriptCommands | undefined;
  return {
    get db() {
      return sharedDb(config);
    },
    get redis() {
      return sharedRedis(config);
    },
    get limiterRedis() {
      return (limiterRedis ??= tickBatched(sharedRedis(config)));
    },
  };
}
