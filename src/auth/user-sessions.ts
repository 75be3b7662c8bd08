// A user's sessions as a whole: what the session list, logout-all, password change/reset and
// the admin API need. Each operation is ONE round trip to Redis, however many sessions there
// are (src/store/user-sessions.ts runs each as one Lua script).

import type { SessionInfo } from './sessions.ts';

export type { SessionInfo };

export interface UserSessionStore {
  /** Live sessions, most recently used first. */
  list(uid: string): Promise<SessionInfo[]>;
  /** Revokes one session if it belongs to `uid`; false when it does not (or is gone). */
  revokeOwn(uid: string, sid: string): Promise<boolean>;
  /** Revokes every session of the user except `keepSid`; returns how many ended. */
  revokeAll(uid: string, keepSid?: string): Promise<number>;
  /**
   * Rewrites the roles and scope stored in every live session of the user, so the next
   * refresh signs them into the access token without reading Postgres.
   */
  updateClaims(uid: string, roles: string[], scope: string): Promise<number>;
}
