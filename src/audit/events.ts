// The audit log's vocabulary: every event type and the exact shape of its `details`. Details
// are typed per event so a secret (password, token, hash, key material) has nowhere to go: a
// caller cannot pass a field that is not declared here, and nothing declared here is secret.

/** Why a login failed. The response is the same 401 for the first two (no account probing). */
export type LoginFailureReason =
  'unknown_user' | 'bad_password' | 'disabled' | 'email_not_verified';

/**
 * What a mail is for (src/email/mailer.ts): logged and audited instead of the message, which
 * holds a token.
 */
export type EmailTag =
  | 'verify_email'
  | 'password_reset'
  | 'register_attempt'
  | 'password_changed'
  | 'email_change'
  | 'email_changed';

/**
 * Why a mail was lost (src/email/mailer.ts, EmailSendError):
 * - `rejected`: the provider answered with a non-2xx status (`status` holds it);
 * - `timeout`: no answer within EMAIL_TIMEOUT;
 * - `unreachable`: the request itself failed (DNS, connection refused, TLS);
 * - `not_configured`: no provider is configured (see src/config/email.ts).
 */
export type EmailFailureReason = 'rejected' | 'timeout' | 'unreachable' | 'not_configured';

/** Filters of an admin read, echoed into its own audit event. */
export interface AuditQueryFilters {
  user_id?: string | undefined;
  type?: string | undefined;
  since?: string | undefined;
}

type None = Record<string, never>;

export interface AuditDetails {
  register: None;
  login_success: None;
  login_failure: { reason: LoginFailureReason };
  // No `refresh`: a routine rotation is not an event worth a row (at one refresh per active
  // user every ACCESS_TOKEN_TTL it would be the service's largest SQL load); the session keeps
  // its last use. Rows written as `refresh` by earlier versions stay readable.
  /** The session is revoked in the same step; always audited. */
  refresh_reuse_detected: None;
  logout: None;
  logout_all: { sessions: number };
  password_change: { sessions_revoked: number };
  /** The user deleted their own account (password re-entered); `user_id` outlives the row. */
  account_deleted: { sessions_revoked: number };
  /** `account`: whether the address had an account (the response never says; the log may). */
  password_reset_requested: { account: boolean };
  password_reset: { sessions_revoked: number };
  email_verification_requested: { account: boolean; sent: boolean };
  email_verified: None;
  /** The user changed their display name (the name itself is not logged). */
  name_changed: None;
  /** An email change was asked (password re-checked). Neither address is logged. */
  email_change_requested: None;
  /** The mailed link was followed: the account moved to the new address; sessions ended. */
  email_changed: { sessions_revoked: number };
  session_revoked: { reason: string };
  key_rotated: {
    source: 'cron' | 'cli' | 'console';
    issuer: string;
    step: string;
    created_kid?: string | undefined;
    revoked_kid?: string | undefined;
    states_updated?: number | undefined;
  };
  /**
   * A limiter refused a request (`limiter`: which one, e.g. "login_ip"); the login backoff says
   * why (`backing_off`, or `attempts_in_flight`: parallel attempts used up the budget).
   */
  rate_limited: {
    limiter: string;
    retry_after: number;
    reason?: 'backing_off' | 'attempts_in_flight';
  };
  /** Per-account backoff after consecutive failures (credential stuffing). */
  login_throttled: { failures: number; retry_after: number };
  admin_audit_read: { filters: AuditQueryFilters; returned: number };
  /** OAuth: a replayed authorization code (what it produced is revoked). */
  authorization_code_reused: { client_id: string };
  /**
   * OIDC consent for a third-party client (src/oauth/consents.ts): `scopes` is the whole grant
   * now remembered; a revocation (`source`: the account page or the API) ends the client's
   * sessions for the user.
   */
  consent_granted: { client_id: string; scopes: string[] };
  consent_revoked: { client_id: string; sessions_revoked: number; source: 'page' | 'api' };
  /** OAuth: a client credentials token (the client acts as itself). */
  client_token_issued: { client_id: string; scope: string };
  /**
   * Redis had lost its data (its sentinel was gone): the revocations of sessionless access
   * tokens were replayed into it from SQL (src/oauth/revocations.ts).
   */
  revocations_restored: { restored: number };
  /** The admin users API (src/http/routes/admin-users.ts); `target` is the user acted on. */
  admin_users_listed: { search: boolean; returned: number };
  admin_user_read: { target: string };
  admin_user_created: { target: string; roles: string[]; source: 'api' | 'cli' | 'console' };
  admin_roles_set: {
    target: string;
    roles: string[];
    previous: string[];
    sessions_updated: number;
  };
  admin_user_disabled: { target: string; sessions_revoked: number };
  admin_user_enabled: { target: string };
  admin_sessions_revoked: { target: string; sessions_revoked: number };
  /** The user row is gone; this event (and every earlier one) keeps its id. */
  admin_user_deleted: {
    target: string;
    sessions_revoked: number;
    source: 'api' | 'cli' | 'console';
  };
  /** `npm run user -- wrap-legacy`: bare bcrypt hashes found and wrapped in argon2id. */
  admin_legacy_hashes_wrapped: { source: 'cli'; found: number; wrapped: number };
  /** One `npm run user -- import` run: its counts (target: the file's base name). */
  admin_users_imported: {
    action: 'import';
    target: string;
    source: 'cli';
    read: number;
    imported: number;
    skipped: number;
    invalid: number;
  };
  /**
   * OAuth clients (src/http/routes/admin-clients.ts, scripts/client.ts); `target` is the client id.
   * Never the secret: a creation or rotation records only that it happened.
   */
  admin_client_listed: { returned: number; source: 'api' | 'cli' | 'console' };
  admin_client_read: { target: string };
  admin_client_created: {
    target: string;
    client_type: 'confidential' | 'public';
    grant_types: string[];
    scopes: string[];
    redirect_uris: string[];
    audience: string[];
    resource_audiences: string[];
    source: 'api' | 'cli' | 'console';
  };
  admin_client_secret_rotated: { target: string; source: 'api' | 'cli' | 'console' };
  admin_client_deleted: { target: string; source: 'api' | 'cli' | 'console' };
  /**
   * OIDC RP-Initiated Logout (src/http/routes/end-session.tsx): the browser session and every
   * session a client was granted from it ended. `client_id`: the party that asked, if known;
   * `confirmed`: the user confirmed on our page (no matching id_token_hint).
   */
  oidc_logout: { client_id: string | null; sessions: number; confirmed: boolean };
  /**
   * OIDC Back-Channel Logout (src/oauth/backchannel-logout.ts): a logout token reached the
   * client's backchannel_logout_uri (2xx), or did not after `attempts` (`status`: the last
   * answer, null when none came). Never the token or the URI.
   */
  backchannel_logout_delivered: { client_id: string; attempts: number; status: number };
  backchannel_logout_failed: {
    client_id: string;
    attempts: number;
    status: number | null;
    reason: 'rejected' | 'redirected' | 'timeout' | 'unreachable';
  };
  /** A mail was lost (src/email/outbox.ts): what it was for and why, never its body or address. */
  email_send_failed: {
    tag: EmailTag;
    provider: string;
    status: number | null;
    reason: EmailFailureReason;
  };
}

