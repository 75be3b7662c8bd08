// A client's registered logo on a hosted page (the sign-in page /oauth/authorize sends a user
// to, the consent page): the page CSP's img-src gains that one image's origin, for that one
// response. The middleware must wrap the one that writes the CSP, so it sits outermost.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

const logoOrigins = new WeakMap<Request, string>();

/** Lets this response's page show `logoUri` (an https URL the registration rules checked). */
export function allowLogo<E extends AppEnv>(c: Context<E>, logoUri: string | null): void {
  if (logoUri) logoOrigins.set(c.req.raw, new URL(logoUri).origin);
}

export const logoInCsp: MiddlewareHandler<AppEnv> = async function logoInCsp(c, next) {
  await next();
  const origin = logoOrigins.get(c.req.raw);
  const csp = c.res.headers.get('Content-Security-Policy');
  if (origin && csp) {
    c.res.headers.set(
      'Content-Security-Policy',
      csp.replace(/img-src ([^;]*)/, `img-src $1 ${origin}`),
    );
  }
};
