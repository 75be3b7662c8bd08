// requireAuth: the access token must verify offline (signature by kid, RS256, typ at+jwt, iss,
// aud, exp/nbf/iat with leeway) and then, in ONE Redis round trip, be neither blacklisted nor
// belong to a revoked session. Failures answer 401 with an RFC 6750 challenge; a token issued
// to an OAuth client on a first-party-only route answers 403 insufficient_scope.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Services } from '../compose/services.ts';
import { verifyAccessToken, type VerifiedAccessToken } from '../auth/access-token.ts';
import { tokenSettings } from '../auth/token-pair.ts';
import { AuthError } from '../shared/errors.ts';
import type { AppEnv, EnvWith } from './context.ts';
import { BEARER_REALM, challengeDescription } from './error-response.ts';
import { oauthForm } from './oauth-form.ts';

export type AuthenticatedToken = VerifiedAccessToken['payload'];

/** What requireAuth sets, for the routes behind it (and only those: see src/http/context.ts). */
export interface AuthVariables {
  auth: AuthenticatedToken;
}

/** What requireAuthAlongside sets besides `auth`: its work's result, once the token is live. */
export interface AlongsideVariables<T> {
  alongside: T;
}

/**
 * Work that needs only the verified token's claims (the /me row read): run together with the
 * Redis revocation check rather than after it, so the request waits for one round trip, not
 * two. Its result is read only once the token proved live; when it was not, the work's outcome
 * is dropped (it must be a read: it runs for a token that may turn out revoked).
 */
export type Alongside<T> = (services: Services, token: AuthenticatedToken) => Promise<T>;

/** RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token (scheme case-insensitive). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export interface RequireAuthOptions {
  /**
   * Skip the blacklist/session check because the handler performs it atomically with its own
   * change in one round trip (logout). Any other handler must leave this off.
   */
  revocationCheckedByHandler?: boolean;
  /**
   * Accept any audience: for the issuer's own endpoints that serve tokens minted for OAuth
   * clients (userinfo), whose `aud` is the client's, not one of AUDIENCES.
   */
  anyAudience?: boolean;
  /**
   * Accept only tokens of the first-party API (login, refresh of the service's own sessions):
   * no `client_id` claim. For the account's own endpoints (sessions, logout everywhere,
   * password, email, deletion): a token a user granted an OAuth client for some scope is not
   * the user managing their account, whatever that scope is.
   */
  firstParty?: boolean;
  /**
   * A scope the token must hold (RFC 6750 §3.1 insufficient_scope, 403, with the `scope`
   * attribute in the challenge); checked from the token alone, before the Redis round trip.
   */
  scope?: string;
  /**
   * RFC 6750 §2.2: on POST, the token may come as the form body's `access_token` instead of the
   * Authorization header (userinfo, OIDC Core §5.3.1). Then a token in the URL is refused
   * rather than ignored, and two ways at once are invalid_request (§2: "Clients MUST NOT use
   * more than one method to transmit the token in each request").
   */
  formBodyToken?: boolean;
}

/** RFC 6750 §3.1: "The request requires higher privileges than provided by the access token". */
export const FIRST_PARTY_REQUIRED =
  'first-party session required: tokens issued to OAuth clients are not accepted here.';

export function requireAuth(options: RequireAuthOptions = {}) {
  const authenticate = authenticator(options);
  return createMiddleware<EnvWith<AuthVariables>>(async function requireAuth(c, next) {
    c.set('auth', await authenticate(c));
    await next();
  });
}

/** requireAuth, with `work` run beside the revocation check (see Alongside). */
export function requireAuthAlongside<T>(
  work: Alongside<T>,
  options: Omit<RequireAuthOptions, 'revocationCheckedByHandler'> = {},
) {
  const authenticate = authenticator(options);
  return createMiddleware<EnvWith<AuthVariables & AlongsideVariables<T>>>(
    async function requireAuthAlongside(c, next) {
      let started: Promise<T> | undefined;
      const token = await authenticate(c, (payload) => {
        started = work(c.var.services, payload);
        // Settled here too: a refused token's request never reads it.
        started.catch(() => {});
      });
      c.set('auth', token);
      if (started) c.set('alongside', await started);
      await next();
    },
  );
}

/** RFC 6750 §3.1 insufficient_scope, naming the scope needed in the challenge. */
export function insufficientScope(scope: string, description: string): AuthError {
  return new AuthError('insufficient_scope', description, {
    headers: {
      'WWW-Authenticate': `Bearer realm="${BEARER_REALM}", error="insufficient_scope", error_description="${challengeDescription(description)}", scope="${scope}"`,
    },
  });
}

