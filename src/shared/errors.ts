// One error type for the whole service, with a stable machine code from one registry.
// Codes follow OAuth 2.0 where a standard one exists (RFC 6749 §5.2, RFC 6750 §3.1);
// src/http/error-response.ts is the one place that renders them (JSON, or the HTML error page).
//
// Each code has exactly one status. Where two protocols answer the same wire code with
// different statuses, they are two codes: the entry's `wire` is the `error` value rendered
// (the entry's key when absent). Internal failures (a broken invariant, a failed email send)
// have codes of their own for the log line and render as the wire's `server_error`.
// Every error the service throws is an AuthError; a plain Error appears only as the `cause`
// of one (src/shared/safe-cause.ts decides what of a cause may be logged).
import { safeCause } from './safe-cause.ts';

export const ERRORS = {
  invalid_request: {
    status: 400,
    description: 'The request is missing a parameter or is malformed.',
  },
  unsupported_media_type: { status: 415, description: 'Content-Type must be application/json.' },
  payload_too_large: { status: 413, description: 'The request body is too large.' },
  invalid_token: { status: 401, description: 'The access token is invalid.' },
  invalid_credentials: { status: 401, description: 'The email or password is incorrect.' },
  invalid_grant: {
    status: 401,
    description: 'The refresh token is invalid, expired or revoked.',
  },
  // RFC 6749 §5.2: at the OAuth token endpoint invalid_grant is a 400 (the core API: 401).
  token_invalid_grant: {
    status: 400,
    wire: 'invalid_grant',
    description: 'The refresh token is invalid, expired or revoked.',
  },
  refresh_token_reused: {
    status: 401,
    description: 'This refresh token was already used; the session has been revoked.',
  },
  account_disabled: { status: 403, description: 'This account is disabled.' },
  email_not_verified: {
    status: 403,
    description:
      'Confirm your email address first: follow the link we sent (or ask for a new one).',
  },
  invalid_one_time_token: {
    status: 400,
    description: 'The link is invalid, expired or already used; ask for a new one.',
  },
  current_password_incorrect: { status: 403, description: 'The current password is incorrect.' },
  // The admin API's answer to a chosen client_id that exists.
  client_id_taken: {
    status: 409,
    wire: 'invalid_request',
    description: 'A client with this id exists.',
  },
  email_already_registered: {
    status: 409,
    description: 'An account with this email already exists.',
  },
  password_invalid_unicode: {
    status: 400,
    description: 'The password is not well-formed Unicode (it holds an unpaired UTF-16 surrogate).',
  },
  password_too_short: { status: 400, description: 'The password must have at least 8 characters.' },
  password_too_long: { status: 400, description: 'The password must have at most 128 characters.' },
  password_too_common: {
    status: 400,
    description: 'This password is too common; choose another.',
  },
  // RFC 6749 §5.2 (token endpoint) and §4.1.2.1 (authorization endpoint).
  invalid_client: { status: 401, description: 'Client authentication failed.' },
  unauthorized_client: {
    status: 400,
    description: 'The client is not allowed to use this grant type or redirect URI.',
  },
  unsupported_grant_type: { status: 400, description: 'The grant type is not supported.' },
  invalid_scope: { status: 400, description: 'The requested scope is invalid or too wide.' },
  // RFC 6749 §4.1.2.1: errors about the client or the redirect URI at the authorization
  // endpoint are shown to the user, never redirected (src/http/routes/oauth-authorize.tsx).
  unknown_client: {
    status: 400,
    wire: 'invalid_request',
    description: 'The application that sent you here is not registered.',
  },
  unregistered_redirect_uri: {
    status: 400,
    wire: 'invalid_request',
    description: 'The application asked to return to an address it has not registered.',
  },
  // OIDC RP-Initiated Logout 1.0 §2-§3 (src/http/routes/end-session.tsx): shown on a page,
  // never redirected, like the authorization endpoint's errors about the client.
  invalid_id_token_hint: {
    status: 400,
    wire: 'invalid_request',
    description: 'The id_token_hint is not an ID token this provider issued.',
  },
  unregistered_post_logout_redirect_uri: {
    status: 400,
    wire: 'invalid_request',
    description:
      'The application asked to return to an address it has not registered for sign-out.',
  },
  unsupported_response_type: { status: 400, description: 'Only response_type=code is supported.' },
  // OIDC Core 1.0 §3.1.2.6: the authorization endpoint's own refusals, always redirected.
  login_required: {
    status: 400,
    description: 'The user must sign in, and prompt=none forbids showing the sign-in page.',
  },
  consent_required: {
    status: 400,
    description: 'The user must consent, and prompt=none forbids showing the consent page.',
  },
  interaction_required: {
    status: 400,
    description: 'The request needs the user, and prompt=none forbids showing a page.',
  },
  request_not_supported: {
    status: 400,
    description: 'Request objects (the request parameter) are not supported.',
  },
  request_uri_not_supported: {
    status: 400,
    description: 'The request_uri parameter is not supported.',
  },
  registration_not_supported: {
    status: 400,
    description: 'The registration parameter is not supported.',
  },
  access_denied: { status: 403, description: 'The request was denied.' },
  csrf_failed: {
    status: 403,
    description: 'CSRF check failed: send X-CSRF-Token from an allowed origin.',
  },
  insufficient_scope: { status: 403, description: 'The access token lacks the required scope.' },
  not_found: { status: 404, description: 'No such resource.' },
  method_not_allowed: { status: 405, description: 'Method not allowed on this resource.' },
  rate_limited: { status: 429, description: 'Too many requests; retry after Retry-After seconds.' },
  turnstile_failed: {
    status: 400,
    description: 'The Turnstile challenge was not passed; solve it again.',
  },
  server_misconfigured: { status: 500, description: 'The service is misconfigured.' },
  server_error: { status: 500, description: 'An unexpected error occurred.' },
  // A condition the code relies on did not hold (a bug, or a setup step missing): the message
  // is our own text and goes to the log line, never to the client.
  internal_invariant: {
    status: 500,
    wire: 'server_error',
    description: 'An unexpected error occurred.',
  },
  // The email provider did not take a message (src/email/mailer.ts EmailSendError); the outbox
  // logs and audits it, a request never waits for it.
  email_send_failed: {
    status: 500,
    wire: 'server_error',
    description: 'An unexpected error occurred.',
  },
  // `npm run keys -- rotate` changed SQL but could not tell the isolates (src/auth/keys).
  key_set_version_not_bumped: {
    status: 500,
    wire: 'server_error',
    description: 'An unexpected error occurred.',
  },
  temporarily_unavailable: {
    status: 503,
    description: 'A backing store is unreachable; try again shortly.',
  },
} as const satisfies Record<string, { status: number; description: string; wire?: string }>;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorStatus = (typeof ERRORS)[ErrorCode]['status'];

