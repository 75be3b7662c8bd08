// Builds the domain services for a request from its config and stores. Routes call these;
// they never touch Redis or SQL themselves.
import type { Context } from 'hono';
import type { AccountDeps } from '../auth/accounts.ts';
import { keyContext } from './key-context.ts';
import type { TokenDeps } from '../auth/token-pair.ts';
import type { RevocationDeps } from '../oauth/revocations.ts';
import { redisRevocationCache } from '../store/revocation-cache.ts';
import { drizzleRevokedTokenLedger } from '../store/revoked-tokens.ts';
import { redisKeySetVersionCounter } from '../store/key-set-version.ts';
import { redisSessionStore } from '../store/session-store.ts';
import { drizzleUserStore } from '../store/users.ts';
import type { AppEnv } from '../http/context.ts';

export function tokenDeps(c: Context<AppEnv>): TokenDeps {
  const { config, stores } = c.var;
  return {
    config,
    sessions: redisSessionStore(stores.redis, config.redis.keyPrefix),
    keys: keyContext(config, stores.db),
    readKeySetVersion: () => redisKeySetVersionCounter(stores.redis, config.redis.keyPrefix).read(),
  };
}

/** Revocations of sessionless access tokens (src/oauth/revocations.ts). */
export function revocationDeps(c: Context<AppEnv>): RevocationDeps {
  const { config, stores } = c.var;
  return {
    ledger: drizzleRevokedTokenLedger(stores.db),
    cache: redisRevocationCache(stores.redis, config.redis.keyPrefix),
    clockSkew: config.clockSkew,
    // Audited (and so logged): a Redis that lost its data is an operator's emergency.
    restored: (count) =>
      c.var.audit.record({ type: 'revocations_restored', details: { restored: count } }),
  };
}

export function accountDeps(c: Context<AppEnv>): AccountDeps {
  return {
    config: c.var.config,
    users: drizzleUserStore(c.var.stores.db),
    trace: c.var.trace,
    defer: (work) => c.executionCtx.waitUntil(work),
    audit: c.var.audit,
  };
}

export function clientInfo(c: Context<AppEnv>) {
  return {
    // Set by Cloudflare's edge (and by wrangler dev); a client cannot forge it in production.
    ip: c.req.header('CF-Connecting-IP') ?? '',
    userAgent: (c.req.header('User-Agent') ?? '').slice(0, 256),
  };
}
