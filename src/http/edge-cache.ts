// Public, cacheable JSON (JWKS, discovery) served through the Workers Cache API: a warm edge
// answers from its cache with no store round trip at all. Strong ETag over the exact body, and
// 304 for a matching If-None-Match (RFC 9110 §13.1.2).
//
// A cached copy is served only while it was rendered from the same source version as the
// caller has now (for the JWKS: the isolate's key set, at most KEY_CACHE_TTL old). The Cache
// API keeps an entry for s-maxage + stale-if-error and, under wrangler dev, across restarts
// (.wrangler/state): without this check an emergency rotation kept the revoked key published
// for as long as the entry lived.
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';
import type { JwksCachePolicy } from '../config/index.ts';

export function cacheControl(policy: JwksCachePolicy): string {
  return [
    'public',
    `max-age=${policy.maxAge}`,
    // Our own edge copy lives this long; the Cache API honours s-maxage over max-age.
    `s-maxage=${policy.edgeTtl}`,
    `stale-while-revalidate=${policy.staleWhileRevalidate}`,
    `stale-if-error=${policy.staleIfError}`,
  ].join(', ');
}

async function strongEtag(body: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)),
  );
  const b64 = btoa(String.fromCharCode(...digest))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return `"${b64}"`;
}

/** RFC 9110 §13.1.2: If-None-Match is a list of entity tags, or "*". */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .includes(etag);
}

/** The source version a cached copy was rendered from (internal: stripped from responses). */
export const SOURCE_VERSION_HEADER = 'X-Edge-Auth-Source-Version';

/** The one cache key per document, whatever host or query string the request came with. */
export const edgeCacheKey = (url: string) => new Request(url, { method: 'GET' });

export async function serveEdgeCachedJson<E extends AppEnv>(
  c: Context<E>,
  options: {
    cacheUrl: string;
    policy: JwksCachePolicy;
    /** What the document is rendered from; a cached copy of another version is replaced. */
    version: string;
    build: () => Promise<unknown>;
  },
): Promise<Response> {
  const key = edgeCacheKey(options.cacheUrl);
  const cache = caches.default;
  let stored = await cache.match(key);
  if (stored?.headers.get(SOURCE_VERSION_HEADER) !== options.version) {
    const body = JSON.stringify(await options.build());
    stored = new Response(body, {
      headers: {
        'Content-Type': 'application/json',
        'Cache-Control': cacheControl(options.policy),
        ETag: await strongEtag(body),
        [SOURCE_VERSION_HEADER]: options.version,
      },
    });
    if (options.policy.edgeTtl > 0) c.var.services.keepAlive(cache.put(key, stored.clone()));
  }
  const etag = stored.headers.get('ETag') ?? '';
  const headers = new Headers(stored.headers);
  headers.delete(SOURCE_VERSION_HEADER);
  // Any origin may read public keys and metadata; no credentials are involved.
  headers.set('Access-Control-Allow-Origin', '*');
  // Public data any origin may load, even as a no-cors subresource.
  headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
  if (c.req.method === 'GET' && matchesIfNoneMatch(c.req.header('If-None-Match'), etag)) {
    headers.delete('Content-Type');
    headers.delete('Content-Length');
    return new Response(null, { status: 304, headers });
  }
  return new Response(stored.body, { status: 200, headers });
}

/** After a rotation step: drop this location's copies so the next request rebuilds them. */
export async function purgeEdgeCache(urls: string[]): Promise<void> {
  await Promise.all(urls.map((url) => caches.default.delete(edgeCacheKey(url))));
}