/** Admin actions are `admin_*`; an unlisted one carries a free-form but non-secret summary. */
export type AdminEventType = `admin_${string}`;
export type AuditEventType = keyof AuditDetails | AdminEventType;

export type DetailsOf<T extends AuditEventType> = T extends keyof AuditDetails
  ? AuditDetails[T]
  : { action: string; target?: string | undefined };

/** What a caller records; details may be left out when the event declares none. */
export type AuditEvent<T extends AuditEventType = AuditEventType> = {
  type: T;
  userId?: string | null | undefined;
  sessionId?: string | null | undefined;
} & (None extends DetailsOf<T> ? { details?: DetailsOf<T> } : { details: DetailsOf<T> });

/** The one method the domain needs: src/auth takes this port, not the HTTP-side trail. */
export interface AuditRecorder {
  record<T extends AuditEventType>(event: AuditEvent<T>): void;
}

/** Detail keys that must never reach the log, whatever a future event declares. */
const SECRET_KEY = /pass|secret|token|hash|cookie|authorization|private|csrf/i;

/**
 * Defence in depth behind the types: drops any detail whose name looks like a secret (and
 * says so in the log), so a careless `as` cast cannot smuggle one in.
 */
export function scrubDetails(details: object | undefined): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details ?? {})) {
    if (value === undefined) continue;
    if (SECRET_KEY.test(key)) {
      console.error(JSON.stringify({ level: 'error', msg: 'audit detail dropped', key }));
      continue;
    }
    clean[key] = value;
  }
  return clean;
}
