// A user's sessions as a whole: what the session list, logout-all, password change/reset, the
// admin API and account deletion need. Each operation is a read of the user's index and one
// atomic script over every session it lists (src/store/user-session-sweeps.ts: two steps, so that
// the script declares every key it touches and runs on Redis Cluster).

import type { SessionInfo } from './session-store.ts';

export type { SessionInfo };

/**
 * The epoch that ends a user for good: passed to revokeAll when the account is deleted, it
 * ends every session and refuses every login that was in flight (their epoch is lower), for
 * as long as the epoch is kept (EPOCH_TTL_SECONDS, far longer than any login).
 */
export const DELETED_EPOCH = 2 ** 31;

/** How long a raised epoch is kept in Redis: longer than any login or authorization code. */
export const EPOCH_TTL_SECONDS = 86_400;

export interface RevokeAllOptions {
  /** A session to keep (a password change keeps the caller's). */
  keepSid?: string | undefined;
  /**
   * The user's new security epoch (users.security_epoch after the change), or DELETED_EPOCH:
   * raised in Redis in the same atomic step, so a login that read the user before the change
   * cannot create a session afterwards. Omit it for a plain "log out everywhere".
   */
  epoch?: number | undefined;
}

/** A session ended by an OIDC logout or a revoked consent: whom to tell (back-channel logout). */
export interface EndedSession {
  sid: string;
  /** The OAuth client it was granted to; undefined for a browser or first-party session. */
  clientId: string | undefined;
  /** The browser session it was granted from (the ID token's `sid`). */
  ssoSid: string | undefined;
}

export interface UserSessionStore {
  /** Live sessions, most recently used first. */
  list(uid: string): Promise<SessionInfo[]>;
  /** Revokes one session if it belongs to `uid`; false when it does not (or is gone). */
  revokeOwn(uid: string, sid: string): Promise<boolean>;
  /** Revokes every session of the user (but `keepSid`); returns how many ended. */
  revokeAll(uid: string, options?: RevokeAllOptions): Promise<number>;
  /**
   * Rewrites the roles and scope stored in every live session of the user, so the next
   * refresh signs them into the access token without reading Postgres, and raises the
   * user's epoch to `epoch` (the role change's) in the same step.
   */
  updateClaims(uid: string, roles: string[], scope: string, epoch: number): Promise<number>;
  /** Ends every session of the user granted to `clientId` (its consent was revoked), atomically. */
  endClientSessions(uid: string, clientId: string): Promise<EndedSession[]>;
  /**
   * Ends the browser session `sid` and every session an OAuth client was granted from it
   * (OIDC logout ends the user's sign-in at the provider), in one atomic step.
   */
  endBrowserSession(uid: string, sid: string): Promise<EndedSession[]>;
}
