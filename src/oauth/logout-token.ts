// Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4): what the provider POSTs to a
// relying party's backchannel_logout_uri when a session of the user at that party ends. Signed
// RS256 with the current key (kid in the header), like the ID token the party already verifies.
import { SignJWT } from 'jose';
import { currentSigner, type KeyContext } from '../auth/keys/service.ts';

/**
 * §2.4: "the use of the explicit typing value `logout+jwt` is RECOMMENDED" (RFC 8725 §3.11), so
 * that a logout token can never be accepted as an ID token or an access token (and
 * readIdTokenHint refuses it as a hint).
 */
export const LOGOUT_TOKEN_TYP = 'logout+jwt';

/** §2.4 `events`: "a JSON object that MUST contain the member name" below, an empty object. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * Seconds a logout token is valid. §2.4 says only `exp` is REQUIRED; a receiver acts at once,
 * and our retries (src/oauth/backchannel-logout.ts) re-sign each attempt, so two minutes covers
 * clock skew and nothing more.
 */
export const LOGOUT_TOKEN_TTL = 120;

export interface LogoutTokenInput {
  issuer: string;
  /** The relying party: `aud`. */
  clientId: string;
  /** The user: the same `sub` as in the party's ID tokens. */
  subject: string;
  /** The ended browser session: the ID token's `sid` (absent on sessions that had none). */
  sid?: string | undefined;
}

export async function signLogoutToken(
  keys: KeyContext,
  input: LogoutTokenInput,
  now: Date,
): Promise<string> {
  const signer = await currentSigner(keys, now);
  const iat = Math.floor(now.getTime() / 1000);
  // §2.4: iss, aud, iat, exp, jti, events REQUIRED; sub and/or sid; "A nonce Claim MUST NOT be
  // present", so that a logout token cannot be replayed as an ID token.
  return new SignJWT({
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...(input.sid ? { sid: input.sid } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: LOGOUT_TOKEN_TYP })
    .setIssuer(input.issuer)
    .setSubject(input.subject)
    .setAudience(input.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LOGOUT_TOKEN_TTL)
    .setJti(crypto.randomUUID())
    .sign(signer.key);
}
