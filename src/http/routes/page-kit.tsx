// What the hosted pages share: the page headers, the form middleware (body limit, then origin
// and synchronizer-token checks) and how their errors show (src/http/error-response.ts).
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { logoInCsp } from '../browser/logo-csp.ts';
import { verifiedForm } from '../browser/form-csrf.ts';
import { formPageHeaders, htmlPageHeaders } from '../browser/security-headers.ts';
import type { AppEnv } from '../context.ts';
import { htmlErrors } from '../error-response.ts';

export const ACCOUNT = '/account';
export const LOGIN_FOR_ACCOUNT = '/login?return_to=/account';
const FORM_PAGES = ['/login', '/register', '/reset-password'];

/** Parses and checks a page's form POST; the fields land in `c.var.pageForm`. */
export const form = [bodyLimit({ maxSize: 8 * 1024 }), verifiedForm()] as const;

/**
 * An error nobody can fix by editing the form gets the error page, with the error's status: back
 * to a page with a form (a fresh token), or to the account for its buttons.
 */
const pageErrors = htmlErrors({
  titles: { csrf_failed: 'This form could not be accepted' },
  link: (c) => ({
    href: FORM_PAGES.includes(c.req.path) ? c.req.path : ACCOUNT,
    label: 'Start again',
  }),
});

/** The error page, the page CSP and the form pages' referrer policy and no-store on `paths`. */
export function withPageHeaders(app: Hono<AppEnv>, paths: string[]): Hono<AppEnv> {
  const headers = htmlPageHeaders();
  for (const path of paths) app.use(path, logoInCsp, pageErrors, headers, formPageHeaders());
  return app;
}
