// Sessions and refresh tokens, in the domain's words. Redis holds them (src/store/sessions.ts);
// every operation here is one round trip.

export interface SessionClaims {
  sid: string;
  uid: string;
  email: string;
  roles: string[];
  scope: string;
  /**
   * The OAuth client the session was granted to (authorization code flow); absent for the
   * first-party API. Its refresh token only rotates through that client (RFC 6749 §6).
   */
  clientId?: string | undefined;
}

export interface NewSession extends SessionClaims {
  createdAt: Date;
  /** Absolute end of the session, however often it is refreshed. */
  absoluteExpiry: Date;
  ip: string;
  userAgent: string;
}

export interface SessionInfo {
  sid: string;
  createdAt: Date;
  lastUsedAt: Date;
  ip: string;
  userAgent: string;
}

export type Rotation =
  | {
      kind: 'rotated';
      session: SessionClaims;
      refreshTtlSeconds: number;
      /** The key-set version read in the same round trip (see observeKeySetVersion). */
      keySetVersion: string | null;
    }
  | { kind: 'reused'; uid: string; sid: string }
  | { kind: 'invalid' };

export interface SessionStore {
  /**
   * Records the session and its first refresh token; returns sessions evicted by the cap and
   * the key-set version read in the same round trip (see observeKeySetVersion).
   */
  create(
    session: NewSession,
    refreshHash: string,
    ttlSeconds: number,
    cap: number,
  ): Promise<{ evicted: string[]; keySetVersion: string | null }>;
  /** Refuses (invalid, nothing rotated) a token of a session bound to another client. */
  rotate(
    oldHash: string,
    newHash: string,
    now: Date,
    graceSeconds: number,
    ttlSeconds: number,
    clientId: string | undefined,
  ): Promise<Rotation>;
  /**
   * Blacklists the access token until `exp` and ends its session; false (and no change) when
   * the token was already blacklisted or its session already gone.
   */
  logout(
    sid: string,
    jti: string,
    exp: number,
    presentedRefreshHash: string | undefined,
  ): Promise<boolean>;
  /** Whether the access token is blacklisted and its session alive: one round trip. */
  check(sid: string, jti: string): Promise<{ blacklisted: boolean; sessionAlive: boolean }>;
  revoke(sids: string[]): Promise<number>;
  /** A live refresh token's session, for introspection; one round trip. */
  inspectRefresh(refreshHash: string): Promise<(SessionClaims & { expiresAt: Date }) | undefined>;
  /** Blacklists an access token until `exp` (unix seconds); one round trip. */
  blacklist(jti: string, exp: number): Promise<void>;
  /** The claims of a live session (hosted pages' sign-in cookie names one); one round trip. */
  read(sid: string): Promise<SessionClaims | undefined>;
}
