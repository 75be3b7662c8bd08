// The one source of truth for tables. drizzle-kit generates drizzle/*.sql from this file.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { signingKeyStates } from '../auth/keys/lifecycle.ts';
import { oneTimeTokenKinds } from '../auth/one-time-tokens.ts';

/**
 * Case-insensitive text (the `citext` extension). Emails compare case-insensitively in the
 * database itself, so a unique index catches `A@x.io` vs `a@x.io` even for rows written by
 * tools that skip our normalisation (imports, psql).
 */
export const citext = customType<{ data: string }>({
  dataType: () => 'citext',
});

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: citext('email').notNull().unique('users_email_unique'),
  /** PHC string: `$argon2id$...`, or `$2b$...` for users imported from the old service. */
  passwordHash: text('password_hash').notNull(),
  name: text('name'),
  roles: text('roles')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /**
   * Raised by every security-relevant change (disable, enable, role change, password change
   * or reset) in the same UPDATE; sessions are created only under the newest epoch (Redis
   * `u:{uid}:ep`, raised by the change's session sweep), so no login in flight survives it.
   */
  securityEpoch: integer('security_epoch').notNull().default(0),
  ...timestamps,
});

/**
 * Lifecycle of a signing key: its states are declared in src/auth/keys/lifecycle.ts. The
 * timestamps are the truth (a late cron never makes a key sign early or vanish early); `state`
 * is kept in step by the cron for people reading the table.
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    /** Keys belong to an issuer, so deployments (or tenants) can share one database. */
    issuer: text('issuer').notNull(),
    /**
     * 1, 2, 3... per issuer. Unique, so when two isolates (or two cron runs) race to create the
     * same next key, one insert wins and the other does nothing (optimistic concurrency).
     */
    generation: integer('generation').notNull(),
    alg: text('alg').notNull().default('RS256'),
    modulusBits: integer('modulus_bits').notNull(),
    /** Public JWK exactly as published (kty, n, e, kid, alg, use). */
    publicJwk: jsonb('public_jwk').notNull().$type<Record<string, string>>(),
    /** base64url(iv || AES-GCM(pkcs8)) under the key-encryption key named by kek_id. */
    privateKeyEnc: text('private_key_enc').notNull(),
    kekId: text('kek_id').notNull(),
    state: text('state', { enum: signingKeyStates }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Appears in the JWKS from this instant (before it may sign: caches must learn it first). */
    publishFrom: timestamp('publish_from', { withTimezone: true }).notNull(),
    /** Signs from this instant. */
    signFrom: timestamp('sign_from', { withTimezone: true }).notNull(),
    /** Set when a newer key becomes current: this key stops signing. */
    retireAt: timestamp('retire_at', { withTimezone: true }),
    /** Removed from the JWKS: every token it signed has expired by then. */
    expireAt: timestamp('expire_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('signing_keys_issuer_generation').on(t.issuer, t.generation),
    check('signing_keys_sign_after_publish', sql`${t.signFrom} >= ${t.publishFrom}`),
  ],
);

/**
 * Security-relevant events (src/audit/). Append-only: a trigger rejects UPDATE; DELETE is the
 * retention purge's alone. `at` keeps milliseconds so the admin API's keyset cursor, which
 * carries a JS Date, matches rows exactly. `details` never holds a secret (typed per event).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    type: text('type').notNull(),
    userId: uuid('user_id'),
    sessionId: text('session_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    details: jsonb('details')
      .notNull()
      .default(sql`'{}'::jsonb`)
      .$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_events_at').on(t.at, t.id),
    index('audit_events_user_at').on(t.userId, t.at, t.id),
    index('audit_events_type_at').on(t.type, t.at, t.id),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEventRow = typeof auditEvents.$inferInsert;

/**
 * Single-use tokens mailed to a user. Only the SHA-256 of the token is stored, so a read of the
 * table (a backup, a replica) cannot be turned into working links. Consuming sets `used_at` in
 * one conditional UPDATE, so of two concurrent uses exactly one succeeds.
 */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** base64url(SHA-256(raw token)). */
    tokenHash: text('token_hash').notNull().unique('one_time_tokens_token_hash_unique'),
    kind: text('kind', { enum: oneTimeTokenKinds }).notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** `email_change` only: the address the link proves and the account moves to. */
    newEmail: citext('new_email'),
  },
  (t) => [
    index('one_time_tokens_user_kind').on(t.userId, t.kind),
    index('one_time_tokens_expires_at').on(t.expiresAt),
    check(
      'one_time_tokens_kind',
      sql`${t.kind} in ('verify_email', 'password_reset', 'email_change')`,
    ),
    // The address travels with the link that proves it, and only with that kind.
    check(
      'one_time_tokens_new_email',
      sql`(${t.kind} = 'email_change') = (${t.newEmail} is not null)`,
    ),
  ],
);

