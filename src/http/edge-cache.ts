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
import { sha256Base64Url } from '../shared/base64url.ts';

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

const strongEtag = async (body: string): Promise<string> => `"${await sha256Base64Url(body)}"`;

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

interface EdgeCachedDocument {
  cacheUrl: string;
  policy: JwksCachePolicy;
  /** What the document is rendered from; a cached copy of another version is replaced. */
  version: string;
  build: () => Promise<unknown>;
}

/** A rendered document: what a response needs, and the version it was rendered from. */
interface Rendered {
  version: string;
  body: string;
  etag: string;
  cacheControl: string;
}

// Per isolate, per document URL: the copy this isolate last served. A warm isolate answers
// from it without asking the Cache API (a subrequest's worth of CPU, a third of a warm JWKS),
// under the same rule as a cached copy: only while its version is the caller's. Bounded: a
// deployment has a handful of documents; tests make many issuers.
const rendered = new Map<string, Rendered>();
const RENDERED_MAX = 64;

async function renderedCopy<E extends AppEnv>(
  c: Context<E>,
  doc: EdgeCachedDocument,
): Promise<Rendered> {
  const memo = rendered.get(doc.cacheUrl);
  if (memo?.version === doc.version) return memo;
  const key = edgeCacheKey(doc.cacheUrl);
  const cache = caches.default;
  const stored = await cache.match(key);
  let copy: Rendered;
  if (stored?.headers.get(SOURCE_VERSION_HEADER) === doc.version) {
    copy = {
      version: doc.version,
      body: await stored.text(),
      etag: stored.headers.get('ETag') ?? '',
      cacheControl: stored.headers.get('Cache-Control') ?? cacheControl(doc.policy),
    };
  } else {
    const body = JSON.stringify(await doc.build());
    copy = {
      version: doc.version,
      body,
      etag: await strongEtag(body),
      cacheControl: cacheControl(doc.policy),
    };
    if (doc.policy.edgeTtl > 0) {
      const entry = new Response(body, {
        headers: {
          'Content-Type': 'application/json',
          'Cache-Control': copy.cacheControl,
          ETag: copy.etag,
          [SOURCE_VERSION_HEADER]: doc.version,
        },
      });
      c.var.services.keepAlive(cache.put(key, entry));
    }
  }
  if (rendered.size >= RENDERED_MAX) rendered.clear();
  rendered.set(doc.cacheUrl, copy);
  return copy;
}

export async function serveEdgeCachedJson<E extends AppEnv>(
  c: Context<E>,
  doc: EdgeCachedDocument,
): Promise<Response> {
  const copy = await renderedCopy(c, doc);
  const headers: Record<string, string> = {
    'Cache-Control': copy.cacheControl,
    ETag: copy.etag,
    // Any origin may read public keys and metadata; no credentials are involved.
    'Access-Control-Allow-Origin': '*',
    // Public data any origin may load, even as a no-cors subresource.
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };
  if (c.req.method === 'GET' && matchesIfNoneMatch(c.req.header('If-None-Match'), copy.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(copy.body, {
    status: 200,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** After a rotation step: drop this location's copies so the next request rebuilds them. */
export async function purgeEdgeCache(urls: string[]): Promise<void> {
  for (const url of urls) rendered.delete(url);
  await Promise.all(urls.map((url) => caches.default.delete(edgeCacheKey(url))));
}