/** RFC 6750 §3.1 invalid_request (400), with its challenge. */
function invalidRequest(description: string): AuthError {
  return new AuthError('invalid_request', description, {
    headers: {
      'WWW-Authenticate': `Bearer realm="${BEARER_REALM}", error="invalid_request", error_description="${challengeDescription(description)}"`,
    },
  });
}

const FORM = /^application\/x-www-form-urlencoded\b/i;

/**
 * The token the request presents: the Authorization header (§2.1) or, where allowed, the form
 * body's `access_token` (§2.2: a POST with a single-part form-urlencoded body). Undefined
 * when there is none at all.
 */
async function presentedToken<E extends AppEnv>(
  c: Context<E>,
  formBodyToken: boolean,
): Promise<string | undefined> {
  const header = c.req.header('Authorization');
  if (!formBodyToken) return header === undefined ? undefined : bearerOf(header);
  const inBody =
    c.req.method === 'POST' && FORM.test(c.req.header('Content-Type') ?? '')
      ? (await oauthForm(c)).access_token
      : undefined;
  // §2.3 (the URI query) is not offered: a token in a URL ends up in logs and histories.
  const inQuery = new URL(c.req.url).searchParams.has('access_token');
  const ways = [header !== undefined, inBody !== undefined, inQuery].filter(Boolean).length;
  if (ways > 1) {
    throw invalidRequest('The access token was sent more than one way (RFC 6750 §2).');
  }
  if (inQuery) {
    throw invalidRequest(
      'Send the access token in the Authorization header or the form body, not in the URL.',
    );
  }
  return header === undefined ? inBody : bearerOf(header);
}

/** RFC 6749 §3.3: the scope claim is a space-delimited, case-sensitive list. */
const holdsScope = (payload: AuthenticatedToken, scope: string): boolean =>
  String(payload.scope ?? '')
    .split(' ')
    .includes(scope);

function bearerOf(header: string): string {
  const match = BEARER.exec(header);
  if (!match?.[1]) throw revoked('The Authorization header is not a Bearer token.');
  return match[1];
}

/** The checks both factories run, options read once. */
function authenticator(options: RequireAuthOptions) {
  const checkRevocation = options.revocationCheckedByHandler !== true;
  const anyAudience = options.anyAudience === true;
  const firstParty = options.firstParty === true;
  const formBodyToken = options.formBodyToken === true;
  const needed = options.scope;
  const scopeRefusal = `This resource needs the scope "${needed}".`;
  return async function authenticate<E extends AppEnv>(
    c: Context<E>,
    verified?: (payload: AuthenticatedToken) => void,
  ): Promise<AuthenticatedToken> {
    const token = await presentedToken(c, formBodyToken);
    if (token === undefined) {
      // RFC 6750 §3.1: with no credentials at all, the challenge carries no error code.
      throw new AuthError('invalid_token', 'An access token is required.', {
        headers: { 'WWW-Authenticate': `Bearer realm="${BEARER_REALM}"` },
      });
    }
    const { config, services } = c.var;
    const now = new Date();
    const keys = services.keys;
    const settings = { ...tokenSettings(config), ...(anyAudience ? { audiences: undefined } : {}) };
    const { payload } = await verifyAccessToken(keys, settings, token, now);
    if (typeof payload.sid !== 'string') throw revoked('The token is not bound to a session.');
    // Before the Redis check: a refusal that depends on the token alone costs no round trip.
    // The error renderer adds the challenge (error="insufficient_scope", this description).
    if (firstParty && payload.client_id !== undefined) {
      throw new AuthError('insufficient_scope', FIRST_PARTY_REQUIRED);
    }
    if (needed !== undefined && !holdsScope(payload, needed)) {
      throw insufficientScope(needed, scopeRefusal);
    }
    verified?.(payload);
    if (checkRevocation) {
      const state = await services.sessions.check({
        sub: payload.sub ?? '',
        sid: payload.sid,
        jti: payload.jti,
      });
      if (state.blacklisted) throw revoked('The token has been revoked.');
      if (!state.sessionAlive) throw revoked('The session has ended.');
      // An emergency rotation since this isolate loaded its keys: verify against the new set,
      // so a revoked key stops being trusted here at once, not after KEY_CACHE_TTL (item 17).
      if (keys.observeKeySetVersion(state.keySetVersion)) {
        await verifyAccessToken(keys, settings, token, now);
      }
    }
    return payload;
  };
}

const revoked = (description: string) => new AuthError('invalid_token', description);
