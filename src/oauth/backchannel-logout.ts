// OpenID Connect Back-Channel Logout 1.0: when sessions of a user end (RP-initiated logout, a
// revoked consent), every relying party that registered a backchannel_logout_uri and held one
// of those sessions is told, server to server, with a logout token (src/oauth/logout-token.ts).
// Runs after the response (the caller hands it to `later`): a slow or dead receiver never holds
// up the user's logout, and the logout never waits on a third party (§2.5: "the OP ... SHOULD
// NOT" make the logout depend on the RP's answer). Each delivery is audited, never its token.
import type { AuditRecorder } from '../audit/events.ts';
import type { KeyContext } from '../auth/keys/service.ts';
import type { EndedSession } from '../auth/user-session-sweeps.ts';
import type { OAuthClientStore } from './clients.ts';
import { signLogoutToken } from './logout-token.ts';

/** What became of one POST: an HTTP answer, or none (no connection, no answer in time). */
export type PostOutcome =
  { kind: 'answered'; status: number } | { kind: 'failed'; reason: 'timeout' | 'unreachable' };

/**
 * The port: POST `logout_token=<token>` as application/x-www-form-urlencoded to `uri` (§2.5),
 * with a timeout, following no redirect (a 3xx is an answer, and a failure). The adapter is
 * src/mailers/backchannel-post.ts (fetch).
 */
export interface LogoutTokenPoster {
  post(uri: string, logoutToken: string): Promise<PostOutcome>;
}

export interface BackchannelDeps {
  issuer: string;
  keys: KeyContext;
  clients: Pick<OAuthClientStore, 'find'>;
  poster: LogoutTokenPoster;
  /** The trail of the work after the response (`later`), flushed when it ends. */
  audit: AuditRecorder;
  /** Waits between attempts; a test may pass one that does not wait. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * At most this many POSTs per receiver and session. Bounded, so a dead receiver costs a few
 * requests within the Worker's after-response time (waitUntil), never a queue that grows.
 */
export const BACKCHANNEL_ATTEMPTS = 3;
/** Before retry n (1-based): BACKOFF_MS * 2^(n-1): 250 ms, then 500 ms. */
export const BACKCHANNEL_BACKOFF_MS = 250;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Worth another attempt: no answer, or a server error (5xx: the receiver may be restarting).
 * A 4xx says the receiver refused this token (§2.8: 400 when "the logout request was invalid"),
 * and sending it again would be refused again; a 3xx is not followed (the registered URI is
 * the only place a logout token may go).
 */
const retryable = (outcome: PostOutcome) => outcome.kind === 'failed' || outcome.status >= 500;

/** One logout token per (client, browser session): a party with two sessions of one sign-in. */
function targetsOf(ended: EndedSession[]): { clientId: string; ssoSid: string | undefined }[] {
  const seen = new Map<string, { clientId: string; ssoSid: string | undefined }>();
  for (const session of ended) {
    if (!session.clientId) continue;
    seen.set(`${session.clientId} ${session.ssoSid ?? ''}`, {
      clientId: session.clientId,
      ssoSid: session.ssoSid,
    });
  }
  return [...seen.values()];
}

/**
 * Tells every affected relying party that `uid`'s sessions in `ended` are over. Never throws
 * for a receiver's failure (it is audited); each receiver is tried independently.
 */
export async function deliverBackchannelLogout(
  deps: BackchannelDeps,
  uid: string,
  ended: EndedSession[],
): Promise<void> {
  const targets = targetsOf(ended);
  if (targets.length === 0) return;
  const clients = new Map<string, Promise<string | null>>();
  const uriOf = (clientId: string) => {
    let uri = clients.get(clientId);
    if (!uri) {
      uri = deps.clients.find(clientId).then((client) => client?.backchannelLogoutUri ?? null);
      clients.set(clientId, uri);
    }
    return uri;
  };
  await Promise.all(
    targets.map(async ({ clientId, ssoSid }) => {
      const uri = await uriOf(clientId);
      if (!uri) return;
      await deliverOne(deps, uri, { clientId, subject: uid, sid: ssoSid });
    }),
  );
}

async function deliverOne(
  deps: BackchannelDeps,
  uri: string,
  target: { clientId: string; subject: string; sid: string | undefined },
): Promise<void> {
  const sleep = deps.sleep ?? wait;
  let outcome: PostOutcome = { kind: 'failed', reason: 'unreachable' };
  let attempts = 0;
  while (attempts < BACKCHANNEL_ATTEMPTS) {
    if (attempts > 0) await sleep(BACKCHANNEL_BACKOFF_MS * 2 ** (attempts - 1));
    attempts++;
    // Signed afresh per attempt: a fresh jti and iat, so a receiver that saw a token (and
    // answered 5xx after recording its jti) does not refuse the retry as a replay.
    const token = await signLogoutToken(
      deps.keys,
      { issuer: deps.issuer, clientId: target.clientId, subject: target.subject, sid: target.sid },
      new Date(),
    );
    outcome = await deps.poster.post(uri, token);
    if (!retryable(outcome)) break;
  }
  const status = outcome.kind === 'answered' ? outcome.status : null;
  const base = { userId: target.subject, sessionId: target.sid ?? null };
  if (status !== null && status >= 200 && status < 300) {
    deps.audit.record({
      type: 'backchannel_logout_delivered',
      ...base,
      details: { client_id: target.clientId, attempts, status },
    });
    return;
  }
  deps.audit.record({
    type: 'backchannel_logout_failed',
    ...base,
    details: {
      client_id: target.clientId,
      attempts,
      status,
      reason:
        outcome.kind === 'failed'
          ? outcome.reason
          : outcome.status >= 300 && outcome.status < 400
            ? 'redirected'
            : 'rejected',
    },
  });
}
