// The back-channel logout POST over fetch (the port: src/oauth/backchannel-logout.ts). Lives
// beside the mail adapters: both are this service's outbound HTTP to parties it does not run.
import type { LogoutTokenPoster, PostOutcome } from '../oauth/backchannel-logout.ts';

/** OIDC Back-Channel Logout 1.0 §2.5: the token as a form field, by POST, nothing else. */
export function fetchLogoutTokenPoster(timeoutMs: number): LogoutTokenPoster {
  return {
    async post(uri, logoutToken): Promise<PostOutcome> {
      let response: Response;
      try {
        response = await fetch(uri, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ logout_token: logoutToken }).toString(),
          // A redirect is the receiver's answer, never followed: the token goes to the
          // registered URI only.
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        return { kind: 'failed', reason: timedOut ? 'timeout' : 'unreachable' };
      }
      // Release the connection; the body says nothing we act on (§2.8).
      await response.body?.cancel().catch(() => {});
      return { kind: 'answered', status: response.status };
    },
  };
}
