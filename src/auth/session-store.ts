// Sessions and refresh tokens, in the domain's words. Redis holds them (src/store/session-store.ts);
// every operation here is one round trip. Every session belongs to one user, and its keys are
// found from the user id and the session id together (a refresh token and an access token
// both name them), so each call takes both.

/**
 * How and when the user proved who they are, kept with every session so an ID token can say
 * so however often the session is refreshed (OIDC Core 1.0 §2 `auth_time`, `amr`; §12.2: a
 * refreshed ID token's auth_time is still the original authentication's).
 */
export interface Authentication {
  /** Seconds since the epoch of the user's actual authentication (not of the session). */
  time: number;
  /** RFC 8176 authentication method references, e.g. ['pwd']. */
  methods: string[];
  /**
   * The browser (hosted-pages) session the authentication happened in, for a session an OAuth
   * client was granted from it: the ID token's `sid`, which RP-initiated and back-channel
   * logout name. Absent on the browser session itself (its own sid is that) and first-party.
   */
  ssoSid?: string | undefined;
}

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
  /** Absent only on sessions created before it was recorded. */
  auth?: Authentication | undefined;
}

export interface NewSession extends SessionClaims {
  createdAt: Date;
  /** Absolute end of the session, however often it is refreshed. */
  absoluteExpiry: Date;
  ip: string;
  userAgent: string;
  /**
   * The user's security epoch as the login read it from SQL (users.security_epoch). Creation
   * is refused if a security-relevant change has raised the user's epoch past it since.
   */
  epoch: number;
}

export interface SessionInfo {
  sid: string;
  createdAt: Date;
  lastUsedAt: Date;
  ip: string;
  userAgent: string;
}

/** The per-session refresh limit, counted inside the rotation (null: off). */
export interface RefreshLimit {
  limit: number;
  windowSeconds: number;
}

export interface RotationRequest {
  uid: string;
  sid: string;
  presentedHash: string;
  successorHash: string;
  now: Date;
  graceSeconds: number;
  ttlSeconds: number;
  /** The presenting OAuth client; undefined for the first-party API. */
  clientId: string | undefined;
  /** A narrower scope asked for (RFC 6749 §6); undefined to keep the granted one. */
  scope: string[] | undefined;
  limit: RefreshLimit | null;
}

export type Rotation =
  | { kind: 'rotated'; session: SessionClaims; refreshTtlSeconds: number }
  | { kind: 'reused'; uid: string; sid: string }
  | { kind: 'invalid' }
  /** The scope asked for is wider than the session's grant; nothing changed. */
  | { kind: 'invalid_scope' }
  /** Over the per-session limit; nothing changed. `reset` is when the next refresh passes. */
  | { kind: 'limited'; limit: number; reset: Date };

/** The current key-set version (src/auth/keys), read in the same round trip. */
export interface WithKeySetVersion<T> {
  value: T;
  keySetVersion: string | null;
}

/** Who an access token belongs to: its `sub`, `sid` (absent for service tokens) and `jti`. */
/**
 * A session-bound access token: its `sub`, `sid` and `jti`. Sessionless tokens (client
 * credentials) are revoked through src/oauth/revocations.ts, never here.
 */
export interface AccessTokenRef {
  sub: string;
  sid: string;
  jti: string;
}

export interface SessionStore {
  /**
   * Records the session and its first refresh token's hash (for a hosted-page session, which
   * has none, a value no hash equals); returns the sessions evicted by the cap, or 'stale'
   * (nothing created) when the user's epoch is past `session.epoch`, or 'ended' (nothing
   * created) when `session.auth.ssoSid` names a browser session that is no longer alive.
   */
  create(
    session: NewSession,
    refreshHash: string,
    ttlSeconds: number,
    cap: number,
  ): Promise<WithKeySetVersion<string[] | 'stale' | 'ended'>>;
  /**
   * Reuse detection, scope check, refresh limit and rotation in one atomic step. Refuses
   * (invalid, nothing changed) a token of a session bound to another client.
   */
  rotate(request: RotationRequest): Promise<WithKeySetVersion<Rotation>>;
  /**
   * Blacklists the access token until `until` (unix seconds) and ends its session; false (and
   * no change) when the token was already blacklisted or its session already gone.
   */
  logout(token: AccessTokenRef, until: number): Promise<boolean>;
  /**
   * Whether the access token is blacklisted and its session alive, with the key-set version
   * read in the same round trip (a verifier re-checks the signature when it changed).
   */
  check(
    token: AccessTokenRef,
  ): Promise<{ blacklisted: boolean; sessionAlive: boolean; keySetVersion: string | null }>;
  /** Ends sessions of one user; returns how many were alive. */
  revoke(uid: string, sids: string[]): Promise<number>;
  /** A live refresh token's session, for introspection; one round trip. */
  inspectRefresh(
    uid: string,
    sid: string,
    refreshHash: string,
  ): Promise<(SessionClaims & { expiresAt: Date }) | undefined>;
  /**
   * RFC 7009: the session's live refresh token, or the one it replaced, ends the session.
   * 'foreign' (nothing changed) when the session belongs to another client.
   */
  revokeRefresh(
    uid: string,
    sid: string,
    refreshHash: string,
    clientId: string | undefined,
  ): Promise<'revoked' | 'foreign' | 'none'>;
  /** Blacklists an access token until `until` (unix seconds, in the future); one round trip. */
  blacklist(token: AccessTokenRef, until: number): Promise<void>;
  /**
   * The claims of a live session (hosted pages' sign-in cookie names one) and the security
   * epoch they were last written under; one round trip.
   */
  read(uid: string, sid: string): Promise<(SessionClaims & { epoch: number }) | undefined>;
}
