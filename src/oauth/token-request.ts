// The token endpoint's request (RFC 6749 §4.1.3, §6, §4.4), one schema per grant, told apart
// by `grant_type`. Everything is checked before anything is spent: a refused request must not
// redeem a code or rotate a refresh token. The checks run in the order the endpoint has always
// answered them: the grant type, whether this client may use it, then the grant's parameters.
import { z } from 'zod';
import { AuthError } from '../shared/errors.ts';
import { GRANT_TYPES, type GrantType, type OAuthClient } from './clients.ts';
import { type OAuthParams, parseParams, refuseWith, required } from './params.ts';
import { parseScope } from './scopes.ts';

/** A scope parameter as its tokens (empty: none asked for); malformed is invalid_scope. */
const scope = (malformed?: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const tokens = parseScope(raw);
      if (tokens === undefined) refuseWith(ctx, 'invalid_scope', malformed);
      return tokens ?? [];
    });

export const AuthorizationCodeRequest = z.object({
  grant_type: z.literal('authorization_code'),
  code: required('code is required.'),
  redirect_uri: required('redirect_uri is required.'),
  code_verifier: required('code_verifier is required (PKCE).'),
});

export const RefreshTokenRequest = z.object({
  grant_type: z.literal('refresh_token'),
  refresh_token: required('refresh_token is required.'),
  // §6: a narrower scope may be asked for, never a wider one.
  scope: scope('The scope is malformed.'),
});

export const ClientCredentialsRequest = z.object({
  grant_type: z.literal('client_credentials'),
  scope: scope(),
});

export const TokenRequest = z.discriminatedUnion('grant_type', [
  AuthorizationCodeRequest,
  RefreshTokenRequest,
  ClientCredentialsRequest,
]);
export type TokenRequest = z.output<typeof TokenRequest>;

const isGrantType = (name: string): name is GrantType =>
  (GRANT_TYPES as readonly string[]).includes(name);

/** The request `client` (authenticated) makes with `params`, or the AuthError refusing it. */
export function tokenRequestFor(client: OAuthClient, params: OAuthParams): TokenRequest {
  const name = params.grant_type;
  if (name === undefined) throw new AuthError('invalid_request', 'grant_type is required.');
  if (!isGrantType(name)) throw new AuthError('unsupported_grant_type');
  if (!client.grantTypes.includes(name)) {
    throw new AuthError('unauthorized_client', `This client may not use ${name}.`);
  }
  // §4.4: "The client credentials grant type MUST only be used by confidential clients."
  if (name === 'client_credentials' && client.type !== 'confidential') {
    throw new AuthError('unauthorized_client');
  }
  return parseParams(TokenRequest, params);
}
