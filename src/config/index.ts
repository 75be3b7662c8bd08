// Configuration is parsed once per Worker env with zod. A missing or malformed variable
// fails the request with 500 server_misconfigured, and the log line names the variable.
import { z } from 'zod';
import { ConfigError } from '../shared/errors.ts';
import { type KeyRing, keyRing } from '../shared/key-ring.ts';
import { type AbuseBindings, abuseFields, type AbuseConfig, toAbuseConfig } from './abuse.ts';
import { type AuditBindings, auditFields, type AuditConfig, toAuditConfig } from './audit.ts';
import {
  type BrowserBindings,
  browserFields,
  type BrowserConfig,
  toBrowserConfig,
} from './browser.ts';
import { type EmailBindings, type EmailConfig, emailFields, toEmailConfig } from './email.ts';
import { DAY, duration, httpUrl, int, list } from './fields.ts';
import { type KeyEncryptionKeys, parseKekList } from './kek-list.ts';
import { DEFAULT_ROLE_SCOPES, parseRoleScopes, type RoleScopes } from './roles.ts';

/** The Worker's env as wrangler passes it: vars and secrets are strings. */
export interface Bindings extends AbuseBindings, BrowserBindings, AuditBindings, EmailBindings {
  DATABASE_URL?: string;
  NEON_FETCH_ENDPOINT?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  REDIS_KEY_PREFIX?: string;
  STORE_TIMEOUT?: string;
  ISSUER?: string;
  AUDIENCES?: string;
  ACCESS_TOKEN_TTL?: string;
  REFRESH_TOKEN_TTL?: string;
  SESSION_MAX_LIFETIME?: string;
  REFRESH_REUSE_GRACE?: string;
  CLOCK_SKEW?: string;
  ARGON2_MEMORY_KIB?: string;
  ARGON2_ITERATIONS?: string;
  ARGON2_PARALLELISM?: string;
  LOGIN_FAILURE_MIN_MS?: string;
  KEY_ENCRYPTION_KEY?: string;
  ROLE_SCOPES?: string;
  DEFAULT_ROLES?: string;
  SESSION_CAP?: string;
  SIGNING_KEY_BITS?: string;
  KEY_ROTATION_PERIOD?: string;
  KEY_PUBLISH_LEAD?: string;
  KEY_CACHE_TTL?: string;
  JWKS_MAX_AGE?: string;
  JWKS_STALE_WHILE_REVALIDATE?: string;
  JWKS_STALE_IF_ERROR?: string;
  JWKS_EDGE_TTL?: string;
}