/**
 * OAuth clients (src/oauth/clients.ts). A confidential client has a secret, stored as its SHA-256 (it is 256 random
 * bits, so no slow hash is needed); a public client (a SPA, a mobile app) has none and must
 * use PKCE. Redirect URIs match exactly.
 */
export const oauthClients = pgTable(
  'oauth_clients',
  {
    clientId: text('client_id').primaryKey(),
    secretHash: text('secret_hash'),
    name: text('name').notNull(),
    grantTypes: text('grant_types').array().notNull(),
    scopes: text('scopes').array().notNull(),
    redirectUris: text('redirect_uris')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    audience: text('audience')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    accessTokenTtl: integer('access_token_ttl'),
    refreshTokenTtl: integer('refresh_token_ttl'),
    /**
     * The audiences this client serves as a resource server: it may introspect access tokens
     * whose `aud` names one of them (RFC 7662 §4). Empty: it introspects only its own tokens.
     */
    resourceAudiences: text('resource_audiences')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /**
     * A first-party (trusted) client's users are never asked for consent; a third-party
     * client's are, once per scope (oauth_consents). Clients registered before consent existed
     * were all treated as first-party, and the migration keeps them so.
     */
    firstParty: boolean('first_party').notNull().default(false),
    /** Shown on the hosted sign-in and consent pages (https). */
    logoUri: text('logo_uri'),
    /** OIDC RP-Initiated Logout 1.0 §3.1: where end-session may send the browser back to. */
    postLogoutRedirectUris: text('post_logout_redirect_uris')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** OIDC Back-Channel Logout 1.0 §2.2: where logout tokens are POSTed. */
    backchannelLogoutUri: text('backchannel_logout_uri'),
    ...timestamps,
  },
  (t) => [
    check(
      'oauth_clients_grant_types',
      sql`${t.grantTypes} <@ array['authorization_code', 'refresh_token', 'client_credentials']::text[]`,
    ),
    // A public client cannot authenticate, so it cannot act as itself.
    check(
      'oauth_clients_public_no_client_credentials',
      sql`${t.secretHash} is not null or not ('client_credentials' = any(${t.grantTypes}))`,
    ),
  ],
);

/**
 * Revoked access tokens that no session backs (client credentials): Redis's blacklist is the
 * fast copy, this table the durable one, replayed into Redis when Redis has lost its data
 * (src/oauth/revocations.ts). A row is purged by the hourly cron once the token it names
 * can no longer verify (`expires_at` + CLOCK_SKEW).
 */
export const revokedAccessTokens = pgTable(
  'revoked_access_tokens',
  {
    jti: text('jti').primaryKey(),
    /** The token's `exp`. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('revoked_access_tokens_expires_at').on(t.expiresAt)],
);

/**
 * What a user allowed a third-party client (src/oauth/consents.ts): the scopes granted, one row
 * per user and client. Asking for a scope outside `scopes` needs consent again; revoking the
 * row ends that client's sessions for the user. Gone with the user or the client.
 */
export const oauthConsents = pgTable(
  'oauth_consents',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: 'cascade' }),
    scopes: text('scopes').array().notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.clientId] }),
    index('oauth_consents_client').on(t.clientId),
  ],
);
