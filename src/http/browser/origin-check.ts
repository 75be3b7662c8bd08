// The first CSRF check of both browser mechanisms (the API's refresh cookie,
// refresh-cookie-csrf.ts, and the hosted pages' forms, form-csrf.ts): where the request comes
// from. Origin (RFC 6454 §7), when present, must be this service's own origin or one in
// ALLOWED_ORIGINS; without Origin, Sec-Fetch-Site (Fetch Metadata) must be absent,
// `same-origin` or `none`. Browsers send Origin on every cross-origin POST and every form POST.
import type { Context } from 'hono';
import { AuthError } from '../../shared/errors.ts';
import type { AppEnv } from '../context.ts';

const fail = (why: string) => new AuthError('csrf_failed', `CSRF check failed: ${why}.`);

/** Origin (or, without it, Sec-Fetch-Site) must be this service or an allowed app. */
export function checkOrigin<E extends AppEnv>(c: Context<E>): void {
  const origin = c.req.header('Origin');
  const { issuer, browser } = c.var.config;
  if (origin !== undefined) {
    if (origin === new URL(issuer).origin || browser.allowedOrigins.includes(origin)) return;
    throw fail('the request comes from an origin that is not allowed');
  }
  const site = c.req.header('Sec-Fetch-Site');
  if (site === undefined || site === 'same-origin' || site === 'none') return;
  throw fail(`Sec-Fetch-Site is "${site}" and there is no Origin header`);
}
