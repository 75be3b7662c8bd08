// The request of the introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1) endpoints:
// the token asked about, and an optional hint of its type. The hint is only a hint (RFC 7009
// §2.1: the server "MUST extend its search across all of its supported token types"), and
// this service tells the two kinds apart from the token itself, so it is accepted and unused.
import { z } from 'zod';
import { type OAuthParams, parseParams, required } from './params.ts';

export const TokenReference = z.object({
  token: required('token is required.'),
  token_type_hint: z.string().optional(),
});
export type TokenReference = z.output<typeof TokenReference>;

export const tokenReferenceOf = (params: OAuthParams): TokenReference =>
  parseParams(TokenReference, params);
