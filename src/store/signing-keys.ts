// SigningKeyStore over Drizzle. Works on neon-http (the Worker: one round trip per call, multi-
// statement changes as one `db.batch` transaction) and on node-postgres (the keys CLI against a
// real DATABASE_URL: the same statements inside `db.transaction`).
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { CreateKey, SigningKeyRecord, SigningKeyStore } from '../auth/keys/store.ts';
import type { PublicJwk } from '../auth/keys/key-material.ts';
import { atomically } from './atomically.ts';
import type { Db } from './db.ts';
import * as schema from './schema.ts';

const { signingKeys } = schema;

/** Expired keys stay listed this long (for `npm run keys -- list`), then drop out of reads. */
const EXPIRED_VISIBLE_MS = 7 * 86_400_000;

const toRecord = (row: typeof signingKeys.$inferSelect): SigningKeyRecord => ({
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

export function drizzleSigningKeyStore(db: Db): SigningKeyStore {
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
      const [inserted] = await atomically(db, (q) => [
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
      const [first, ...rest] = updates;
      if (!first) return;
      const update = (q: Db, { kid, state }: typeof first) =>
        q.update(signingKeys).set({ state }).where(eq(signingKeys.kid, kid));
      await atomically(db, (q) => [update(q, first), ...rest.map((u) => update(q, u))]);
    },

    async reseal(kid, privateKeyEnc, kekId) {
      await db.update(signingKeys).set({ privateKeyEnc, kekId }).where(eq(signingKeys.kid, kid));
    },
  };
}
