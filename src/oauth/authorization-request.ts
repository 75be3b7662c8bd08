// The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3) once its client and redirect URI
// are known good: what is wrong with it from here on is told to the client through the
// redirect (§4.1.2.1), so it is returned as a value, not thrown. The checks run in the order
// the endpoint has always answered them.
import { z } from 'zod';
import type { OAuthClient } from './clients.ts';
import { firstRefusal, type OAuthParams, type ParamRefusal, refuseWith } from './params.ts';
import { CHALLENGE } from './pkce.ts';
import { parseScope } from './scopes.ts';

export const AuthorizationRequest = z
  .object({
    client_id: z.string(),
    redirect_uri: z.string().optional(),
    response_type: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value !== 'code') {
          refuseWith(ctx, 'unsupported_response_type', 'Only response_type=code is supported.');
        }
      }),
    code_challenge: z.string({ error: 'code_challenge is required (PKCE with S256).' }),
    code_challenge_method: z.string().optional(),
    scope: z.string().optional(),
    state: z.string().optional(),
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
  if (!parsed.success) return { ok: false, refusal: refusal! };
  const beyondClient = parsed.data.scope.filter((s) => !client.scopes.includes(s));
  if (beyondClient.length > 0) {
    const description = `Not allowed for this client: ${beyondClient.join(' ')}.`;
    return { ok: false, refusal: { error: 'invalid_scope', description, field: 'scope' } };
  }
  return { ok: true, request: parsed.data };
}
