// One cheap call to each store, in parallel: a liveness check that also measures latency.
import { sql } from 'drizzle-orm';
import type { Stores } from './index.ts';

export interface StoreHealth {
  ok: boolean;
  ms: number;
}

async function probe(check: () => Promise<unknown>): Promise<StoreHealth> {
  const started = performance.now();
  try {
    await check();
    return { ok: true, ms: round(performance.now() - started) };
  } catch {
    return { ok: false, ms: round(performance.now() - started) };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export async function checkStores(
  stores: Stores,
): Promise<{ db: StoreHealth; redis: StoreHealth }> {
  const [db, redis] = await Promise.all([
    probe(() => stores.db.execute(sql`select 1`)),
    probe(() => stores.redis.ping()),
  ]);
  return { db, redis };
}