type Entry = (typeof ERRORS)[ErrorCode];
/** The `error` values the service renders: entry keys without a `wire`, and the wires. */
export type WireCode =
  | { [K in ErrorCode]: (typeof ERRORS)[K] extends { wire: string } ? never : K }[ErrorCode]
  | Extract<Entry, { wire: string }>['wire'];

/** The `error` value a code renders as. */
export const wireCode = (code: ErrorCode): WireCode => {
  const entry = ERRORS[code];
  return 'wire' in entry ? entry.wire : (code as WireCode);
};

/** Every wire code, once (the OpenAPI enum of `error`). */
export const WIRE_CODES = [...new Set((Object.keys(ERRORS) as ErrorCode[]).map(wireCode))] as [
  WireCode,
  ...WireCode[],
];

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  /** Extra response headers the error implies (WWW-Authenticate, Retry-After). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    description?: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(description ?? ERRORS[code].description, { cause: options?.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = options?.headers ?? {};
  }
}

/**
 * A backing store (Postgres, Redis) could not be reached or answered with a failure. The cause
 * is kept only as its facts (classes, SQLSTATE, constraint, HTTP status): a driver's message
 * holds the statement's parameters or the command's arguments (src/shared/safe-cause.ts).
 */
export class StoreUnavailableError extends AuthError {
  readonly store: 'db' | 'redis' | 'turnstile';
  constructor(store: 'db' | 'redis' | 'turnstile', cause: unknown) {
    super('temporarily_unavailable', undefined, { cause: safeCause(cause) });
    this.store = store;
  }
}

/**
 * A condition the code relies on did not hold: a bug or a missing setup step, never bad input.
 * The message is our own text (no input, no secret): the log line carries it.
 */
export class InvariantError extends AuthError {
  constructor(message: string) {
    super('internal_invariant', message);
  }
}

/** Configuration failed validation; `variables` names every offending variable. */
export class ConfigError extends AuthError {
  readonly variables: string[];
  constructor(issues: { variable: string; problem: string }[]) {
    super('server_misconfigured', undefined, {});
    this.variables = issues.map((i) => i.variable);
    this.message = `invalid configuration: ${issues.map((i) => `${i.variable}: ${i.problem}`).join('; ')}`;
  }
}