const schema = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
    NEON_FETCH_ENDPOINT: httpUrl.optional(),
    UPSTASH_REDIS_REST_URL: httpUrl,
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[\w:.-]*$/)
      .default('ea:'),
    STORE_TIMEOUT: duration('5s', { min: 1, max: 60 }),
    ISSUER: httpUrl.refine((u) => !u.endsWith('/'), 'must not end with a slash'),
    AUDIENCES: list(''),
    // As short as 5 s so an end-to-end test can watch a token expire; 15 min in production.
    ACCESS_TOKEN_TTL: duration('15m', { min: 5, max: DAY }),
    REFRESH_TOKEN_TTL: duration('7d', { min: 300, max: 90 * DAY }),
    SESSION_MAX_LIFETIME: duration('30d', { min: 300, max: 365 * DAY }),
    REFRESH_REUSE_GRACE: duration('10s', { min: 0, max: 300 }),
    CLOCK_SKEW: duration('30s', { min: 0, max: 300 }),
    // OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1.
    ARGON2_MEMORY_KIB: int(19_456, { min: 8_192, max: 262_144 }),
    ARGON2_ITERATIONS: int(2, { min: 1, max: 10 }),
    ARGON2_PARALLELISM: int(1, { min: 1, max: 4 }),
    // Above the slowest failed login's work with a wide margin: a wrong password on an imported
    // bcrypt cost-12 account wrapped in argon2id costs ~400 ms on Workers, and up to ~900 ms on
    // a loaded machine (bench/login-timing.ts); see src/auth/failure-floor.ts. 0: no floor.
    LOGIN_FAILURE_MIN_MS: int(1000, { min: 0, max: 10_000 }),
    KEY_ENCRYPTION_KEY: z
      .string({ error: 'is required (generate one: npm run keys -- new-kek)' })
      .transform((raw, ctx) => {
        const parsed = parseKekList(raw);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),
    ROLE_SCOPES: z
      .string()
      .default(DEFAULT_ROLE_SCOPES)
      .transform((raw, ctx) => {
        const parsed = parseRoleScopes(raw);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),
    DEFAULT_ROLES: list('viewer'),
    SESSION_CAP: int(10, { min: 1, max: 1000 }),
    SIGNING_KEY_BITS: z.enum(['2048', '3072', '4096']).default('2048').transform(Number),
    KEY_ROTATION_PERIOD: duration('30d', { min: 3600, max: 365 * DAY }),
    KEY_PUBLISH_LEAD: duration('1d', { min: 60, max: 30 * DAY }),
    KEY_CACHE_TTL: duration('60s', { min: 1, max: 3600 }),
    JWKS_MAX_AGE: duration('5m', { min: 0, max: DAY }),
    JWKS_STALE_WHILE_REVALIDATE: duration('5m', { min: 0, max: DAY }),
    JWKS_STALE_IF_ERROR: duration('1h', { min: 0, max: 7 * DAY }),
    JWKS_EDGE_TTL: duration('5m', { min: 0, max: DAY }),
    ...abuseFields,
    ...browserFields,
    ...auditFields,
    ...emailFields,
  })
  .superRefine((env, ctx) => {
    // A consumer may hold a JWKS copy for the edge TTL, then its own max-age, then serve it
    // stale while revalidating or while we error, and jose's createRemoteJWKSet keeps one for
    // 10 minutes by default. A new key must be published longer than all of that before it
    // signs, or a consumer with an old copy would reject valid tokens.
    const longestJwksCache = jwksCacheLifetime(env);
    if (env.KEY_PUBLISH_LEAD <= longestJwksCache) {
      ctx.addIssue({
        code: 'custom',
        path: ['KEY_PUBLISH_LEAD'],
        message: `must exceed the longest JWKS cache lifetime (${longestJwksCache}s = JWKS_EDGE_TTL + JWKS_MAX_AGE + JWKS_STALE_WHILE_REVALIDATE + JWKS_STALE_IF_ERROR + 600s for jose), got ${env.KEY_PUBLISH_LEAD}s`,
      });
    }
    const unknownDefault = env.DEFAULT_ROLES.find((role) => !env.ROLE_SCOPES.has(role));
    if (unknownDefault) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEFAULT_ROLES'],
        message: `"${unknownDefault}" is not a role in ROLE_SCOPES`,
      });
    }
    if (env.KEY_ROTATION_PERIOD <= env.KEY_PUBLISH_LEAD + env.ACCESS_TOKEN_TTL + env.CLOCK_SKEW) {
      ctx.addIssue({
        code: 'custom',
        path: ['KEY_ROTATION_PERIOD'],
        message: 'must exceed KEY_PUBLISH_LEAD + ACCESS_TOKEN_TTL + CLOCK_SKEW',
      });
    }
    if (env.SESSION_MAX_LIFETIME < env.REFRESH_TOKEN_TTL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_MAX_LIFETIME'],
        message: 'must be at least REFRESH_TOKEN_TTL',
      });
    }
  });

/** jose's createRemoteJWKSet default cacheMaxAge: 10 minutes. */
export const JOSE_JWKS_CACHE_SECONDS = 600;

function jwksCacheLifetime(env: {
  JWKS_EDGE_TTL: number;
  JWKS_MAX_AGE: number;
  JWKS_STALE_WHILE_REVALIDATE: number;
  JWKS_STALE_IF_ERROR: number;
}): number {
  return (
    env.JWKS_EDGE_TTL +
    env.JWKS_MAX_AGE +
    env.JWKS_STALE_WHILE_REVALIDATE +
    env.JWKS_STALE_IF_ERROR +
    JOSE_JWKS_CACHE_SECONDS
  );
}

