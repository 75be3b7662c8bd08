// ID tokens (OpenID Connect Core 1.0 §2, §3.1.3.6): what a relying party learns about the
// user's authentication, signed RS256 with the current key (kid in the header), for the client
// alone (`aud` = its client_id). Shaped so no resource server can mistake one for an access
// token: `typ` is "JWT", never RFC 9068's "at+jwt", which every access-token check demands.
import { compactVerify, SignJWT } from 'jose';
import type { Authentication } from '../auth/session-store.ts';
import { currentSigner, type KeyContext, verificationKey } from '../auth/keys/service.ts';
import { toBase64Url } from '../shared/base64url.ts';
import { compactJwsProblem } from '../shared/compact-jws.ts';

export const ID_TOKEN_TYP = 'JWT';

/**
 * The Authentication Context Class this service asserts: ISO/IEC 29115 level 1, a single
 * factor (OIDC Core §2 `acr`). Discovery's `acr_values_supported` lists it.
 */
export const ACR_SINGLE_FACTOR = '1';

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  /** The user id: `sub`, the same value as in the access token and userinfo. */
  subject: string;
  auth: Authentication;
  /** Seconds the token is valid: never past the access token's TTL (its key's lifetime). */
  ttl: number;
  /** §3.1.2.1: echoed when the authorization request had one; never on a refresh (§12.2). */
  nonce?: string | undefined;
  /** The access token issued alongside, for `at_hash` (§3.1.3.6). */
  accessToken?: string | undefined;
  /** The claims the granted scopes release (src/oauth/claims.ts). */
  claims?: Record<string, unknown> | undefined;
}

/**
 * §3.1.3.6: at_hash is "the base64url encoding of the left-most half of the hash of the octets
 * of the ASCII representation of the access_token value", the hash being the one of the JOSE
 * header's alg (SHA-256 for RS256).
 */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)),
  );
  return toBase64Url(digest.subarray(0, digest.length / 2));
}

export async function signIdToken(
  keys: KeyContext,
  input: IdTokenInput,
  now: Date,
): Promise<string> {
  const signer = await currentSigner(keys, now);
  const iat = Math.floor(now.getTime() / 1000);
  const payload: Record<string, unknown> = {
    ...input.claims,
    auth_time: input.auth.time,
    amr: input.auth.methods,
    acr: ACR_SINGLE_FACTOR,
    ...(input.auth.ssoSid ? { sid: input.auth.ssoSid } : {}),
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(input.accessToken ? { at_hash: await accessTokenHash(input.accessToken) } : {}),
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: ID_TOKEN_TYP })
    .setIssuer(input.issuer)
    .setSubject(input.subject)
    .setAudience(input.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + input.ttl)
    .sign(signer.key);
}

/** What an `id_token_hint` says, once it is known to be one of ours. */
export interface IdTokenHint {
  sub: string;
  /** The client(s) it was issued to. */
  aud: string[];
  /** The browser session it names (OIDC `sid`), when it had one. */
  sid: string | undefined;
  exp: number;
}

/**
 * An ID token presented back to us as a hint (the authorization request's `id_token_hint`,
 * OIDC Core §3.1.2.1; end-session's, RP-Initiated Logout 1.0 §2): undefined unless it is one
 * this issuer signed, with a key still published, in its one canonical spelling. Expiry is not
 * checked: RP-Initiated Logout §4 has the OP accept an expired hint ("the OP SHOULD accept ID
 * Tokens when the RP identified by the ID Token's aud claim ... has a current session or had a
 * recent session"), and at the authorization endpoint it only names a user.
 */
export async function readIdTokenHint(
  keys: KeyContext,
  issuer: string,
  token: string,
  now: Date,
): Promise<IdTokenHint | undefined> {
  if (token.length > 8192 || compactJwsProblem(token)) return undefined;
  let verified;
  try {
    verified = await compactVerify(
      token,
      async (header) => {
        if (header.alg !== 'RS256' || !header.kid) throw new Error('not ours');
        const key = await verificationKey(keys, header.kid, now);
        if (!key) throw new Error('unknown key');
        return key;
      },
      { algorithms: ['RS256'] },
    );
  } catch {
    return undefined;
  }
  // An access token (typ at+jwt) or a logout token is not an ID token, whoever signed it.
  if ((verified.protectedHeader.typ ?? ID_TOKEN_TYP) !== ID_TOKEN_TYP) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const aud = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (
    claims.iss !== issuer ||
    typeof claims.sub !== 'string' ||
    !Array.isArray(aud) ||
    !aud.every((a): a is string => typeof a === 'string') ||
    typeof claims.exp !== 'number' ||
    claims.auth_time === undefined
  ) {
    return undefined;
  }
  return {
    sub: claims.sub,
    aud,
    sid: typeof claims.sid === 'string' ? claims.sid : undefined,
    exp: claims.exp,
  };
}
