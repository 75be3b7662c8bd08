// One JSON document fetched over HTTP and cached the way its response says (RFC 9111, RFC 5861):
// fresh for max-age; then served while ONE background refresh runs, for stale-while-revalidate;
// then fetched before use, but served stale for stale-if-error when the origin fails.
// Revalidation is conditional (If-None-Match; a 304 renews the copy it holds, RFC 9111 §4.3.4).
// Concurrent callers share one in-flight fetch. The JWKS, the discovery document and the
// revocation feed are each one of these.
import { type CachePolicy, generatedAt, parseCacheControl } from './cache-control.ts';
import type { DocumentStore } from './persistence.ts';

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Keeps background work alive past the response (Workers: ctx.waitUntil). */
export type WaitUntil = (promise: Promise<unknown>) => void;

export interface DocumentOptions {
  fetch: Fetch;
  /** ms since the epoch. */
  now: () => number;
  /** Per fetch, ms. */
  timeoutMs: number;
  persist?: DocumentStore | undefined;
  /** Told of each request sent and how it ended. */
  onFetch?: ((event: FetchEvent) => void) | undefined;
}

export interface FetchEvent {
  url: string;
  outcome: 'modified' | 'not_modified' | 'failed';
}

interface Copy<T> {
  value: T;
  body: string;
  etag: string | undefined;
  generatedAt: number;
  cacheControl: string;
  policy: CachePolicy;
}

/** A failed fetch, with whether the origin's answer allows stale-if-error (RFC 5861 §4). */
export class FetchFailed extends Error {
  override readonly name = 'FetchFailed';
}

export class RemoteDocument<T> {
  private copy: Copy<T> | undefined;
  private inflight: Promise<Copy<T>> | undefined;
  private restoring: Promise<Copy<T> | undefined> | undefined;
  /** Requests sent (200 or 304 or failed). */
  fetches = 0;

  readonly url: string;
  private readonly parse: (json: unknown) => T;
  private readonly options: DocumentOptions;

  constructor(url: string, parse: (json: unknown) => T, options: DocumentOptions) {
    this.url = url;
    this.parse = parse;
    this.options = options;
  }

  /** The value as HTTP allows it now; fetches only when it must. */
  async get(waitUntil?: WaitUntil): Promise<T> {
    const copy = this.copy ?? (await this.restore());
    if (!copy) return (await this.refresh()).value;
    const age = this.options.now() - copy.generatedAt;
    const { maxAge, staleWhileRevalidate, staleIfError } = copy.policy;
    if (age < maxAge * 1000) return copy.value;
    if (age < (maxAge + staleWhileRevalidate) * 1000) {
      const background = this.refresh().catch(() => undefined);
      waitUntil?.(background);
      return copy.value;
    }
    try {
      return (await this.refresh()).value;
    } catch (error) {
      if (age < (maxAge + staleIfError) * 1000) return copy.value;
      throw error;
    }
  }

  /** The copy held, fresh or not, without fetching. */
  peek(): T | undefined {
    return this.copy?.value;
  }

  /** Whether a fetch is under way (a caller may wait for it rather than start another). */
  get fetching(): Promise<T> | undefined {
    return this.inflight?.then((copy) => copy.value);
  }

  /** Fetches now (conditionally), sharing a fetch already under way. */
  refresh(): Promise<Copy<T>> {
    this.inflight ??= this.fetchOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchOnce(): Promise<Copy<T>> {
    const { fetch, now, timeoutMs, onFetch } = this.options;
    const held = this.copy;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (held?.etag) headers['If-None-Match'] = held.etag;
    this.fetches++;
    let response: Response;
    let body: string | undefined;
    try {
      response = await fetch(this.url, {
        headers,
        redirect: 'manual', // Workers has no 'error'; a 3xx is not ok and fails below
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read here, in the fetch's own context: only plain data crosses to other callers (on
      // Workers a body stream belongs to the request that opened it).
      if (response.status !== 304) body = await response.text();
    } catch (error) {
      onFetch?.({ url: this.url, outcome: 'failed' });
      throw new FetchFailed(`GET ${this.url} failed`, { cause: error });
    }
    const received = now();
    if (response.status === 304 && held) {
      // RFC 9111 §4.3.4: the stored response is updated with the 304's fields and is fresh again.
      const cacheControl = response.headers.get('Cache-Control') ?? held.cacheControl;
      const renewed: Copy<T> = {
        ...held,
        etag: response.headers.get('ETag') ?? held.etag,
        generatedAt: generatedAt(received, response.headers.get('Age')),
        cacheControl,
        policy: parseCacheControl(cacheControl),
      };
      onFetch?.({ url: this.url, outcome: 'not_modified' });
      this.store(renewed);
      return renewed;
    }
    if (!response.ok || body === undefined) {
      onFetch?.({ url: this.url, outcome: 'failed' });
      throw new FetchFailed(`GET ${this.url} answered ${response.status}`);
    }
    let value: T;
    try {
      value = this.parse(JSON.parse(body));
    } catch (error) {
      onFetch?.({ url: this.url, outcome: 'failed' });
      throw new FetchFailed(`GET ${this.url}: not a valid document`, { cause: error });
    }
    const cacheControl = response.headers.get('Cache-Control') ?? '';
    const fresh: Copy<T> = {
      value,
      body,
      etag: response.headers.get('ETag') ?? undefined,
      generatedAt: generatedAt(received, response.headers.get('Age')),
      cacheControl,
      policy: parseCacheControl(cacheControl),
    };
    onFetch?.({ url: this.url, outcome: 'modified' });
    this.store(fresh);
    return fresh;
  }

  private store(copy: Copy<T>) {
    this.copy = copy;
    const { persist } = this.options;
    if (!persist) return;
    const { maxAge, staleIfError, staleWhileRevalidate } = copy.policy;
    const keep = maxAge + Math.max(staleIfError, staleWhileRevalidate);
    if (keep <= 0) return;
    const { body, etag, generatedAt: at, cacheControl } = copy;
    persist.put(this.url, { body, etag, generatedAt: at, cacheControl }, keep).catch(() => {});
  }

  /** Once per instance, shared by concurrent callers: a copy another isolate persisted. */
  private restore(): Promise<Copy<T> | undefined> {
    if (!this.options.persist) return Promise.resolve(undefined);
    return (this.restoring ??= this.readPersisted(this.options.persist));
  }

  private async readPersisted(persist: DocumentStore): Promise<Copy<T> | undefined> {
    try {
      const stored = await persist.get(this.url);
      if (!stored || this.copy) return this.copy;
      this.copy = {
        value: this.parse(JSON.parse(stored.body)),
        body: stored.body,
        etag: stored.etag,
        generatedAt: stored.generatedAt,
        cacheControl: stored.cacheControl,
        policy: parseCacheControl(stored.cacheControl),
      };
      return this.copy;
    } catch {
      return undefined;
    }
  }
}
