// What the hosted pages share: the page headers, the form middleware (body limit, then origin
// and synchronizer-token checks) and the error page for what no form can fix.
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { verifiedForm } from '../browser/form-csrf.ts';
import { formPageHeaders, htmlPageHeaders } from '../browser/security-headers.ts';
import { AuthError, ERRORS } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { noStore } from '../cache-control.ts';
import { logError } from '../error-response.ts';
import { ErrorPage } from '../pages/layout.tsx';

export const ACCOUNT = '/account';
export const LOGIN_FOR_ACCOUNT = '/login?return_to=/account';
const FORM_PAGES = ['/login', '/register', '/reset-password'];

/** Parses and checks a page's form POST; the fields land in `c.var.pageForm`. */
export const form = [bodyLimit({ maxSize: 8 * 1024 }), verifiedForm()] as const;

/** The page CSP and the form pages' referrer policy and no-store on `paths`. */
export function withPageHeaders(app: Hono<AppEnv>, paths: string[]): Hono<AppEnv> {
  const headers = htmlPageHeaders();
  for (const path of paths) app.use(path, headers, formPageHeaders());
  return app;
}

/** An error nobody can fix by editing the form: its own page, with the error's status. */
export function pageError(err: unknown, c: Context<AppEnv>): Response | Promise<Response> {
  let error: AuthError;
  if (err instanceof AuthError) error = err;
  else if (err instanceof HTTPException && err.status === 413) {
    error = new AuthError('payload_too_large');
  } else error = new AuthError('server_error', undefined, { cause: err });
  if (error.status >= 500) logError(c, error);
  const csrf = error.code === 'csrf_failed';
  // Back to a page with a form (a fresh token), or to the account for its buttons.
  const again = FORM_PAGES.includes(c.req.path) ? c.req.path : ACCOUNT;
  const page = (
    <ErrorPage
      title={csrf ? 'This form could not be accepted' : 'Something went wrong'}
      message={error.status >= 500 ? ERRORS[error.code].description : error.message}
      link={{ href: again, label: 'Start again' }}
      reference={error.status >= 500 ? c.var.requestId : undefined}
    />
  );
  return c.html(page, error.status, { ...error.headers, ...noStore });
}
