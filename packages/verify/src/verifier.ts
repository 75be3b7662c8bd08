// createVerifier: one object per issuer and audience, made once (module scope on Workers, so its
// caches live as long as the isolate), verifying edge-auth access tokens:
// - canonical compact JWS only, bounded in length (compact.ts);
// - RS256 only, with a key the issuer publishes (jwks.ts: cached as HTTP says, unknown `kid`
//   refetched at most once per cooldown);
// - RFC 9068: typ "at+jwt" (§4: "Resource servers MUST verify that the typ header value is
//   at+jwt"), `iss` the issuer, `aud` one of ours, `exp`/`nbf`/`iat` with leeway;
// - not revoked: the issuer's revocation feed, followed in the background (revocations.ts), or
//   introspection per request (mode 'introspect').
import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { AccessTokenClaims } from './claims.ts';
import { assertCanonicalCompact } from './compact.ts';
import { discoveryDocument, type IssuerMetadata } from './discovery.ts';
import { VerifyError } from './errors.ts';
import { type ClientCredentials, introspectActive } from './introspect.ts';
import { ALGORITHM, KeySet } from './jwks.ts';
import type { DocumentStore } from './persistence.ts';
import type {
  DocumentOptions,
  Fetch,
  FetchEvent,
  RemoteDocument,
  WaitUntil,
} from './remote-document.ts';
import { isListed, RevocationFollower } from './revocations.ts';

/** RFC 9068 §2.1. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface VerifierOptions {
  /** The issuer URL, exactly as in the tokens' `iss` (no trailing slash). */
  issuer: string;
  /** This service's audience(s): a token must name one of them in `aud` (RFC 7519 §4.1.3). */
  audience: string | string[];
  /**
   * How revocation is checked: 'feed' (default when the issuer publishes one: no round trip
   * per request, a revocation lands within seconds), 'introspect' (exact, one round trip per
   * request; needs `client`), or 'none'.
   */
  revocation?: 'feed' | 'introspect' | 'none';
  /** Client credentials for introspection. */
  client?: ClientCredentials;
  /** Leeway for exp, nbf and iat, in seconds (default 30, edge-auth's CLOCK_SKEW). */
  clockTolerance?: number;
  /** Longest token accepted, in characters (default 8192). */
  maxTokenLength?: number;
  /** Least time between two JWKS fetches caused by unknown key ids, in seconds (default 30). */
  unknownKidCooldown?: number;
  /** Per request to the issuer, in ms (default 5000). */
  timeout?: number;
  /** Where copies outlive the isolate: cacheApiStore() on Workers. */
  persist?: DocumentStore;
  fetch?: Fetch;
  /** ms since the epoch (tests). */
  now?: () => number;
  /** Told of every request made to the issuer. */
  onFetch?: (event: FetchEvent) => void;
}

export interface VerifyOptions {
  /** Keeps a background refresh alive after the response (Workers: ctx.waitUntil). */
  waitUntil?: WaitUntil;
}

export interface VerifierStats {
  discoveryFetches: number;
  jwksFetches: number;
  feedFetches: number;
  introspections: number;
}

