// A small issuer for the library's unit tests: it signs access tokens the way edge-auth does
// (RS256, typ at+jwt, iss/aud/iat/nbf/exp/jti/sid) and serves discovery, the JWKS and the
// revocation feed over a fetch function with the headers edge-auth sends (Cache-Control, ETag,
// 304, Age). The same library code runs against the real edge-auth worker in
// test/node/downstream-worker.test.ts; here the clock and the outages are the test's.
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export const ISSUER = 'https://auth.example';
export const AUDIENCE = 'https://api.example';
export const CLIENT = { clientId: 'api-service', clientSecret: 'a-secret' };
const CLIENT_AUTH = `Basic ${btoa('api-service:a-secret')}`;

export interface Clock {
  now: () => number;
  advance(seconds: number): void;
}

export function clock(start = Date.UTC(2026, 11, 2, 12)): Clock {
  let at = start;
  return {
    now: () => at,
    advance(seconds) {
      at += seconds * 1000;
    },
  };
}

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function newKey(kid: string = crypto.randomUUID()): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

export interface Feed {
  sessions: string[];
  tokens: string[];
  users: { sub: string; revoked_at: number; keep_sid?: string }[];
}

export interface TestIssuer {
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  clock: Clock;
  keys: Key[];
  feed: Feed;
  /** Requests per path. */
  hits: Map<string, number>;
  /** Down: every request fails as a network error would. */
  down: boolean;
  jwksCacheControl: string;
  feedCacheControl: string;
  /** Publish a revocation feed in discovery. */
  publishFeed: boolean;
  /** Token ids introspection calls inactive. */
  inactive: Set<string>;
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
}

export interface SignOptions {
  key?: Key;
  header?: Record<string, unknown>;
  /** Seconds. */
  ttl?: number;
}

const hash = async (text: string) => {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `"${btoa(String.fromCharCode(...new Uint8Array(digest))).slice(0, 22)}"`;
};

export async function testIssuer(options: { clock?: Clock } = {}): Promise<TestIssuer> {
  const issuer: TestIssuer = {
    clock: options.clock ?? clock(),
    keys: [await newKey('key-1')],
    feed: { sessions: [], tokens: [], users: [] },
    hits: new Map(),
    down: false,
    jwksCacheControl: 'public, max-age=300, stale-while-revalidate=300, stale-if-error=3600',
    feedCacheControl: 'public, max-age=5, stale-while-revalidate=5, stale-if-error=930',
    publishFeed: true,
    inactive: new Set(),
    async fetch(input, init) {
      const url = new URL(input);
      issuer.hits.set(url.pathname, (issuer.hits.get(url.pathname) ?? 0) + 1);
      if (issuer.down) throw new TypeError('fetch failed: connection refused');
      const send = async (body: unknown, cacheControl: string) => {
        const text = JSON.stringify(body);
        const etag = await hash(text);
        const headers = { 'Cache-Control': cacheControl, ETag: etag };
        if (new Headers(init?.headers).get('If-None-Match') === etag) {
          return new Response(null, { status: 304, headers });
        }
        return new Response(text, { headers: { ...headers, 'Content-Type': 'application/json' } });
      };
      switch (url.pathname) {
        case '/.well-known/openid-configuration':
          return send(
            {
              issuer: ISSUER,
              jwks_uri: `${ISSUER}/.well-known/jwks.json`,
              token_endpoint: `${ISSUER}/oauth/token`,
              introspection_endpoint: `${ISSUER}/oauth/introspect`,
              ...(issuer.publishFeed
                ? { revocation_feed_uri: `${ISSUER}/.well-known/revocations` }
                : {}),
            },
            'public, max-age=300, stale-if-error=3600',
          );
        case '/.well-known/jwks.json':
          return send({ keys: issuer.keys.map((k) => k.jwk) }, issuer.jwksCacheControl);
        case '/.well-known/revocations':
          return send(
            {
              iss: ISSUER,
              generated_at: Math.floor(issuer.clock.now() / 1000),
              window: 930,
              ...issuer.feed,
            },
            issuer.feedCacheControl,
          );
        case '/oauth/introspect': {
          // RFC 7662 with client_secret_basic; active unless its jti is in inactive.
          if (init?.headers && new Headers(init.headers).get('Authorization') !== CLIENT_AUTH) {
            return new Response('{"error":"invalid_client"}', { status: 401 });
          }
          const token = new URLSearchParams(String(init?.body)).get('token') ?? '';
          const { jti } = decodeJwt(token);
          return Response.json({ active: !issuer.inactive.has(String(jti)) });
        }
        default:
          return new Response('{"error":"not_found"}', { status: 404 });
      }
    },
    async sign(claims = {}, signOptions = {}) {
      const key = signOptions.key ?? issuer.keys[0]!;
      const iat = Math.floor(issuer.clock.now() / 1000);
      // Every claim can be overridden (or dropped with undefined) by the test.
      return new SignJWT({
        iss: ISSUER,
        aud: AUDIENCE,
        iat,
        nbf: iat,
        exp: iat + (signOptions.ttl ?? 900),
        jti: crypto.randomUUID(),
        sub: 'user-1',
        sid: crypto.randomUUID(),
        scope: 'read write',
        roles: ['viewer'],
        email: 'user@example.test',
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt', ...signOptions.header })
        .sign(key.privateKey);
    },
  };
  return issuer;
}
