// The stores behind a request's rate limits and login backoff: the src/abuse ports, built over
// the request's Redis clients (src/store adapters).
import type { RateLimiter } from '../abuse/limiters.ts';
import type { LoginBackoffStore } from '../abuse/login-backoff.ts';
import type { Config } from '../config/index.ts';
import type { Stores } from '../store/index.ts';
import { redisLoginBackoffStore } from '../store/login-backoff.ts';
import { upstashRateLimiter } from '../store/rate-limiters.ts';

export const rateLimiter = (stores: Stores, config: Config): RateLimiter =>
  upstashRateLimiter(stores.limiterRedis, config);

export const loginBackoffStore = (stores: Stores): LoginBackoffStore =>
  redisLoginBackoffStore(stores);