export interface Verifier {
  readonly issuer: string;
  /** The token's claims, or a VerifyError with a stable `code`. */
  verify(token: string, options?: VerifyOptions): Promise<AccessTokenClaims>;
  /** Fetches what a first verification needs (discovery, keys, feed), e.g. at startup. */
  warm(options?: VerifyOptions): Promise<void>;
  /** Requests sent to the issuer so far. */
  stats(): VerifierStats;
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new Error(`createVerifier: "${name}" is required`);
  }
  return value;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = required(options.issuer, 'issuer');
  const audience = required(options.audience, 'audience');
  if (issuer.endsWith('/')) throw new Error('createVerifier: "issuer" must not end with a slash');
  const mode = options.revocation;
  if (mode === 'introspect' && !options.client) {
    throw new Error('createVerifier: revocation "introspect" needs "client" credentials');
  }
  const fetchImpl: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  const clockTolerance = options.clockTolerance ?? 30;
  const maxTokenLength = options.maxTokenLength ?? 8192;
  const timeoutMs = options.timeout ?? 5000;
  const cooldownMs = (options.unknownKidCooldown ?? 30) * 1000;
  const documentOptions: DocumentOptions = {
    fetch: fetchImpl,
    now,
    timeoutMs,
    persist: options.persist,
    onFetch: options.onFetch,
  };

  const discovery = discoveryDocument(issuer, documentOptions);
  let keys: KeySet | undefined;
  let feed: RevocationFollower | undefined;
  let introspections = 0;

  async function metadata(waitUntil?: WaitUntil): Promise<IssuerMetadata> {
    try {
      return await discovery.get(waitUntil);
    } catch (error) {
      throw new VerifyError(
        'discovery_unavailable',
        "The issuer's metadata could not be fetched.",
        {
          cause: error,
        },
      );
    }
  }

  // jwks_uri and revocation_feed_uri are read once: an issuer does not move its keys.
  async function keySet(waitUntil?: WaitUntil): Promise<KeySet> {
    if (keys) return keys;
    const { jwks_uri } = await metadata(waitUntil);
    return (keys ??= new KeySet(jwks_uri, documentOptions, cooldownMs));
  }

  async function follower(waitUntil?: WaitUntil): Promise<RevocationFollower | undefined> {
    if (feed || mode === 'none' || mode === 'introspect') return feed;
    const { revocation_feed_uri } = await metadata(waitUntil);
    if (!revocation_feed_uri) {
      if (mode === 'feed') {
        throw new VerifyError(
          'revocations_unavailable',
          'The issuer publishes no revocation feed.',
        );
      }
      return undefined;
    }
    return (feed ??= new RevocationFollower(revocation_feed_uri, issuer, documentOptions));
  }

  async function signed(token: string, waitUntil?: WaitUntil): Promise<AccessTokenClaims> {
    const set = await keySet(waitUntil);
    const at = now();
    try {
      const { payload } = await jwtVerify(
        token,
        async (header: JWTHeaderParameters) => {
          if (typeof header.kid !== 'string') {
            throw new VerifyError('kid_unknown', 'The token has no "kid".');
          }
          return set.key(header.kid, at, waitUntil);
        },
        {
          algorithms: [ALGORITHM],
          typ: ACCESS_TOKEN_TYP,
          issuer,
          audience,
          clockTolerance,
          currentDate: new Date(at),
          requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        },
      );
      // jose checks iat only against a maximum age; a token from the future is not yet valid.
      if ((payload.iat ?? 0) > at / 1000 + clockTolerance) {
        throw new VerifyError('token_not_yet_valid', 'The token was issued in the future.', {
          claim: 'iat',
        });
      }
      return claimsOf(payload);
    } catch (error) {
      throw asVerifyError(error);
    }
  }

  const client = options.client;

  async function verify(token: string, call: VerifyOptions = {}): Promise<AccessTokenClaims> {
    if (typeof token !== 'string') throw new VerifyError('token_missing', 'No token.');
    assertCanonicalCompact(token, maxTokenLength);
    const { waitUntil } = call;
    if (mode === 'introspect') {
      const claims = await signed(token, waitUntil);
      const { introspection_endpoint } = await metadata(waitUntil);
      if (!introspection_endpoint || !client) {
        throw new VerifyError(
          'introspection_unavailable',
          'The issuer has no introspection endpoint.',
        );
      }
      introspections++;
      const active = await introspectActive(
        fetchImpl,
        introspection_endpoint,
        client,
        token,
        timeoutMs,
      );
      if (!active) throw new VerifyError('token_inactive', 'The token is no longer active.');
      return claims;
    }
    // Cold: the signature check and the first feed fetch overlap. Warm: both are in memory.
    const [claims, revocations] = await Promise.all([
      signed(token, waitUntil),
      follower(waitUntil).then((f) => f?.index(waitUntil)),
    ]);
    if (revocations && isListed(revocations, claims)) {
      throw new VerifyError('token_revoked', 'The token has been revoked.');
    }
    return claims;
  }

  const count = (doc: RemoteDocument<unknown> | undefined) => doc?.fetches ?? 0;

  return {
    issuer,
    verify,
    async warm(warmOptions = {}) {
      const set = await keySet(warmOptions.waitUntil);
      await set.document.get(warmOptions.waitUntil);
      await (await follower(warmOptions.waitUntil))?.index(warmOptions.waitUntil);
    },
    stats: () => ({
      discoveryFetches: count(discovery),
      jwksFetches: count(keys?.document),
      feedFetches: count(feed?.document),
      introspections,
    }),
  };
}

function claimsOf(payload: JWTPayload): AccessTokenClaims {
  if (typeof payload.jti !== 'string' || typeof payload.sub !== 'string') {
    throw new VerifyError('claim_invalid', 'The token lacks "sub" or "jti".', { claim: 'jti' });
  }
  const roles = Array.isArray(payload.roles)
    ? payload.roles.filter((role): role is string => typeof role === 'string')
    : [];
  return {
    ...payload,
    iss: String(payload.iss),
    sub: payload.sub,
    aud: payload.aud ?? [],
    exp: Number(payload.exp),
    iat: Number(payload.iat),
    jti: payload.jti,
    scope: typeof payload.scope === 'string' ? payload.scope : '',
    roles,
  } as AccessTokenClaims;
}

function asVerifyError(error: unknown): unknown {
  if (error instanceof VerifyError) return error;
  if (error instanceof errors.JWTExpired) {
    return new VerifyError('token_expired', 'The token has expired.', { claim: 'exp' });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') {
      return new VerifyError('token_not_yet_valid', 'The token is not valid yet.', {
        claim: 'nbf',
      });
    }
    if (error.claim === 'typ') {
      return new VerifyError('typ_invalid', 'The token\'s "typ" is not "at+jwt" (RFC 9068 §4).');
    }
    return new VerifyError(
      'claim_invalid',
      `The token's "${error.claim}" claim is not acceptable.`,
      {
        claim: error.claim,
      },
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new VerifyError('alg_not_allowed', `Only ${ALGORITHM} is accepted.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new VerifyError('signature_invalid', 'The signature does not verify.');
  }
  if (error instanceof errors.JOSEError) {
    return new VerifyError('token_malformed', 'The token is malformed.', { cause: error });
  }
  return error;
}