export interface KeyPolicy {
  /** First encrypts, all decrypt (signing keys at rest: src/auth/keys/key-material.ts). */
  keks: KeyEncryptionKeys;
  /** The same KEKs as MAC keys: the first signs, all verify (tokens, cookies, limiter keys). */
  ring: KeyRing;
  modulusBits: 2048 | 3072 | 4096;
  rotationPeriod: number;
  publishLead: number;
  /** How long an isolate trusts its in-memory copy of the key set. */
  cacheTtl: number;
  /** Longest a token signed by a key can still be accepted after the key stops signing. */
  tokenLifetime: number;
}

export interface JwksCachePolicy {
  maxAge: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  edgeTtl: number;
}

export interface Config {
  databaseUrl: string;
  neonFetchEndpoint: string | undefined;
  redis: { url: string; token: string; keyPrefix: string };
  /** Per round trip to a store, in milliseconds. */
  storeTimeoutMs: number;
  issuer: string;
  audiences: string[];
  /** All durations in seconds. */
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionMaxLifetime: number;
  refreshReuseGrace: number;
  clockSkew: number;
  argon2: Argon2Params;
  /** A failed login answers no earlier than this many ms after it began (timing equality). */
  loginFailureMinMs: number;
  /** Role -> the scopes it grants; the role set is configuration, not code. */
  roleScopes: RoleScopes;
  defaultRoles: string[];
  sessionCap: number;
  keys: KeyPolicy;
  jwks: JwksCachePolicy;
  abuse: AbuseConfig;
  browser: BrowserConfig;
  audit: AuditConfig;
  email: EmailConfig;
}

export interface Argon2Params {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

function toConfig(env: z.output<typeof schema>): Config {
  return {
    databaseUrl: env.DATABASE_URL,
    neonFetchEndpoint: env.NEON_FETCH_ENDPOINT,
    redis: {
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      keyPrefix: env.REDIS_KEY_PREFIX,
    },
    storeTimeoutMs: env.STORE_TIMEOUT * 1000,
    issuer: env.ISSUER,
    audiences: env.AUDIENCES.length > 0 ? env.AUDIENCES : [env.ISSUER],
    accessTokenTtl: env.ACCESS_TOKEN_TTL,
    refreshTokenTtl: env.REFRESH_TOKEN_TTL,
    sessionMaxLifetime: env.SESSION_MAX_LIFETIME,
    refreshReuseGrace: env.REFRESH_REUSE_GRACE,
    clockSkew: env.CLOCK_SKEW,
    argon2: {
      memoryKib: env.ARGON2_MEMORY_KIB,
      iterations: env.ARGON2_ITERATIONS,
      parallelism: env.ARGON2_PARALLELISM,
    },
    loginFailureMinMs: env.LOGIN_FAILURE_MIN_MS,
    roleScopes: env.ROLE_SCOPES,
    defaultRoles: env.DEFAULT_ROLES,
    sessionCap: env.SESSION_CAP,
    keys: {
      keks: env.KEY_ENCRYPTION_KEY,
      ring: keyRing(env.KEY_ENCRYPTION_KEY),
      modulusBits: env.SIGNING_KEY_BITS as 2048 | 3072 | 4096,
      rotationPeriod: env.KEY_ROTATION_PERIOD,
      publishLead: env.KEY_PUBLISH_LEAD,
      cacheTtl: env.KEY_CACHE_TTL,
      tokenLifetime: env.ACCESS_TOKEN_TTL + env.CLOCK_SKEW,
    },
    jwks: {
      maxAge: env.JWKS_MAX_AGE,
      staleWhileRevalidate: env.JWKS_STALE_WHILE_REVALIDATE,
      staleIfError: env.JWKS_STALE_IF_ERROR,
      edgeTtl: env.JWKS_EDGE_TTL,
    },
    abuse: toAbuseConfig(env),
    browser: toBrowserConfig(env),
    audit: toAuditConfig(env),
    email: toEmailConfig(env),
  };
}

// The env object is stable for an isolate's lifetime, so parse it once per object.
const parsed = new WeakMap<object, Config>();

export function loadConfig(env: Bindings): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'env'),
        problem: issue.message,
      })),
    );
  }
  const config = toConfig(result.data);
  parsed.set(env, config);
  return config;
}
