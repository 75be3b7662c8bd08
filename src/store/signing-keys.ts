// SigningKeyStore over Drizzle. Works on neon-http (the Worker: one round trip per call, multi-
// statement changes as one `db.batch` transaction) and on node-postgres (the keys CLI against a
// real DATABASE_URL: the same statements inside `db.transaction`).
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { CreateKey, SigningKeyRecord, SigningKeyStore } from '../auth/keys/store.ts';
import type { PublicJwk } from '../auth/keys/key-material.ts';
import * as schema from './schema.ts';

const { signingKeys } = schema;

type AnyPgDb = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Expired keys stay listed this long (for `npm run keys -- list`), then drop out of reads. */
const EXPIRED_VISIBLE_MS = 7 * 86_400_000;

type Statement = PromiseLike<unknown>;

/** Runs statements as one transaction: a neon-http batch (one round trip) or a pg transaction. */
async function atomically<T extends unknown[]>(
  db: AnyPgDb,
  build: (q: AnyPgDb) => [...{ [K in keyof T]: Statement & PromiseLike<T[K]> }],
): Promise<T> {
  const batching = db as unknown as { batch?: (queries: unknown[]) => Promise<unknown[]> };
  if (typeof batching.batch === 'function') {
    return (await batching.batch(build(db))) as T;
  }
  return db.transaction(async (tx) => {
    const results: unknown[] = [];
    for (const statement of build(tx as unknown as AnyPgDb)) results.push(await statement);
    return results as T;
  });
}

const toRecord = (row: schema.SigningKey): SigningKeyRecord => ({
  kid: row.kid,
  issuer: row.issuer,
  generation: row.generation,
  state: row.state,
  modulusBits: row.modulusBits,
  publicJwk: row.publicJwk as PublicJwk,
  privateKeyEnc: row.privateKeyEnc,
  kekId: row.kekId,
  publishFrom: row.publishFrom,
  signFrom: row.signFrom,
  retireAt: row.retireAt,
  expireAt: row.expireAt,
  revokedAt: row.revokedAt,
});

export function drizzleSigningKeyStore(database: unknown): SigningKeyStore {
  const db = database as AnyPgDb;
  return {
    async list(issuer) {
      const cutoff = new Date(Date.now() - EXPIRED_VISIBLE_MS);
      const rows = await db
        .select()
        .from(signingKeys)
        .where(
          and(
            eq(signingKeys.issuer, issuer),
            or(isNull(signingKeys.expireAt), gt(signingKeys.expireAt, cutoff)),
          ),
        )
        .orderBy(asc(signingKeys.generation));
      return rows.map(toRecord);
    },

    async create({ record, supersede, revoke }: CreateKey) {
      // The updates only apply if the insert won: they are conditioned on the new row existing.
      const newKeyExists = sql`exists (select 1 from ${signingKeys} where ${signingKeys.kid} = ${record.kid})`;
      const [inserted] = await atomically<[{ kid: string }[], ...unknown[]]>(db, (q) => [
        q
          .insert(signingKeys)
          .values({ ...record, alg: 'RS256' })
          .onConflictDoNothing({ target: [signingKeys.issuer, signingKeys.generation] })
          .returning({ kid: signingKeys.kid }),
        ...(supersede
          ? [
              q
                .update(signingKeys)
                .set({ retireAt: supersede.retireAt, expireAt: supersede.expireAt })
                .where(and(eq(signingKeys.kid, supersede.kid), newKeyExists)),
            ]
          : []),
        ...(revoke
          ? [
              q
                .update(signingKeys)
                .set({ state: 'revoked' as const, revokedAt: revoke.at })
                .where(and(eq(signingKeys.kid, revoke.kid), newKeyExists)),
            ]
          : []),
      ]);
      return inserted.length > 0;
    },

    async setStates(updates) {
      if (updates.length === 0) return;
      await atomically<unknown[]>(db, (q) =>
        updates.map(({ kid, state }) =>
          q.update(signingKeys).set({ state }).where(eq(signingKeys.kid, kid)),
        ),
      );
    },

    async reseal(kid, privateKeyEnc, kekId) {
      await db.update(signingKeys).set({ privateKeyEnc, kekId }).where(eq(signingKeys.kid, kid));
    },
  };
}
