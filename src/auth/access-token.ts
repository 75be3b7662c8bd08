// Access tokens: RS256 JWTs in the RFC 9068 profile, signed with the isolate's cached key.
import { errors, jwtVerify, SignJWT, type JWTPayload, type JWTHeaderParameters } from 'jose';
import { AuthError } from '../shared/errors.ts';
import { compactJwsProblem } from '../shared/compact-jws.ts';
import { currentSigner, type KeyContext, verificationKey } from './keys/service.ts';

/** RFC 9068 §2.1: access tokens "MUST include" typ "at+jwt". */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  scope: string;
  roles: string[];
  /** First-party tokens always; an OAuth client's only with the `email` scope (token-pair.ts). */
  email?: string;
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

function assertCanonicalCompact(token: string): void {
  const problem = compactJwsProblem(token);
  if (problem === 'shape') {
    throw invalid(
      'The token is not a compact JWS of three unpadded base64url segments (RFC 7515 §7.1).',
    );
  }
  if (problem === 'signature') {
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
