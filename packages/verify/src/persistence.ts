// Where a verifier keeps its copies beyond its own memory, so a new isolate (Workers) or
// process starts warm: the JWKS it last fetched, with the validators and age to reuse it as
// HTTP allows. Optional; without it each isolate fetches once when it first verifies.

export interface StoredDocument {
  /** The JSON body as received. */
  body: string;
  etag: string | undefined;
  /** When it was generated (ms since the epoch). */
  generatedAt: number;
  /** The response's Cache-Control, as received. */
  cacheControl: string;
}

export interface DocumentStore {
  get(url: string): Promise<StoredDocument | undefined>;
  put(url: string, document: StoredDocument, keepSeconds: number): Promise<void>;
}

/** The slice of the Workers Cache API this uses. */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
}

// A key no real request can collide with: the document's URL, encoded under a reserved host.
const keyOf = (url: string) =>
  new Request(`https://edge-auth-verify.invalid/${encodeURIComponent(url)}`);

/**
 * The Workers Cache API as a DocumentStore (`caches.default` unless given another cache).
 * Entries expire when no rule of HTTP would let the copy be used any more.
 */
export function cacheApiStore(cache?: CacheLike): DocumentStore {
  const target = (): CacheLike => {
    if (cache) return cache;
    const global = globalThis as { caches?: { default?: CacheLike } };
    if (!global.caches?.default)
      throw new Error('cacheApiStore: no Cache API (caches.default) here');
    return global.caches.default;
  };
  return {
    async get(url) {
      const stored = await target().match(keyOf(url));
      if (!stored) return undefined;
      return {
        body: await stored.text(),
        etag: stored.headers.get('X-Etag') ?? undefined,
        generatedAt: Number(stored.headers.get('X-Generated-At') ?? 0),
        cacheControl: stored.headers.get('X-Cache-Control') ?? '',
      };
    },
    async put(url, document, keepSeconds) {
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Cache-Control': `public, max-age=${Math.max(1, Math.ceil(keepSeconds))}`,
        'X-Generated-At': String(document.generatedAt),
        'X-Cache-Control': document.cacheControl,
      };
      if (document.etag) headers['X-Etag'] = document.etag;
      await target().put(keyOf(url), new Response(document.body, { headers }));
    },
  };
}

/** A process-wide Map as a DocumentStore: for tests, or to share copies between verifiers. */
export function memoryStore(): DocumentStore {
  const entries = new Map<string, StoredDocument>();
  return {
    get: async (url) => entries.get(url),
    put: async (url, document) => void entries.set(url, document),
  };
}
