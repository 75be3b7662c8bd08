// OAuth clients: what one may do, the rules a registration follows, and its secret. No Hono,
// no SQL: src/store/oauth-clients.ts stores them, src/oauth/client-auth.ts authenticates them.
import { z } from 'zod';
import { sha256Base64Url, toBase64Url } from '../shared/base64url.ts';
import { timingSafeEqual } from '../shared/hmac-keys.ts';
import { SCOPE_TOKEN } from '../shared/scope-token.ts';
import type { Config } from '../config/index.ts';
import { AuthError } from '../shared/errors.ts';
import { IDENTITY_SCOPES } from './scopes.ts';

export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';
export const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
] as const satisfies readonly GrantType[];

export interface OAuthClient {
  clientId: string;
  name: string;
  type: 'confidential' | 'public';
  grantTypes: GrantType[];
  scopes: string[];
  redirectUris: string[];
  /** `aud` of the client's access tokens; empty means the service's AUDIENCES. */
  audience: string[];
  /**
   * The audiences the client serves as a resource server: besides its own tokens, it may
   * introspect access tokens whose `aud` names one of these (RFC 7662 §4).
   */
  resourceAudiences: string[];
  /** Seconds; null means the service's ACCESS_TOKEN_TTL / REFRESH_TOKEN_TTL. */
  accessTokenTtl: number | null;
  refreshTokenTtl: number | null;
  /** Trusted: its users are never asked for consent (src/oauth/consents.ts). */
  firstParty: boolean;
  /** An https image shown on the hosted pages; null: none. */
  logoUri: string | null;
  /** OIDC RP-Initiated Logout 1.0 §3.1: exact-match targets of end-session. */
  postLogoutRedirectUris: string[];
  /** OIDC Back-Channel Logout 1.0 §2.2: where logout tokens go; null: not notified. */
  backchannelLogoutUri: string | null;
  createdAt: Date;
}

/** A registration, as checked by parseNewClient. `public`: no secret (SPA, native app). */
export interface NewClient {
  clientId?: string | undefined;
  name: string;
  public: boolean;
  grantTypes: GrantType[];
  scopes: string[];
  redirectUris: string[];
  audience?: string[] | undefined;
  resourceAudiences?: string[] | undefined;
  accessTokenTtl?: number | null | undefined;
  refreshTokenTtl?: number | null | undefined;
  firstParty?: boolean | undefined;
  logoUri?: string | null | undefined;
  postLogoutRedirectUris?: string[] | undefined;
  backchannelLogoutUri?: string | null | undefined;
}

export interface OAuthClientStore {
  find(clientId: string): Promise<(OAuthClient & { secretHash: string | null }) | undefined>;
  list(): Promise<OAuthClient[]>;
  /** Throws ClientIdTakenError when a chosen id exists. The secret is returned once. */
  create(input: NewClient): Promise<{ client: OAuthClient; secret: string | null }>;
  /** The new secret; undefined when there is no such confidential client. */
  rotateSecret(clientId: string): Promise<string | undefined>;
  delete(clientId: string): Promise<boolean>;
}

export class ClientIdTakenError extends AuthError {
  readonly clientId: string;

  constructor(clientId: string) {
    super('client_id_taken', `A client with the id "${clientId}" exists.`);
    this.clientId = clientId;
  }
}

// ---- Secrets ----------------------------------------------------------------------------

const randomBase64Url = (bytes: number) =>
  toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));

export const generateClientId = () => `eac_${randomBase64Url(16)}`;
export const generateClientSecret = () => `eacs_${randomBase64Url(32)}`;

/**
 * base64url(SHA-256(secret)). A secret is 256 bits from the CSPRNG, not a password: no
 * dictionary or brute force gets near it, so a slow hash (argon2, bcrypt) would add only
 * latency to every token request; the digest just keeps a database read from yielding a
 * usable credential (the reasoning of RFC 6819 §5.1.4.1.3 for high-entropy secrets).
 */
export const hashClientSecret = (secret: string): Promise<string> => sha256Base64Url(secret);

