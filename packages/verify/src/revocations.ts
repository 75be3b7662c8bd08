// Following edge-auth's revocation feed (`revocation_feed_uri` in its discovery document): the
// sessions, tokens and users revoked recently enough that their access tokens may still verify.
// The feed is an edge-cached document with a short max-age; the copy held is refreshed in the
// background while it is within stale-while-revalidate, so a verification costs no round trip,
// and a revocation reaches this verifier within max-age + stale-while-revalidate of the feed's
// build (10 s with edge-auth's defaults). Past that the copy is fetched before it is used; past
// stale-if-error (edge-auth down longer than any revoked token can live) verification fails
// closed with revocations_unavailable.
import { VerifyError } from './errors.ts';
import { RemoteDocument, type DocumentOptions, type WaitUntil } from './remote-document.ts';

/** The feed's document, as edge-auth publishes it (src/auth/revocation-feed.ts there). */
export interface RevocationFeed {
  iss: string;
  generated_at: number;
  window: number;
  sessions: string[];
  tokens: string[];
  users: { sub: string; revoked_at: number; keep_sid?: string }[];
}

export interface RevocationIndex {
  sessions: ReadonlySet<string>;
  tokens: ReadonlySet<string>;
  users: ReadonlyMap<string, { revokedAt: number; keepSid: string | undefined }[]>;
  generatedAt: number;
}

const strings = (value: unknown, name: string): string[] => {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`revocation feed: "${name}" is not a list of strings`);
  }
  return value;
};

export function parseFeed(issuer: string) {
  return (json: unknown): RevocationIndex => {
    const feed = json as Partial<RevocationFeed>;
    if (feed?.iss !== issuer) throw new Error('revocation feed: "iss" is not the issuer');
    const users = new Map<string, { revokedAt: number; keepSid: string | undefined }[]>();
    if (!Array.isArray(feed.users)) throw new Error('revocation feed: "users" is not a list');
    for (const entry of feed.users) {
      if (typeof entry?.sub !== 'string' || typeof entry.revoked_at !== 'number') continue;
      const list = users.get(entry.sub) ?? [];
      list.push({ revokedAt: entry.revoked_at, keepSid: entry.keep_sid });
      users.set(entry.sub, list);
    }
    return {
      sessions: new Set(strings(feed.sessions, 'sessions')),
      tokens: new Set(strings(feed.tokens, 'tokens')),
      users,
      generatedAt: Number(feed.generated_at ?? 0),
    };
  };
}

/** Whether the index lists the token: its session, its id, or its user before it was issued. */
export function isListed(
  index: RevocationIndex,
  claims: { sub?: unknown; sid?: unknown; jti?: unknown; iat?: unknown },
): boolean {
  if (typeof claims.sid === 'string' && index.sessions.has(claims.sid)) return true;
  if (typeof claims.jti === 'string' && index.tokens.has(claims.jti)) return true;
  if (typeof claims.sub !== 'string') return false;
  const sweeps = index.users.get(claims.sub);
  if (!sweeps) return false;
  const iat = typeof claims.iat === 'number' ? claims.iat : -Infinity;
  return sweeps.some((sweep) => iat <= sweep.revokedAt && claims.sid !== sweep.keepSid);
}

export class RevocationFollower {
  readonly document: RemoteDocument<RevocationIndex>;

  constructor(url: string, issuer: string, options: DocumentOptions) {
    this.document = new RemoteDocument(url, parseFeed(issuer), options);
  }

  async index(waitUntil?: WaitUntil): Promise<RevocationIndex> {
    try {
      return await this.document.get(waitUntil);
    } catch (error) {
      throw new VerifyError(
        'revocations_unavailable',
        'The revocation feed could not be fetched and the copy held is too old to trust.',
        { cause: error },
      );
    }
  }
}
