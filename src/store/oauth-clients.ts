// OAuthClientStore over Drizzle: one statement per call. Ids and secrets are made here, with
// the domain's generators; only the secret's hash is written.
import { asc, eq, isNotNull, and, sql } from 'drizzle-orm';
import { oauthClients } from './schema.ts';
import type { Db } from './db.ts';
import { preparedPerClient } from './prepared.ts';
import {
  ClientIdTakenError,
  generateClientId,
  generateClientSecret,
  type GrantType,
  hashClientSecret,
  type OAuthClient,
  type OAuthClientStore,
} from '../oauth/clients.ts';

const toClient = ({ secretHash, ...row }: typeof oauthClients.$inferSelect): OAuthClient => ({
  clientId: row.clientId,
  name: row.name,
  type: secretHash === null ? 'public' : 'confidential',
  // The table's check constraint admits only these three.
  grantTypes: row.grantTypes as GrantType[],
  scopes: row.scopes,
  redirectUris: row.redirectUris,
  audience: row.audience,
  resourceAudiences: row.resourceAudiences,
  accessTokenTtl: row.accessTokenTtl,
  refreshTokenTtl: row.refreshTokenTtl,
  firstParty: row.firstParty,
  logoUri: row.logoUri,
  postLogoutRedirectUris: row.postLogoutRedirectUris,
  backchannelLogoutUri: row.backchannelLogoutUri,
  createdAt: row.createdAt,
});

// Every client-authenticated OAuth request (token, introspection, revocation) reads its client.
const byId = preparedPerClient((db) =>
  db
    .select()
    .from(oauthClients)
    .where(eq(oauthClients.clientId, sql.placeholder('clientId')))
    .limit(1)
    .prepare('oauth_client_by_id'),
);

export function drizzleOAuthClientStore(db: Db): OAuthClientStore {
  return {
    async find(clientId) {
      const [row] = await byId(db).execute({ clientId });
      return row ? { ...toClient(row), secretHash: row.secretHash } : undefined;
    },
    async list() {
      const rows = await db.select().from(oauthClients).orderBy(asc(oauthClients.clientId));
      return rows.map(toClient);
    },
    async create(input) {
      const secret = input.public ? null : generateClientSecret();
      const clientId = input.clientId ?? generateClientId();
      const [row] = await db
        .insert(oauthClients)
        .values({
          clientId,
          secretHash: secret === null ? null : await hashClientSecret(secret),
          name: input.name,
          grantTypes: input.grantTypes,
          scopes: input.scopes,
          redirectUris: input.redirectUris,
          audience: input.audience ?? [],
          resourceAudiences: input.resourceAudiences ?? [],
          accessTokenTtl: input.accessTokenTtl ?? null,
          refreshTokenTtl: input.refreshTokenTtl ?? null,
          firstParty: input.firstParty ?? false,
          logoUri: input.logoUri ?? null,
          postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
          backchannelLogoutUri: input.backchannelLogoutUri ?? null,
        })
        .onConflictDoNothing({ target: oauthClients.clientId })
        .returning();
      if (!row) throw new ClientIdTakenError(clientId);
      return { client: toClient(row), secret };
    },
    async rotateSecret(clientId) {
      const secret = generateClientSecret();
      // Only a confidential client has a secret to replace; a public one stays public.
      const rows = await db
        .update(oauthClients)
        .set({ secretHash: await hashClientSecret(secret), updatedAt: new Date() })
        .where(and(eq(oauthClients.clientId, clientId), isNotNull(oauthClients.secretHash)))
        .returning({ clientId: oauthClients.clientId });
      return rows.length > 0 ? secret : undefined;
    },
    async delete(clientId) {
      const rows = await db
        .delete(oauthClients)
        .where(eq(oauthClients.clientId, clientId))
        .returning({ clientId: oauthClients.clientId });
      return rows.length > 0;
    },
  };
}