/** Compared against when there is no stored hash, so every failure costs the same work. */
const NO_SECRET = toBase64Url(new Uint8Array(32));

/** Hashes `presented` whatever `storedHash` is; compares in constant time. */
export async function secretMatches(
  presented: string,
  storedHash: string | null | undefined,
): Promise<boolean> {
  const hash = await hashClientSecret(presented);
  const matches = timingSafeEqual(hash, storedHash ?? NO_SECRET);
  return matches && storedHash != null;
}

// ---- Registration rules -----------------------------------------------------------------

/** What a registration is checked against: the service's own configuration. */
export interface ClientPolicy {
  /** Scopes a client may be allowed. */
  scopes: ReadonlySet<string>;
  maxAccessTokenTtl: number;
  maxRefreshTokenTtl: number;
}

/**
 * A client may be allowed the scopes this service can grant at all: those of the roles
 * (ROLE_SCOPES) and the OpenID identity scopes, i.e. discovery's `scopes_supported`. An
 * override may shorten the access-token TTL, never lengthen it: a retired signing key stays in
 * the JWKS for ACCESS_TOKEN_TTL + CLOCK_SKEW, so a longer-lived token would outlive its key.
 * A refresh token cannot outlive its session (SESSION_MAX_LIFETIME) anyway.
 */
export function clientPolicy(
  config: Pick<Config, 'roleScopes' | 'accessTokenTtl' | 'sessionMaxLifetime'>,
): ClientPolicy {
  return {
    scopes: new Set([...[...config.roleScopes.values()].flat(), ...IDENTITY_SCOPES]),
    maxAccessTokenTtl: config.accessTokenTtl,
    maxRefreshTokenTtl: config.sessionMaxLifetime,
  };
}

/** Chosen ids: lower-case slugs; `eac_` is the generated ids' prefix. */
export const CLIENT_ID_SLUG = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why a redirect URI cannot be registered, or undefined when it can. */
export function redirectUriProblem(raw: string): string | undefined {
  if (/\s/.test(raw)) return 'must not contain whitespace';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // §3.1.2: "The redirection endpoint URI MUST be an absolute URI".
    return 'must be an absolute URL';
  }
  // §3.1.2: "The endpoint URI MUST NOT include a fragment component" (an empty "#" too).
  if (raw.includes('#')) return 'must not have a fragment';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  // RFC 8252 §7.3 and OAuth 2.1 §2.3.1: plain http only to the loopback interface, where
  // nothing crosses the network (native apps, local development).
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must be https (http only for localhost, 127.0.0.1 or [::1])';
}

