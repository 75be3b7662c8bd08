// Access tokens: RS256 JWTs in the RFC 9068 profile, signed with the isolate's cached key.
import { errors, jwtVerify, SignJWT, type JWTPayload, type JWTHeaderParameters } from 'jose';
import { AuthError } from '../shared/errors.ts';
import { isCanonicalBase64Url } from '../shared/base64url.ts';
import { currentSigner, type KeyContext, verificationKey } from './keys/service.ts';

/** RFC 9068 §2.1: access tokens "MUST include" typ "at+jwt". */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  scope: string;
  roles: string[];
  email: string;
  /** Extra claims (client_id for service tokens, ...). */
  [claim: string]: unknown;
}

/** A client's own token (client credentials grant): no user, no session. */
export interface ServiceTokenClaims {
  sub: string;
  client_id: string;
  scope: string;
}

export interface TokenSettings {
  issuer: string;
  audiences: string[];
  ttl: number;
  clockSkew: number;
}

export interface SignedAccessToken {
  token: string;
  jti: string;
  kid: string;
  /** Seconds since the epoch. */
  exp: number;
}

export async function signAccessToken(
  keys: KeyContext,
  settings: TokenSettings,
  claims: AccessTokenClaims | ServiceTokenClaims,
  now: Date,
): Promise<SignedAccessToken> {
  const signer = await currentSigner(keys, now);
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + settings.ttl;
  const jti = crypto.randomUUID();
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(settings.issuer)
    .setAudience(settings.audiences)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(signer.key);
  return { token, jti, kid: signer.kid, exp };
}

export interface VerifiedAccessToken {
  payload: JWTPayload & AccessTokenClaims & { jti: string; exp: number };
  header: JWTHeaderParameters;
}

// The HTTP layer adds the RFC 6750 challenge; descriptions never echo the token itself.
const invalid = (description: string) => new AuthError('invalid_token', description);

// RFC 7515 §7.1: the JWS Compact Serialization is BASE64URL(header) "." BASE64URL(payload) "."
// BASE64URL(signature), and §2 defines BASE64URL as base64url "with all trailing '=' characters
// omitted". Every other spelling of the same token (padding appended, or a last character whose
// unused low bits are not zero) decodes to the same bytes, so a lenient decoder would accept
// many strings for one token: a revocation list, a cache or a log keyed by the string would
// then see different tokens. Only the one canonical spelling is a token.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function assertCanonicalCompact(token: string): void {
  if (!COMPACT_JWS.test(token)) {
    throw invalid(
      'The token is not a compact JWS of three unpadded base64url segments (RFC 7515 §7.1).',
    );
  }
  // The header and payload are covered by the signature as the exact characters received, so
  // only the signature segment can be re-spelt without breaking it: it must re-encode to itself.
  const signature = token.slice(token.lastIndexOf('.') + 1);
  if (!isCanonicalBase64Url(signature)) {
    throw invalid("The token's signature is not canonical base64url (RFC 7515 §2).");
  }
}

/** Canonical compact form, signature by kid (published keys only), alg RS256 only, typ, iss, aud, exp/nbf/iat. */
export async function verifyAccessToken(
  keys: KeyContext,
  settings: Omit<TokenSettings, 'ttl' | 'audiences'> & {
    /** Undefined skips the audience check (introspection, userinfo: the issuer's own uses). */
    audiences: string[] | undefined;
  },
  token: string,
  now: Date,
): Promise<VerifiedAccessToken> {
  assertCanonicalCompact(token);
  try {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      async (header) => {
        if (!header.kid) throw invalid('The token has no key id.');
        const key = await verificationKey(keys, header.kid, now);
        if (!key) throw invalid('The token was signed by an unknown or withdrawn key.');
        return key;
      },
      {
        algorithms: ['RS256'],
        typ: ACCESS_TOKEN_TYP,
        issuer: settings.issuer,
        ...(settings.audiences === undefined ? {} : { audience: settings.audiences }),
        clockTolerance: settings.clockSkew,
        currentDate: now,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      },
    );
    if (payload.iat !== undefined && payload.iat > now.getTime() / 1000 + settings.clockSkew) {
      throw invalid('The token was issued in the future.');
    }
    return { payload: payload as VerifiedAccessToken['payload'], header: protectedHeader };
  } catch (error) {
    if (error instanceof AuthError) throw error;
    if (error instanceof errors.JWTExpired) throw invalid('The token has expired.');
    if (error instanceof errors.JWTClaimValidationFailed) {
      throw invalid(`The token's "${error.claim}" claim is not acceptable.`);
    }
    if (error instanceof errors.JOSEError)
      throw invalid('The token is malformed or its signature is invalid.');
    throw error;
  }
}
