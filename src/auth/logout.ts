// Logging out: the access token is blacklisted and its session ends, in one Redis round trip.
import type { Config } from '../config/index.ts';
import { AuthError } from '../shared/errors.ts';
import type { VerifiedAccessToken } from './access-token.ts';
import type { TokenDeps } from './token-pair.ts';

/**
 * When a revoked access token's blacklist entry may go: verifiers accept a token until
 * exp + CLOCK_SKEW, so the entry must last that long; and it must lie in the future, or Redis
 * would store nothing (a token revoked inside the skew window would live on).
 */
export const blacklistUntil = (config: Config, exp: number, now: Date): number =>
  Math.max(exp + config.clockSkew, Math.floor(now.getTime() / 1000) + 1);

/**
 * Blacklists the access token until verifiers stop accepting it and ends its session (the
 * refresh tokens die with it). The caller verified the token offline; the revocation check
 * happens here, in the same round trip. A refresh token sent along must name the same
 * session; it is otherwise ignored (the session ends either way).
 */
export async function endSession(
  deps: Pick<TokenDeps, 'config' | 'sessions'>,
  access: VerifiedAccessToken['payload'],
  now: Date,
): Promise<void> {
  const sid = typeof access.sid === 'string' ? access.sid : '';
  const ended = await deps.sessions.logout(
    { sub: access.sub ?? '', sid, jti: access.jti },
    blacklistUntil(deps.config, access.exp, now),
  );
  if (!ended) throw new AuthError('invalid_token', 'The session has already ended.');
}
