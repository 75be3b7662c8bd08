// The one place an error becomes an HTTP response, with two faces:
// - JSON (the API): OAuth-style `{"error": wire code, "error_description": text}` (RFC 6749
//   §5.2) with the code's status from the registry (src/shared/errors.ts);
// - HTML (the hosted pages, /oauth/authorize): the error page, same status. A route that is a
//   page says so with htmlErrors(); every other route answers JSON.
// 5xx responses never carry internal detail: the log line (with the request id) does, and it
// holds only safe fields: the request id, the route PATTERN (never the URL, whose path or query
// may hold an address or a token), the error code and the facts of its cause (classes,
// SQLSTATE, constraint, HTTP status), never a driver's message (src/shared/safe-cause.ts).
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import {
  AuthError,
  ConfigError,
  ERRORS,
  type ErrorCode,
  StoreUnavailableError,
  type WireCode,
  wireCode,
} from '../shared/errors.ts';
import { failureFacts } from '../shared/safe-cause.ts';
import { ErrorPage } from './pages/layout.tsx';
import { noStore } from './cache-control.ts';

export const BEARER_REALM = 'edge-auth';

/** How a page route shows an error; set by htmlErrors(). */
export interface ErrorPageOptions {
  /** Page headings by code; otherwise `title` (below 500), otherwise "Something went wrong". */
  titles?: Partial<Record<ErrorCode, string>>;
  title?: string;
  /** Where to go from here, e.g. back to the form. */
  link?: (c: Context) => { href: string; label: string };
}

export interface HtmlErrorsVariables {
  errorPage: ErrorPageOptions;
}

type PageContext = Context<{ Variables: Partial<HtmlErrorsVariables> }>;

/**
 * Marks the routes behind it as pages: their errors render as the HTML error page. Typed for
 * any env, so that a route's own env (and its handlers' context) stays as it was.
 */
export function htmlErrors(page: ErrorPageOptions = {}): MiddlewareHandler {
  return async function htmlErrors(c, next) {
    (c as PageContext).set('errorPage', page);
    await next();
  };
}

/**
 * RFC 6750 §3: "Values for the "error_description" attribute ... MUST NOT include characters
 * outside the set %x20-21 / %x23-5B / %x5D-7E": no quote, no backslash, ASCII only (a "§" in
 * a header is a TypeError in browsers' fetch). The JSON body keeps the full text.
 */
export const challengeDescription = (text: string): string =>
  text.replace(/§/g, 'sec. ').replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '');

/** RFC 6750 §3: 401/403 for a bearer token carry a challenge naming the error. */
function bearerChallenge(error: AuthError): Record<string, string> {
  if (error.code !== 'invalid_token' && error.code !== 'insufficient_scope') return {};
  const description = challengeDescription(error.message);
  return {
    'WWW-Authenticate': `Bearer realm="${BEARER_REALM}", error="${error.code}", error_description="${description}"`,
  };
}

export function errorBody(code: ErrorCode, description: string) {
  return { error: wireCode(code) satisfies WireCode, error_description: description };
}

function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof HTTPException) {
    // Raised by Hono's own middleware (body limit, malformed JSON in a validator).
    if (err.status === 413) return new AuthError('payload_too_large');
    if (err.status === 400) return new AuthError('invalid_request', 'Malformed request body.');
  }
  return new AuthError('server_error', undefined, { cause: err });
}

/** Codes whose message is our own text (never input, never a secret): the log line has it. */
const OWN_TEXT: ReadonlySet<ErrorCode> = new Set(['server_misconfigured', 'internal_invariant']);

export function logError(c: Context, err: AuthError): void {
  const line: Record<string, unknown> = {
    level: err.status >= 500 ? 'error' : 'warn',
    // Our own text: the registry's description, or what a misconfiguration or a broken
    // invariant names (variables, a key id; never a secret's value: src/config,
    // src/auth/keys/key-material.ts).
    msg: OWN_TEXT.has(err.code) ? err.message : ERRORS[err.code].description,
    code: err.code,
    request_id: c.get('requestId'),
    method: c.req.method,
    route: routePath(c, -1) || null,
  };
  if (err instanceof ConfigError) line.variables = err.variables;
  if (err instanceof StoreUnavailableError) line.store = err.store;
  if (err.cause !== undefined) line.cause = failureFacts(err.cause);
  console.error(JSON.stringify(line));
}

/** What the client may read: the message below 500, the registry's text from 500 on. */
const publicMessage = (error: AuthError) =>
  error.status >= 500 ? ERRORS[error.code].description : error.message;

function jsonFace(error: AuthError, c: Context): Response {
  return c.json(errorBody(error.code, publicMessage(error)), error.status, {
    ...noStore,
    ...bearerChallenge(error),
    ...error.headers,
  });
}

/**
 * The HTML face. renderError uses it for the routes htmlErrors() marks; a page handler that
 * catches an expected error to show it on a page of its own title calls it directly.
 */
export function renderErrorPage(error: AuthError, c: Context, page: ErrorPageOptions) {
  const title =
    page.titles?.[error.code] ??
    (error.status < 500 ? page.title : undefined) ??
    'Something went wrong';
  const view = ErrorPage({
    title,
    message: publicMessage(error),
    ...(page.link ? { link: page.link(c) } : {}),
    ...(error.status >= 500 ? { reference: c.get('requestId') } : {}),
  }) as string | Promise<string>;
  return c.html(view, error.status, { ...error.headers, 'Cache-Control': 'no-store' });
}

/** app.onError: any thrown value becomes an AuthError, logged from 500 on, in the route's face. */
export function renderError(err: unknown, c: Context): Response | Promise<Response> {
  const error = toAuthError(err);
  if (error.status >= 500) logError(c, error);
  const page = (c as PageContext).get('errorPage');
  return page ? renderErrorPage(error, c, page) : jsonFace(error, c);
}
