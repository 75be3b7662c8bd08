// Several statements as one transaction, on either driver a store adapter may be given. Apart
// from src/store/db.ts so the Node tools can use it without loading the Worker's fetch hook.
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import { NeonHttpDatabase } from 'drizzle-orm/neon-http';
import type { Db } from './db.ts';

/**
 * Runs statements as one transaction: on neon-http as one batch (one round trip, which Neon
 * runs as a transaction), on node-postgres (the keys CLI against a real DATABASE_URL, which has
 * no batch) one after another inside `db.transaction`.
 */
export async function atomically<T extends readonly [BatchItem<'pg'>, ...BatchItem<'pg'>[]]>(
  db: Db,
  build: (q: Db) => T,
): Promise<BatchResponse<T>> {
  const neonHttp = db instanceof NeonHttpDatabase ? db : undefined;
  if (neonHttp) return neonHttp.batch(build(db));
  return db.transaction(async (tx) => {
    const results = [];
    for (const statement of build(tx)) results.push(await statement);
    // TypeScript cannot follow a loop over a tuple: each result is its statement's.
    return results as BatchResponse<T>;
  });
}
