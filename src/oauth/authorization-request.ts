// The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core 1.0 §3.1.2.1) once its
// client and redirect URI are known good: what is wrong with it from here on is told to the
// client through the redirect (§4.1.2.1), so it is returned as a value, not thrown. The checks
// run in the order the endpoint has always answered them; the OIDC parameters come after.
import { z } from 'zod';
import type { OAuthClient } from './clients.ts';
import {
  firstRefusal,
  type OAuthParams,
  type ParamRefusal,
  refuseWith,
  required,
} from './params.ts';
import { CHALLENGE } from './pkce.ts';
import { parseScope } from './scopes.ts';

export const AuthorizationRequest = z
  .object({
    client_id: z.string(),
    redirect_uri: z.string().optional(),
    // §4.1.1: REQUIRED. (An optional schema would skip the refinement below when it is absent,
    // and a request without it would be answered with a code.)
    response_type: required('response_type is required.').superRefine((value, ctx) => {
      if (value !== 'code') {
        refuseWith(ctx, 'unsupported_response_type', 'Only response_type=code is supported.');
      }
    }),
    code_challenge: z.string({ error: 'code_challenge is required (PKCE with S256).' }),
    code_challenge_method: z.string().optional(),
    scope: z.string().optional(),
    state: z.string().optional(),
    // OIDC Core §3.1.2.1. `nonce` is echoed in the ID token; `login_hint` prefills the sign-in
    // page; `id_token_hint` is checked by the endpoint (it needs the key set).
    nonce: z.string().optional(),
    prompt: z
      .string()
      .optional()
      .transform((raw, ctx) => {
        const values = [...new Set((raw ?? '').split(' ').filter((v) => v !== ''))];
        const unknown = values.filter((v) => !(PROMPTS as readonly string[]).includes(v));
        if (unknown.length > 0) {
          refuseWith(ctx, 'invalid_request', `Unsupported prompt value: ${unknown.join(' ')}.`);
        } else if (values.includes('none') && values.length > 1) {
          // §3.1.2.1: "If this parameter contains none with any other value, an error is
          // returned."
          refuseWith(ctx, 'invalid_request', 'prompt=none cannot be combined with other values.');
        }
        return values as Prompt[];
      }),
    max_age: z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return undefined;
        if (!/^\d{1,10}$/.test(raw)) {
          refuseWith(ctx, 'invalid_request', 'max_age must be a non-negative integer (seconds).');
          return undefined;
        }
        return Number(raw);
      }),
    login_hint: z.string().optional(),
    id_token_hint: z.string().optional(),
    // Accepted and not acted on, as §3.1.2.1 and §5.5 allow: `display` and `ui_locales` are
    // hints ("not an error if ... not supported"), the claims of `claims` beyond the scopes'
    // are voluntary, and `acr_values` are voluntary claims too; the one acr we assert is in
    // the ID token whatever is asked.
  })
  .transform((query, ctx) => {
    // RFC 7636 §4.4.1: plain is refused; S256 only, and a challenge shaped like one.
    if (query.code_challenge_method !== 'S256') {
      refuseWith(ctx, 'invalid_request', 'code_challenge_method must be S256; plain is refused.');
    } else if (!CHALLENGE.test(query.code_challenge)) {
      refuseWith(ctx, 'invalid_request', 'code_challenge is not a base64url SHA-256.');
    }
    const scope = parseScope(query.scope);
    if (scope === undefined) refuseWith(ctx, 'invalid_scope', 'The scope is malformed.');
    return { ...query, scope: scope ?? [] };
  });
export type AuthorizationRequest = z.output<typeof AuthorizationRequest>;

/** The prompt values this endpoint implements (discovery's `prompt_values_supported`). */
export const PROMPTS = ['none', 'login', 'consent'] as const;
export type Prompt = (typeof PROMPTS)[number];

/**
 * OIDC Core §6.1-6.2 and RFC 7591's `registration`: parameters whose support a provider may
 * decline, answered with their own codes before anything else they might carry is read.
 */
const UNSUPPORTED = [
  ['request', 'request_not_supported'],
  ['request_uri', 'request_uri_not_supported'],
  ['registration', 'registration_not_supported'],
] as const;

/** The request `client` makes with `query`, or the first reason to refuse it. */
export function authorizationRequestFor(
  client: OAuthClient,
  query: OAuthParams,
): { ok: true; request: AuthorizationRequest } | { ok: false; refusal: ParamRefusal } {
  const parsed = AuthorizationRequest.safeParse(query);
  const refusal = parsed.success ? undefined : firstRefusal(parsed.error);
  if (refusal?.field === 'response_type') return { ok: false, refusal };
  if (!client.grantTypes.includes('authorization_code')) {
    const description = 'This client may not use the authorization code flow.';
    return { ok: false, refusal: { error: 'unauthorized_client', description, field: undefined } };
  }
  for (const [field, error] of UNSUPPORTED) {
    if (query[field] !== undefined) {
      return { ok: false, refusal: { error, description: undefined, field } };
    }
  }
  if (!parsed.success) return { ok: false, refusal: refusal! };
  const beyondClient = parsed.data.scope.filter((s) => !client.scopes.includes(s));
  if (beyondClient.length > 0) {
    const description = `Not allowed for this client: ${beyondClient.join(' ')}.`;
    return { ok: false, refusal: { error: 'invalid_scope', description, field: 'scope' } };
  }
  return { ok: true, request: parsed.data };
}

/** Why the user must sign in (again) before a code is issued. */
export type SignInReason = 'no_session' | 'prompt_login' | 'max_age' | 'other_user';

/** The browser's sign-in, as far as the decision needs it. */
export interface SignedInBrowser {
  uid: string;
  /** Seconds since the epoch of the user's last actual authentication (OIDC `auth_time`). */
  authTime: number;
}

/**
 * Whether the browser's sign-in is good for this request, or why the user must sign in first
 * (OIDC Core §3.1.2.1 and §3.1.2.3):
 * - `prompt=login`: "the Authorization Server SHOULD prompt the End-User for reauthentication";
 * - `max_age`: "If the elapsed time is greater than this value, the OP MUST attempt to actively
 *   re-authenticate the End-User" (and max_age=0 is prompt=login, errata set 2);
 * - `id_token_hint` naming another user than the one signed in.
 * `reauthenticated`: the browser's sign-in is the one this endpoint asked for on an earlier
 * round of the same request (src/http/browser/reauth-marker.ts), so the request goes on
 * instead of asking again and again.
 */
export function signInNeeded(
  request: Pick<AuthorizationRequest, 'prompt' | 'max_age'>,
  browser: SignedInBrowser | undefined,
  hintSubject: string | undefined,
  reauthenticated: boolean,
  now: Date,
): SignInReason | undefined {
  if (!browser) return 'no_session';
  if (reauthenticated) return undefined;
  if (request.prompt.includes('login')) return 'prompt_login';
  const age = Math.floor(now.getTime() / 1000) - browser.authTime;
  if (request.max_age !== undefined && (request.max_age === 0 || age > request.max_age)) {
    return 'max_age';
  }
  if (hintSubject !== undefined && hintSubject !== browser.uid) return 'other_user';
  return undefined;
}
