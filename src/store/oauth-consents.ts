// ConsentStore over Drizzle: one statement per call. A grant adds to what is remembered in the
// statement itself (the union is taken by Postgres), so two consents given at once for
// different scopes both stay.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { ConsentStore } from '../oauth/consents.ts';
import type { Db } from './db.ts';
import { oauthClients, oauthConsents } from './schema.ts';

export function drizzleConsentStore(db: Db): ConsentStore {
  const own = (userId: string, clientId: string) =>
    and(eq(oauthConsents.userId, userId), eq(oauthConsents.clientId, clientId));
  return {
    async scopesOf(userId, clientId) {
      const [row] = await db
        .select({ scopes: oauthConsents.scopes })
        .from(oauthConsents)
        .where(own(userId, clientId))
        .limit(1);
      return row?.scopes;
    },
    async grant(userId, clientId, scopes) {
      const [row] = await db
        .insert(oauthConsents)
        .values({ userId, clientId, scopes })
        .onConflictDoUpdate({
          target: [oauthConsents.userId, oauthConsents.clientId],
          set: {
            scopes: sql`array(select distinct s from unnest(oauth_consents.scopes || excluded.scopes) as s order by s)`,
            updatedAt: sql`now()`,
          },
        })
        .returning({ scopes: oauthConsents.scopes });
      return row?.scopes ?? scopes;
    },
    async list(userId) {
      const rows = await db
        .select({
          clientId: oauthConsents.clientId,
          clientName: oauthClients.name,
          logoUri: oauthClients.logoUri,
          scopes: oauthConsents.scopes,
          grantedAt: oauthConsents.createdAt,
          updatedAt: oauthConsents.updatedAt,
        })
        .from(oauthConsents)
        .innerJoin(oauthClients, eq(oauthClients.clientId, oauthConsents.clientId))
        .where(eq(oauthConsents.userId, userId))
        .orderBy(desc(oauthConsents.updatedAt), oauthConsents.clientId);
      return rows;
    },
    async revoke(userId, clientId) {
      const rows = await db
        .delete(oauthConsents)
        .where(own(userId, clientId))
        .returning({ clientId: oauthConsents.clientId });
      return rows.length > 0;
    },
  };
}
