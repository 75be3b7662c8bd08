// GET /.well-known/revocations: the revocation feed (src/auth/revocation-feed.ts), edge-cached
// like the JWKS but for seconds, not minutes. A warm location answers from the Cache API with no
// store round trip; a cold or expired one reads the feed with one ZRANGEBYSCORE. Every copy
// carries `Age` (RFC 9111 §5.1), so a verifier ages it from when it was built, not from when
// it arrived, and its revocation delay stays bounded by max-age + stale-while-revalidate.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { buildRevocationFeed, feedWindowSeconds } from '../../auth/revocation-feed.ts';
import type { Config, JwksCachePolicy } from '../../config/index.ts';
import { sha256Base64Url } from '../../shared/base64url.ts';
import { revocationFeedUrl } from '../../shared/revocation-feed-url.ts';
import type { AppEnv } from '../context.ts';
import { cacheControl, edgeCacheKey } from '../edge-cache.ts';

/**
 * Seconds. max-age + stale-while-revalidate is a verifier's worst revocation delay while
 * requests flow (10 s, inside the 15 s target); the edge rebuilds at most every FEED_EDGE_TTL.
 * stale-if-error: while edge-auth is down nothing new can be revoked, so the last copy stays
 * right for as long as any token it could name might still verify.
 */
export function feedCachePolicy(config: Config): JwksCachePolicy {
  return {
    maxAge: 5,
    edgeTtl: 5,
    staleWhileRevalidate: 5,
    staleIfError: feedWindowSeconds(config),
  };
}

const BUILT_AT = 'X-Edge-Auth-Built-At';

interface Copy {
  body: string;
  etag: string;
  /** ms since the epoch. */
  builtAt: number;
}

// Per isolate: the copy this isolate last built or found, answered while younger than the
// edge TTL without asking the Cache API. Bounded: a deployment has one issuer; tests make many.
const latest = new Map<string, Copy>();
const LATEST_MAX = 64;
const remember = (url: string, copy: Copy) => {
  if (latest.size >= LATEST_MAX && !latest.has(url)) latest.clear();
  latest.set(url, copy);
};

/** The ETag covers the lists, not generated_at: an unchanged feed answers 304. */
async function render(c: Context<AppEnv>, now: Date): Promise<Copy> {
  const { config, services } = c.var;
  const doc = await buildRevocationFeed(services.revocationFeed, config, now);
  const { generated_at: _, ...content } = doc;
  return {
    body: JSON.stringify(doc),
    etag: `"${await sha256Base64Url(JSON.stringify(content))}"`,
    builtAt: now.getTime(),
  };
}

async function currentCopy(c: Context<AppEnv>, now: Date): Promise<Copy> {
  const { config, services } = c.var;
  const url = revocationFeedUrl(config.issuer);
  const policy = feedCachePolicy(config);
  const fresh = (copy: Copy | undefined) =>
    copy !== undefined && now.getTime() - copy.builtAt < policy.edgeTtl * 1000;
  const memo = latest.get(url);
  if (fresh(memo)) return memo!;
  const key = edgeCacheKey(url);
  const stored = await caches.default.match(key);
  const cached: Copy | undefined = stored
    ? {
        body: await stored.text(),
        etag: stored.headers.get('ETag') ?? '',
        builtAt: Number(stored.headers.get(BUILT_AT) ?? 0),
      }
    : undefined;
  if (cached && fresh(cached)) {
    remember(url, cached);
    return cached;
  }
  let copy: Copy;
  try {
    copy = await render(c, now);
  } catch (error) {
    // RFC 5861 §4 stale-if-error, at the edge: Redis down, the last copy (its Age says how old).
    const stale = [memo, cached]
      .filter((x) => x !== undefined)
      .sort((a, b) => b.builtAt - a.builtAt)[0];
    if (stale) return stale;
    throw error;
  }
  remember(url, copy);
  // Kept past its edge TTL for as long as stale-if-error allows; freshness is judged from
  // BUILT_AT above, not by the Cache API's expiry.
  const entry = new Response(copy.body, {
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': `public, s-maxage=${policy.edgeTtl + policy.staleIfError}`,
      ETag: copy.etag,
      [BUILT_AT]: String(copy.builtAt),
    },
  });
  services.keepAlive(caches.default.put(key, entry));
  return copy;
}

const feedRoute = createRoute({
  method: 'get',
  path: '/.well-known/revocations',
  tags: ['Keys'],
  summary: 'Revocation feed for offline verifiers',
  description:
    'Sessions, tokens and users revoked within ACCESS_TOKEN_TTL + CLOCK_SKEW. Edge-cached for seconds; supports If-None-Match. packages/verify follows it in the background.',
  responses: {
    200: {
      description: 'The feed.',
      headers: {
        'Cache-Control': { schema: { type: 'string' as const } },
        ETag: { schema: { type: 'string' as const } },
        Age: { schema: { type: 'string' as const } },
      },
      content: {
        'application/json': {
          schema: z
            .object({
              iss: z.string(),
              generated_at: z.number().int(),
              window: z.number().int(),
              sessions: z.array(z.string()),
              tokens: z.array(z.string()),
              users: z.array(
                z.object({
                  sub: z.string(),
                  revoked_at: z.number().int(),
                  keep_sid: z.string().optional(),
                }),
              ),
            })
            .openapi('RevocationFeed'),
        },
      },
    },
    304: { description: 'The copy the client holds (If-None-Match) is current.' },
  },
});

export const revocationFeedRoutes = new OpenAPIHono<AppEnv>().openapi(feedRoute, async (c) => {
  const now = new Date();
  const copy = await currentCopy(c, now);
  const headers: Record<string, string> = {
    'Cache-Control': cacheControl(feedCachePolicy(c.var.config)),
    ETag: copy.etag,
    Age: String(Math.max(0, Math.floor((now.getTime() - copy.builtAt) / 1000))),
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };
  const ifNoneMatch = c.req.header('If-None-Match');
  if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === copy.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(copy.body, {
    status: 200,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
});
