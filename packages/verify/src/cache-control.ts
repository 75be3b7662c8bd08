// What a response allows a cache to do with it: RFC 9111 §5.2.2 (max-age, no-store, no-cache),
// RFC 5861 (stale-while-revalidate, stale-if-error), and its age (RFC 9111 §4.2.3, `Age`).

export interface CachePolicy {
  /** Seconds the copy is fresh from when it was generated. */
  maxAge: number;
  /** Seconds past max-age it may be served while a refresh runs in the background. */
  staleWhileRevalidate: number;
  /** Seconds past max-age it may be served while the origin fails. */
  staleIfError: number;
}

const seconds = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
};

/** Parses Cache-Control; a response without it (or with no-store / no-cache) is stale at once. */
export function parseCacheControl(header: string | null): CachePolicy {
  const directives = new Map<string, string | undefined>();
  for (const part of (header ?? '').split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ''));
  }
  const uncacheable = directives.has('no-store') || directives.has('no-cache');
  return {
    maxAge: uncacheable ? 0 : (seconds(directives.get('max-age')) ?? 0),
    staleWhileRevalidate: seconds(directives.get('stale-while-revalidate')) ?? 0,
    staleIfError: seconds(directives.get('stale-if-error')) ?? 0,
  };
}

/** When the response was generated (ms), from when it arrived and its `Age` header. */
export function generatedAt(receivedAt: number, ageHeader: string | null): number {
  const age = seconds(ageHeader ?? undefined) ?? 0;
  return receivedAt - age * 1000;
}
