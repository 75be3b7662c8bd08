// One error type with a stable code, as jose does (src/util/errors.ts there): a caller switches
// on `error.code`, never on a message. Messages never contain the token (they end up in logs).

/** Why a token was refused: the request is answered 401 (RFC 6750 §3.1 invalid_token). */
export type TokenErrorCode =
  /** No token, or not a Bearer one. */
  | 'token_missing'
  /** Longer than `maxTokenLength`: refused before any parsing. */
  | 'token_too_large'
  /** Not a JWS Compact Serialization of three canonical base64url segments (RFC 7515 §7.1). */
  | 'token_malformed'
  /** `alg` is not one the issuer signs with (RS256): `none`, HS256, ... */
  | 'alg_not_allowed'
  /** `typ` is not `at+jwt` (RFC 9068 §4). */
  | 'typ_invalid'
  /** No published key has the token's `kid` (after at most one refetch per cooldown). */
  | 'kid_unknown'
  | 'signature_invalid'
  | 'token_expired'
  /** `nbf` or `iat` lies in the future beyond the leeway. */
  | 'token_not_yet_valid'
  /** `iss`, `aud`, or a required claim missing or wrong: see `claim`. */
  | 'claim_invalid'
  /** Listed in the issuer's revocation feed. */
  | 'token_revoked'
  /** Introspection (RFC 7662) said `active: false`. */
  | 'token_inactive';

/** The verifier could not decide: the request is answered 503, never let through. */
export type UnavailableErrorCode =
  | 'discovery_unavailable'
  | 'jwks_unavailable'
  | 'revocations_unavailable'
  | 'introspection_unavailable'
  | 'client_credentials_failed';

/** What a middleware refuses after the token verified: 403 (RFC 6750 §3.1). */
export type ForbiddenErrorCode = 'insufficient_scope' | 'insufficient_role';

export type VerifyErrorCode = TokenErrorCode | UnavailableErrorCode | ForbiddenErrorCode;

const UNAVAILABLE = new Set<VerifyErrorCode>([
  'discovery_unavailable',
  'jwks_unavailable',
  'revocations_unavailable',
  'introspection_unavailable',
  'client_credentials_failed',
]);

export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  readonly code: VerifyErrorCode;
  /** For claim_invalid: which claim. */
  readonly claim: string | undefined;

  constructor(
    code: VerifyErrorCode,
    message: string,
    options?: { claim?: string; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.claim = options?.claim;
  }

  /** The HTTP status a resource server answers with. */
  get status(): 401 | 403 | 503 {
    if (UNAVAILABLE.has(this.code)) return 503;
    if (this.code === 'insufficient_scope' || this.code === 'insufficient_role') return 403;
    return 401;
  }
}

export const isVerifyError = (error: unknown): error is VerifyError => error instanceof VerifyError;
