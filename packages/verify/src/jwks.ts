// The issuer's signing keys (RFC 7517), cached as HTTP says (remote-document.ts). A token whose
// `kid` is not in the copy held may have been signed by a key published since: the set is
// fetched again, but at most once per cooldown, so a flood of tokens with made-up key ids
// costs the issuer one request per cooldown, not one per token. Keys are imported once per
// copy; only RSA signature keys for RS256 are kept (the algorithm is pinned, RFC 8725 §3.1).
import { importJWK, type JWK } from 'jose';
import { VerifyError } from './errors.ts';
import { RemoteDocument, type DocumentOptions, type WaitUntil } from './remote-document.ts';

/** The one algorithm edge-auth signs with. */
export const ALGORITHM = 'RS256';

export interface KeySetCopy {
  /** Public JWKs by kid, imported on first use. */
  readonly jwks: Map<string, JWK>;
  readonly imported: Map<string, Promise<CryptoKey>>;
}

function parseJwks(json: unknown): KeySetCopy {
  const keys = (json as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error('not a JWK Set: no "keys" array');
  const jwks = new Map<string, JWK>();
  for (const key of keys as JWK[]) {
    if (typeof key !== 'object' || key === null) continue;
    if (key.kty !== 'RSA' || typeof key.kid !== 'string') continue;
    if (key.alg !== undefined && key.alg !== ALGORITHM) continue;
    if (key.use !== undefined && key.use !== 'sig') continue;
    // Public members only: a private exponent has no business in a published set.
    const { kty, n, e, kid } = key;
    if (typeof n !== 'string' || typeof e !== 'string') continue;
    jwks.set(kid, { kty, n, e, kid, alg: ALGORITHM });
  }
  return { jwks, imported: new Map() };
}

export class KeySet {
  readonly document: RemoteDocument<KeySetCopy>;
  private lastForcedAt = -Infinity;
  private readonly cooldownMs: number;

  constructor(url: string, options: DocumentOptions, cooldownMs: number) {
    this.document = new RemoteDocument(url, parseJwks, options);
    this.cooldownMs = cooldownMs;
  }

  /** The verification key for `kid`, or kid_unknown. */
  async key(kid: string, now: number, waitUntil?: WaitUntil): Promise<CryptoKey> {
    let copy = await this.held(waitUntil);
    if (!copy.jwks.has(kid)) copy = await this.afterUnknownKid(now, copy);
    const jwk = copy.jwks.get(kid);
    if (!jwk) throw new VerifyError('kid_unknown', 'No published key has the token\'s "kid".');
    let imported = copy.imported.get(kid);
    if (!imported) {
      imported = importJWK(jwk, ALGORITHM) as Promise<CryptoKey>;
      copy.imported.set(kid, imported);
    }
    return imported;
  }

  private async held(waitUntil?: WaitUntil): Promise<KeySetCopy> {
    try {
      return await this.document.get(waitUntil);
    } catch (error) {
      throw new VerifyError('jwks_unavailable', 'The key set could not be fetched.', {
        cause: error,
      });
    }
  }

  private async afterUnknownKid(now: number, copy: KeySetCopy): Promise<KeySetCopy> {
    // A fetch already under way (another token's unknown kid, a background revalidation):
    // wait for it rather than start one.
    const running = this.document.fetching;
    if (running) return running.catch(() => copy);
    if (now - this.lastForcedAt < this.cooldownMs) return copy;
    this.lastForcedAt = now;
    try {
      const fresh = await this.document.refresh();
      return fresh.value;
    } catch {
      // The copy held still verifies the keys it has; this kid stays unknown.
      return copy;
    }
  }
}