// Redirect, post-logout, back-channel and logo URIs follow the same rules (redirectUriProblem):
// absolute, https (http only on loopback), no fragment, no credentials.
const uriField = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((uri, ctx) => {
      const problem = redirectUriProblem(uri);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

const AUDIENCE = z.string().min(1).max(255).regex(/^\S+$/, 'must not contain whitespace');

const ttl = (max: number, min: number) => z.number().int().min(min).max(max).nullable().optional();

/** The zod schema of a registration under `policy` (shape, then the rules across fields). */
export function newClientSchema(policy: ClientPolicy) {
  return z
    .object({
      clientId: z
        .string()
        .regex(CLIENT_ID_SLUG, 'must be 3-64 of a-z 0-9 . _ - starting with a letter or digit')
        .refine((id) => !id.startsWith('eac_'), 'the eac_ prefix is for generated ids')
        .optional(),
      name: z.string().trim().min(1).max(200),
      public: z.boolean(),
      grantTypes: z
        .array(z.enum(GRANT_TYPES))
        .min(1)
        .transform((list) => [...new Set(list)]),
      scopes: z
        .array(
          z
            .string()
            .regex(SCOPE_TOKEN, 'is not an RFC 6749 scope-token')
            .refine((scope) => policy.scopes.has(scope), {
              error: `is not a scope of this service (${[...policy.scopes].join(' ')})`,
            }),
        )
        .min(1)
        .max(64)
        .transform((list) => [...new Set(list)]),
      redirectUris: z
        .array(uriField(2000))
        .max(20)
        .transform((list) => [...new Set(list)]),
      // RFC 7519 §4.1.3: StringOrURI values; we take no whitespace.
      audience: z.array(AUDIENCE).max(10).optional(),
      resourceAudiences: z
        .array(AUDIENCE)
        .max(10)
        .transform((list) => [...new Set(list)])
        .optional(),
      accessTokenTtl: ttl(policy.maxAccessTokenTtl, 5),
      refreshTokenTtl: ttl(policy.maxRefreshTokenTtl, 300),
      firstParty: z.boolean().optional(),
      logoUri: uriField(2000).nullable().optional(),
      // RP-Initiated Logout 1.0 §3.1: registered like redirect URIs, matched exactly.
      postLogoutRedirectUris: z
        .array(uriField(2000))
        .max(20)
        .transform((list) => [...new Set(list)])
        .optional(),
      backchannelLogoutUri: uriField(2000).nullable().optional(),
    })
    .strict()
    .superRefine((client, ctx) => {
      const has = (grant: GrantType) => client.grantTypes.includes(grant);
      const issue = (path: keyof NewClient, message: string) =>
        ctx.addIssue({ code: 'custom', path: [path], message });
      // RFC 6749 §4.4: "The client credentials grant type MUST only be used by confidential
      // clients" — a public client has nothing to authenticate with.
      if (client.public && has('client_credentials')) {
        issue('grantTypes', 'a public client cannot use client_credentials');
      }
      // §3.1.2.2 (and OAuth 2.1): clients using the authorization endpoint register their
      // redirect URIs; a client without the code grant has no use for any.
      if (has('authorization_code') && client.redirectUris.length === 0) {
        issue('redirectUris', 'authorization_code needs at least one redirect URI');
      }
      if (!has('authorization_code') && client.redirectUris.length > 0) {
        issue('redirectUris', 'only a client with authorization_code has redirect URIs');
      }
      // Refresh tokens come only from the code grant (client credentials issue none).
      if (has('refresh_token') && !has('authorization_code')) {
        issue('grantTypes', 'refresh_token needs authorization_code');
      }
      // RFC 7662 §2.1: introspection needs client authentication, which a public client lacks.
      if (client.public && (client.resourceAudiences?.length ?? 0) > 0) {
        issue('resourceAudiences', 'a public client cannot be a resource server');
      }
      // Both logout kinds concern a user's sign-in at the client, which only the code flow has.
      if (!has('authorization_code') && (client.postLogoutRedirectUris?.length ?? 0) > 0) {
        issue('postLogoutRedirectUris', 'only a client with authorization_code signs users in');
      }
      if (!has('authorization_code') && client.backchannelLogoutUri != null) {
        issue('backchannelLogoutUri', 'only a client with authorization_code signs users in');
      }
      if (client.refreshTokenTtl != null && !has('refresh_token')) {
        issue('refreshTokenTtl', 'only a client with refresh_token has refresh tokens');
      }
    });
}

export type ClientFieldNames = Partial<Record<keyof NewClient, string>>;

/**
 * A registration checked against the policy, or the problems found, each naming the field
 * as the caller calls it (`redirect_uris[0]` in the API, `--redirect-uri` in the CLI).
 */
export function parseNewClient(
  input: unknown,
  policy: ClientPolicy,
  names: ClientFieldNames = {},
): { ok: true; client: NewClient } | { ok: false; problems: string[] } {
  const result = newClientSchema(policy).safeParse(input);
  if (result.success) return { ok: true, client: result.data };
  const problems = result.error.issues.map((issue) => {
    const [field, ...rest] = issue.path.map(String);
    if (field === undefined) return issue.message;
    const name = names[field as keyof NewClient] ?? field;
    const where = rest.length > 0 ? `${name}[${rest.join('.')}]` : name;
    return `${where}: ${issue.message}`;
  });
  return { ok: false, problems };
}
